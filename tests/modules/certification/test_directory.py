"""The key-officer directory's search on both databases: Danish letters fold like ASCII ones, and
LIKE's wildcards in a query match only themselves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.admin.services import UserFilter, user_query
from elearn.modules.certification import directory
from elearn.modules.certification.models import CertificateAward
from elearn.modules.certification.services import new_number
from elearn.modules.units.models import UnitKind
from tests.modules.certification.conftest import PATH


def holds(user, days: int = 300) -> None:
    """user holds a valid Key officer certificate (a row only: the directory reads no PDF)."""
    db.session.add(CertificateAward(user_id=user.id, path_slug=PATH, number=new_number(),
                                    expires_at=utcnow() + timedelta(days=days)))
    db.session.commit()


def names(groups) -> set[str]:
    return {officer.name for group in groups for officer in group.officers}


@pytest.mark.both_databases
def test_the_search_finds_danish_letters_in_either_case(app, backend, make_user, make_unit):
    east = make_unit("Østjyllands Politi")
    for person in (make_user(unit=east, name="Ida Holm"),
                   make_user(unit=make_unit("Fyns Politi"), name="Søren Ærø"),
                   make_user(unit=make_unit("Nordjyllands Politi"), name="Bo Ask")):
        holds(person)
    now = utcnow()
    assert names(directory.key_officers(now, "øst")) == {"Ida Holm"}
    assert names(directory.key_officers(now, "ØST")) == {"Ida Holm"}
    assert names(directory.key_officers(now, "ærø")) == {"Søren Ærø"}
    assert names(directory.key_officers(now, "ÆRØ")) == {"Søren Ærø"}


@pytest.mark.both_databases
def test_wildcards_in_the_search_match_only_themselves(app, backend, make_user, unit):
    holds(make_user(unit=unit, name="Ole Bak"))
    holds(make_user(unit=unit, name="Ole_Bak"))
    assert names(directory.key_officers(utcnow(), "e_b")) == {"Ole_Bak"}
    assert names(directory.key_officers(utcnow(), "e%b")) == set()


@pytest.mark.both_databases
def test_the_admin_user_search_finds_danish_letters(app, backend, make_user):
    make_user(name="Søren Ærø")
    make_user(name="Ole_Bak")
    make_user(name="Ole Bak")
    found = db.session.scalars(user_query(None, UserFilter(query="ærø"))).all()
    assert [u.name for u in found] == ["Søren Ærø"]
    found = db.session.scalars(user_query(None, UserFilter(query="e_b"))).all()
    assert [u.name for u in found] == ["Ole_Bak"]


def test_units_of_the_same_name_are_kept_apart_and_shown_with_their_district(app, make_user,
                                                                              make_unit):
    south = make_unit("Sydøstjyllands Politi", kind=UnitKind.DISTRICT)
    north = make_unit("Nordjyllands Politi", kind=UnitKind.DISTRICT)
    for unit, name in ((make_unit("Efterforskning", parent=south), "Ida Holm"),
                       (make_unit("Efterforskning", parent=north), "Bo Ask"), (south, "Eva Lind")):
        holds(make_user(unit=unit, name=name), days=40)
    groups = directory.key_officers(utcnow())
    assert [(g.unit, [o.name for o in g.officers]) for g in groups] == [
        ("Sydøstjyllands Politi › Efterforskning", ["Ida Holm"]),
        ("Nordjyllands Politi › Efterforskning", ["Bo Ask"]),
        ("Sydøstjyllands Politi", ["Eva Lind"]),
    ]
    rows = directory.overview(None, utcnow()).expiring
    assert {(r.name, r.unit) for r in rows} == {
        ("Ida Holm", "Sydøstjyllands Politi › Efterforskning"),
        ("Bo Ask", "Nordjyllands Politi › Efterforskning"), ("Eva Lind", "Sydøstjyllands Politi")}
