"""Report filters: parsed from the address, checked against the viewer's scope, never a 500."""

import pytest
from werkzeug.datastructures import MultiDict

from elearn.errors import DomainError, NotFound
from elearn.extensions import db
from elearn.modules.assignments.models import Cohort, CohortMember
from elearn.modules.auth.models import Role
from elearn.modules.reports import filters
from elearn.modules.reports.options import filter_options
from elearn.modules.units.models import UnitKind


@pytest.fixture
def tree(app, make_unit, make_user):
    district = make_unit("District", kind=UnitKind.DISTRICT)
    team = make_unit("Team", parent=district)
    other = make_unit("Elsewhere")
    people = {"district": make_user(Role.LEARNER, name="Dora", unit=district),
              "team": make_user(Role.LEARNER, name="Tove", unit=team),
              "team-coordinator": make_user(Role.COORDINATOR, name="Carl", unit=team),
              "other": make_user(Role.LEARNER, name="Otto", unit=other),
              "gone": make_user(Role.LEARNER, name="Gunnar", unit=team)}
    people["gone"].active = False
    cohort = Cohort(name="Recruits", unit_id=other.id)
    db.session.add(cohort)
    db.session.flush()
    db.session.add(CohortMember(cohort_id=cohort.id, user_id=people["other"].id))
    db.session.commit()
    return {"district": district, "team": team, "other": other, "cohort": cohort, **people}


def parse(args: dict, scope=None, **rules):
    return filters.parse(MultiDict(args), scope, **rules)


def names(scope, report_filters) -> set[str]:
    return {row.name for row in db.session.execute(filters.people(scope, report_filters))}


def test_no_filter_means_every_active_person_in_scope(tree):
    scope = {tree["district"].id, tree["team"].id}
    assert names(scope, parse({})) == {"Dora", "Tove", "Carl"}
    assert names(None, parse({})) == {"Dora", "Tove", "Carl", "Otto"}


def test_the_unit_filter_takes_sub_units_along(tree):
    assert names(None, parse({"unit": str(tree["district"].id)})) == {"Dora", "Tove", "Carl"}
    assert names(None, parse({"unit": str(tree["team"].id)})) == {"Tove", "Carl"}


def test_role_and_cohort_filters(tree):
    assert names(None, parse({"role": "coordinator"})) == {"Carl"}
    assert names(None, parse({"cohort": str(tree["cohort"].id)})) == {"Otto"}


def test_a_unit_or_cohort_outside_scope_is_not_found(tree):
    scope = {tree["district"].id, tree["team"].id}
    with pytest.raises(NotFound):
        parse({"unit": str(tree["other"].id)}, scope)
    with pytest.raises(NotFound):
        parse({"cohort": str(tree["cohort"].id)}, scope)
    with pytest.raises(NotFound):
        parse({"unit": "999999"})


@pytest.mark.parametrize("args", [{"unit": "abc"}, {"unit": "-1"}, {"page": "1e9"},
                                  {"per_page": "7"}, {"role": "superuser"}, {"sort": "email"},
                                  {"unit": "99999999999999999999"}])
def test_malformed_values_are_a_clear_400(tree, args):
    with pytest.raises(DomainError) as caught:
        parse(args)
    assert caught.value.status == 400


def test_paths_are_checked_and_defaulted(tree):
    with pytest.raises(NotFound):
        parse({"path": "no-such-path"})
    assert parse({}, path_required=True).path_slug == "recruit"
    assert parse({}).path_slug is None
    assert parse({"path": "key-officer"}).path_slug == "key-officer"


def test_query_args_round_trip(tree):
    parsed = parse({"unit": str(tree["team"].id), "role": "learner", "sort": "unit", "dir": "desc",
                    "page": "3", "per_page": "100"}, sorts=("name", "unit"))
    as_text = {key: str(value) for key, value in parsed.query_args().items()}
    assert parse(as_text, sorts=("name", "unit")) == parsed
    assert parsed.audit_details() == {"unit": tree["team"].id, "role": "learner", "sort": "unit",
                                      "dir": "desc"}


def test_page_arithmetic():
    page = filters.Page(number=3, size=50, total=120)
    assert (page.pages, page.offset, page.first_row, page.last_row) == (3, 100, 101, 120)
    beyond = filters.Page(number=9, size=50, total=120)
    assert beyond.offset == 100
    assert filters.Page(1, 50, 0).first_row == 0


def test_a_page_past_the_end_is_the_last_page():
    beyond = filters.Page(number=9, size=50, total=120)
    assert (beyond.current, beyond.offset, beyond.first_row, beyond.last_row) == (3, 100, 101, 120)
    assert filters.Page(4, 50, 0).current == 1 and filters.Page(2, 50, 120).current == 2


def test_only_the_filters_a_report_reads_are_parsed_and_kept(tree):
    """An unread filter is neither applied nor validated nor carried in links and the audit trail."""
    parsed = parse({"unit": str(tree["team"].id), "role": "nonsense", "cohort": "999999",
                    "path": "nowhere", "sort": "any", "dir": "desc"}, reads=("unit",), sorts=())
    assert (parsed.unit_id, parsed.role, parsed.cohort_id, parsed.path_slug) == (tree["team"].id, None, None,
                                                                                  None)
    assert parsed.audit_details() == parsed.query_args() == {"unit": tree["team"].id}


def test_a_reports_own_arguments_travel_as_extras(tree):
    parsed = parse({"months": "24", "state": "", "unit": str(tree["team"].id)},
                   extras={"months": lambda raw: int(raw or 12), "state": lambda raw: raw or None})
    assert parsed.extras == (("months", "24"),) and parsed.extra_arg("months") == "24"
    assert parsed.query_args() == {"unit": tree["team"].id, "months": "24", "sort": "name"}
    assert parsed.query_args(months=6, state="expired", page=2) == {
        "unit": tree["team"].id, "months": "6", "state": "expired", "sort": "name", "page": 2}
    assert parsed.query_args(months=None) == {"unit": tree["team"].id, "sort": "name"}
    assert parsed.audit_details()["months"] == "24"


def test_cohort_options_name_their_unit_and_sort_by_name_then_id(tree, make_unit):
    second = Cohort(name="recruits", unit_id=tree["team"].id)
    early = Cohort(name="Alpha class", unit_id=tree["district"].id)
    db.session.add_all([second, early])
    db.session.commit()
    assert filter_options(None, "en").cohorts == [(early.id, "Alpha class (District)"),
                                                  (tree["cohort"].id, "Recruits (Elsewhere)"),
                                                  (second.id, "recruits (Team)")]
    scoped = filter_options({tree["district"].id, tree["team"].id}, "en").cohorts
    assert [name for _id, name in scoped] == ["Alpha class (District)", "recruits (Team)"]
