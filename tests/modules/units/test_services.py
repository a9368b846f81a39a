"""The unit tree: paths, subtrees, moves and removal."""

import pytest

from elearn.errors import Conflict, DomainError
from elearn.extensions import db
from elearn.modules.units import services
from elearn.modules.units.models import UnitKind


@pytest.fixture
def district(make_unit):
    root = make_unit("Sydøstjyllands Politi", "SJYL", UnitKind.DISTRICT)
    centre = make_unit("Beredskabscenter", "BER", UnitKind.CENTRE, root)
    team = make_unit("Patrulje Horsens", "PAT-HOR", UnitKind.TEAM, centre)
    other = make_unit("Servicecenter", "SC", UnitKind.CENTRE, root)
    return root, centre, team, other


@pytest.mark.both_databases
def test_subtree_contains_the_unit_and_all_below(district):
    root, centre, team, other = district
    assert services.subtree_ids([centre.id]) == {centre.id, team.id}
    assert services.subtree_ids([root.id]) == {root.id, centre.id, team.id, other.id}
    assert services.subtree_ids([]) == set()


def test_subtree_of_unit_10_does_not_include_unit_1(make_unit):
    units = [make_unit() for _ in range(11)]
    assert services.subtree_ids([units[0].id]) == {units[0].id}


@pytest.mark.both_databases
def test_moving_a_unit_moves_its_subtree(district):
    root, centre, team, other = district
    services.update_unit(centre, centre.name, centre.code, centre.kind, other.id)
    db.session.commit()
    assert team.path == f"/{root.id}/{other.id}/{centre.id}/{team.id}/"
    assert services.subtree_ids([other.id]) == {other.id, centre.id, team.id}


def test_a_unit_cannot_move_below_itself(district):
    root, centre, team, other = district
    with pytest.raises(DomainError) as error:
        services.update_unit(centre, centre.name, centre.code, centre.kind, team.id)
    assert error.value.field == "parent_id"


def test_codes_are_unique_ignoring_case(district):
    with pytest.raises(Conflict):
        services.create_unit("Another", "sjyl", UnitKind.TEAM)


@pytest.mark.parametrize("code", ["", "has space", "x" * 41, "-leading"])
def test_malformed_codes_are_refused(app, code):
    with pytest.raises(DomainError):
        services.create_unit("Name", code, UnitKind.TEAM)


def test_tree_lists_depth_first_by_name(district):
    rows = services.tree()
    assert [(row.unit.code, row.depth) for row in rows] == [
        ("SJYL", 0), ("BER", 1), ("PAT-HOR", 2), ("SC", 1)]


def test_find_unit_by_code_or_name(district):
    assert services.find_unit("pat-hor").name == "Patrulje Horsens"
    assert services.find_unit("patrulje horsens").code == "PAT-HOR"
    assert services.find_unit("Nowhere") is None


def test_ambiguous_unit_name_asks_for_the_code(make_unit):
    make_unit("Servicecenter", "SC1")
    make_unit("Servicecenter", "SC2")
    with pytest.raises(DomainError):
        services.find_unit("Servicecenter")


def test_unit_with_children_or_members_cannot_be_removed(district):
    root, centre, team, other = district
    with pytest.raises(Conflict):
        services.delete_unit(centre, member_count=0)
    with pytest.raises(Conflict):
        services.delete_unit(team, member_count=1)
    services.delete_unit(team, member_count=0)
    db.session.commit()
    assert services.subtree_ids([centre.id]) == {centre.id}
