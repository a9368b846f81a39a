"""The coordinator pages and the learner's dashboard: scope by URL editing, POST/redirect/GET with
CSRF, the CSV import's preview and confirm, and the dashboard's order and overdue mark."""

import io
import re
from datetime import timedelta

from sqlalchemy import func, select

from elearn.extensions import db
from elearn.modules.assignments import cohorts, pages
from elearn.modules.assignments.models import Assignment, CohortMember, TargetKind
from elearn.statements import counting
from tests.modules.assignments.conftest import assign, cohort_of, complete


def test_creating_an_assignment_redirects_to_it_and_counts_show_on_the_list(world, client, auth):
    auth.login(world.coordinator)
    due = world.today + timedelta(days=60)
    response = auth.post("/assignments/new", {"target": "path:key-officer", "audience": "unit",
                                              "unit": world.team1.id, "due_on": due.isoformat()})
    assert response.status_code == 302
    assignment = db.session.scalar(select(Assignment))
    assert response.headers["Location"] == f"/assignments/{assignment.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Key officer" in page and "Anna Jensen" in page and "Bo Madsen" not in page
    listing = client.get("/assignments").get_data(as_text=True)
    assert "Patrulje Horsens and its sub-units" in listing
    assert "<td>0</td>\n    <td>2</td>" in listing  # completed 0, on track 2 (Anna and Tom Team)


def test_without_a_csrf_token_nothing_is_created(world, client, auth):
    auth.login(world.coordinator)
    response = client.post("/assignments/new", data={"target": "module:first-steps", "audience": "unit",
                                                      "unit": world.team1.id,
                                                      "due_on": world.today.isoformat()})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0


def test_a_unit_outside_scope_or_a_past_date_is_refused_on_the_form(world, client, auth):
    auth.login(world.team_coordinator)
    response = auth.post("/assignments/new", {"target": "module:first-steps", "audience": "unit",
                                              "unit": world.other.id, "due_on": world.today.isoformat()})
    assert response.status_code == 400
    response = auth.post("/assignments/new", {"target": "module:first-steps", "audience": "person",
                                              "person": "xena@politi.example",
                                              "due_on": world.today.isoformat()})
    assert response.status_code == 400 and "Choose an active person in your units" in response.get_data(True)
    response = auth.post("/assignments/new", {"target": "module:first-steps", "audience": "unit",
                                              "unit": world.team1.id,
                                              "due_on": (world.today - timedelta(days=1)).isoformat()})
    assert response.status_code == 400 and "cannot be in the past" in response.get_data(as_text=True)
    response = auth.post("/assignments/new", {"target": "module:first-steps", "audience": "unit",
                                              "unit": world.team1.id, "due_on": "31-02-2027"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0


def test_ids_outside_scope_answer_404(world, client, auth):
    other_cohort = cohort_of(world.other, world.xena, name="Fyn")
    foreign = assign(TargetKind.MODULE, "first-steps", world.today, user=world.xena)
    auth.login(world.team_coordinator)
    assert client.get(f"/assignments/{foreign.id}").status_code == 404
    assert client.get("/assignments/999999").status_code == 404
    assert auth.post(f"/assignments/{foreign.id}/withdraw", {}).status_code == 404
    assert client.get(f"/cohorts/{other_cohort.id}").status_code == 404
    assert client.get(f"/cohorts/{other_cohort.id}/import").status_code == 404
    response = auth.post(f"/cohorts/{other_cohort.id}/members/{world.xena.id}/remove", {})
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(CohortMember)) == 1
    assert db.session.get(Assignment, foreign.id).withdrawn_at is None


def test_a_district_assignment_shows_only_the_team_coordinators_people(world, client, auth):
    district_wide = assign(TargetKind.MODULE, "first-steps", world.today + timedelta(days=9),
                           unit=world.district)
    auth.login(world.team_coordinator)
    page = client.get(f"/assignments/{district_wide.id}").get_data(as_text=True)
    assert "Anna Jensen" in page and "Bo Madsen" not in page and "Carl Holm" not in page
    assert "Set outside your units" in page and "Withdraw the assignment" not in page
    assert auth.post(f"/assignments/{district_wide.id}/withdraw", {}).status_code == 404
    assert db.session.get(Assignment, district_wide.id).withdrawn_at is None


def test_withdrawing_redirects_and_takes_it_off_the_list(world, client, auth):
    assignment = assign(TargetKind.MODULE, "first-steps", world.today, unit=world.team1)
    auth.login(world.coordinator)
    response = auth.post(f"/assignments/{assignment.id}/withdraw", {})
    assert response.status_code == 302 and response.headers["Location"] == "/assignments"
    assert "No assignments yet" in client.get("/assignments").get_data(as_text=True)


def test_cohort_pages_create_add_and_remove(world, client, auth):
    auth.login(world.coordinator)
    response = auth.post("/cohorts/new", {"name": "Politielever, efterår 2027", "unit": world.district.id})
    assert response.status_code == 302
    cohort_url = response.headers["Location"]
    response = auth.post(cohort_url, {"member-email": "anna@politi.example"})
    assert response.status_code == 302
    response = auth.post(cohort_url, {"member-email": "xena@politi.example"})
    assert response.status_code == 400
    assert "No one in your units has the e-mail address xena@politi.example." in response.get_data(True)
    duplicate = auth.post("/cohorts/new", {"name": "politielever, efterår 2027", "unit": world.district.id})
    assert duplicate.status_code == 400 and "already has a cohort" in duplicate.get_data(as_text=True)
    cohort_id = int(cohort_url.rsplit("/", 1)[1])
    assert auth.post(f"{cohort_url}/members/{world.anna.id}/remove", {}).status_code == 302
    assert cohorts.members(cohorts.get_cohort(cohort_id, None), None) == []


def test_the_import_previews_then_adds_the_good_lines(world, client, auth):
    group = cohort_of(world.district, name="Hold 1")
    auth.login(world.coordinator)
    data = "email;navn\r\nanna@politi.example;Anna\r\n=cmd|' /C calc'!A0;x\r\nxena@politi.example;X\r\n"
    response = auth.post(f"/cohorts/{group.id}/import",
                         {"file": (io.BytesIO(("\ufeff" + data).encode()), "hold.csv")},
                         content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Line 3: not a valid e-mail address" in page
    assert "Line 4: No one in your units has the e-mail address xena@politi.example." in page
    assert db.session.scalar(select(func.count()).select_from(CohortMember)) == 0
    confirm = auth.post(f"/cohorts/{group.id}/import/confirm", {"content": data})
    assert confirm.status_code == 302
    assert [m.email for m in cohorts.members(group, None)] == ["anna@politi.example"]


def test_a_binary_upload_is_refused_with_a_message(world, client, auth):
    group = cohort_of(world.district, name="Hold 1")
    auth.login(world.coordinator)
    response = auth.post(f"/cohorts/{group.id}/import",
                         {"file": (io.BytesIO(b"\x00\x01\xff\xfe\x00garbage"), "hold.csv")},
                         content_type="multipart/form-data")
    assert response.status_code == 400


def test_the_dashboard_lists_assignments_first_overdue_first(world, client, auth):
    assign(TargetKind.PATH, "recruit", world.today + timedelta(days=20), unit=world.team2)
    assign(TargetKind.MODULE, "second-steps", world.today - timedelta(days=2), user=world.bo)
    assign(TargetKind.MODULE, "first-steps", world.today + timedelta(days=1), user=world.bo)
    complete(world.bo, "first-steps", 1)  # completed: drops off
    auth.login(world.bo)
    page = client.get("/").get_data(as_text=True)
    section = page[page.index("Your assignments"):page.index("</section>")]
    assert page.index("Your assignments") < page.index("Quick-reference cards")
    assert section.index("Overdue") < section.index("Second steps") < section.index("Police recruit")
    assert 'href="/modules/second-steps"' in section and 'href="/paths/recruit"' in section
    assert "First steps" not in section


def test_the_dashboard_has_no_assignment_section_without_assignments(world, client, auth):
    auth.login(world.anna)
    assert "Your assignments" not in client.get("/").get_data(as_text=True)


def test_coordinators_get_an_assignments_shortcut(world, client, auth):
    auth.login(world.coordinator)
    assert 'href="/assignments"' in client.get("/").get_data(as_text=True)


def test_the_cohort_pages_count_only_members_in_scope_and_load_members_in_flat_statements(
        world, client, auth, make_user):
    group = cohort_of(world.district, world.anna, world.bo, world.carl, name="Hold 1")
    world.bo.unit_id = world.other.id  # moved to another district since: out of the coordinator's sight
    db.session.commit()
    auth.login(world.coordinator)
    listing = client.get("/cohorts").get_data(as_text=True)
    assert "<td>2</td>" in listing and "<td>3</td>" not in listing
    with counting(db.engine) as few:
        assert client.get(f"/cohorts/{group.id}").status_code == 200
    for number in range(15):
        db.session.add(CohortMember(cohort_id=group.id, user_id=make_user(name=f"Extra {number}",
                                                                           unit=world.team2).id))
    db.session.commit()
    with counting(db.engine) as many:
        page = client.get(f"/cohorts/{group.id}").get_data(as_text=True)
    assert "Extra 14" in page and "Patrulje Vejle" in page
    assert many.count == few.count


def test_the_assignment_list_is_paged_by_fifty_in_flat_statements(world, client, auth):
    auth.login(world.coordinator)
    for days in range(55):
        assign(TargetKind.MODULE, "first-steps", world.today + timedelta(days=days), unit=world.team2)
    first = client.get("/assignments").get_data(as_text=True)
    assert len(re.findall(r'href="/assignments/\d+"', first)) == 50 and "Page 1 of 2" in first and 'rel="next"' in first
    second = client.get("/assignments?page=2").get_data(as_text=True)
    assert len(re.findall(r'href="/assignments/\d+"', second)) == 5 and 'rel="prev"' in second
    assert client.get("/assignments?page=x").status_code == 200
    assert client.get("/assignments?page=99999999999").status_code == 200
    scope = {world.team2.id}
    with counting(db.engine) as log:
        page = pages.assignment_page(scope, world.now, "en", 2)
    assert (page.total, len(page.items), log.count) == (55, 5, 3), [s[:80] for s in log.statements]
    assert all(line.on_track == 1 for line in page.items)  # Bo, counted for this page's assignments


def test_the_people_of_an_assignment_are_paged(world, client, auth, make_user):
    for number in range(50):
        make_user(name=f"Extra {number:02d}", unit=world.team2)
    assignment = assign(TargetKind.MODULE, "first-steps", world.today, unit=world.team2)
    auth.login(world.coordinator)
    first = client.get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert "Page 1 of 2" in first and f'href="/assignments/{assignment.id}?page=2" rel="next"' in first
    second = client.get(f"/assignments/{assignment.id}?page=2").get_data(as_text=True)
    assert "Page 2 of 2" in second and "Extra 49" in second
