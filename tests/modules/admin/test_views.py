"""Admin pages for users and units; the coordinator's scoped list of people."""

import pytest

from elearn.extensions import db
from elearn.modules.audit.models import AuditEvent
from elearn.modules.auth.models import Role, User
from elearn.modules.units.models import Unit, UnitKind


@pytest.fixture
def admin(client, auth, make_user):
    user = make_user(Role.ADMIN, name="Ada Admin")
    auth.login(user)
    return user


def _user_data(**overrides):
    data = {"name": "Kim Larsen", "email": "Kim.Larsen@Politi.example", "unit_id": "",
            "roles": ["learner"], "locale": "", "password": "", "active": "y"}
    data.update(overrides)
    return data


@pytest.mark.both_databases
def test_admin_creates_a_user(admin, auth, make_unit):
    unit = make_unit()
    response = auth.post("/admin/users/new", _user_data(unit_id=str(unit.id),
                                                        password="a long enough secret"))
    assert response.status_code == 302
    user = db.session.scalar(db.select(User).filter_by(email="kim.larsen@politi.example"))
    assert user.unit_id == unit.id and user.roles == {Role.LEARNER}
    assert user.password_hash.startswith("$argon2id$")
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="user.save"))


def test_duplicate_email_is_refused_on_the_field(admin, auth, make_user):
    make_user(email="kim.larsen@politi.example")
    response = auth.post("/admin/users/new", _user_data(email="KIM.LARSEN@politi.example"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Another account already uses this e-mail address." in html
    assert 'href="#email"' in html


def test_malformed_email_is_refused(admin, auth):
    response = auth.post("/admin/users/new", _user_data(email="not-an-address"))
    assert response.status_code == 400


def test_unknown_unit_id_is_refused(admin, auth):
    assert auth.post("/admin/users/new", _user_data(unit_id="99999")).status_code == 400


def test_a_user_needs_a_role(admin, auth):
    response = auth.post("/admin/users/new", _user_data(roles=[]))
    assert response.status_code == 400
    assert "Choose at least one role." in response.get_data(as_text=True)


def test_admin_edits_roles_and_scope(admin, auth, make_user, make_unit):
    unit = make_unit()
    user = make_user()
    response = auth.post(f"/admin/users/{user.id}", _user_data(
        email=user.email, roles=["learner", "coordinator"], scope_unit_ids=[str(unit.id)]))
    assert response.status_code == 302
    assert user.roles == {Role.LEARNER, Role.COORDINATOR}
    assert [u.id for u in user.scope_units] == [unit.id]


def test_admin_sets_a_password_and_the_user_can_log_in(app, admin, auth, make_user):
    user = make_user(password=None)
    auth.post(f"/admin/users/{user.id}", _user_data(email=user.email, password="new passphrase 1"))
    other = type(auth)(app.test_client())
    assert other.login(user, "new passphrase 1").status_code == 302


def test_admin_cannot_deactivate_themselves(admin, auth):
    response = auth.post(f"/admin/users/{admin.id}/active", {"active": "0"})
    assert response.status_code == 302
    assert admin.active


def test_admin_cannot_drop_own_admin_role(admin, auth):
    response = auth.post(f"/admin/users/{admin.id}", _user_data(email=admin.email))
    assert response.status_code == 400
    assert Role.ADMIN in admin.roles


def test_deactivate_and_reactivate(admin, auth, make_user):
    user = make_user()
    auth.post(f"/admin/users/{user.id}/active", {"active": "0"})
    assert not user.active
    auth.post(f"/admin/users/{user.id}/active", {"active": "1"})
    assert user.active


def test_unknown_user_is_404(admin, client):
    assert client.get("/admin/users/424242").status_code == 404


def test_user_list_filters_by_name_unit_and_role(admin, client, make_user, make_unit):
    unit = make_unit()
    make_user(name="Søren Kierkegaard", unit=unit)
    make_user(Role.COORDINATOR, name="Karen Blixen")
    html = client.get("/admin/users?q=søren").get_data(as_text=True)
    assert "Søren Kierkegaard" in html and "Karen Blixen" not in html
    html = client.get(f"/admin/users?unit={unit.id}").get_data(as_text=True)
    assert "Søren Kierkegaard" in html and "Karen Blixen" not in html
    html = client.get("/admin/users?role=coordinator").get_data(as_text=True)
    assert "Karen Blixen" in html and "Søren Kierkegaard" not in html


@pytest.mark.parametrize("query", ["?page=abc", "?unit=x", "?role=emperor", "?page=999",
                                   "?active=maybe"])
def test_malformed_list_filters_never_fail(admin, client, query):
    assert client.get("/admin/users" + query).status_code in (200, 404)


def test_user_list_paginates(admin, client, make_user):
    for n in range(55):
        make_user(name=f"Zeta {n:02d}")
    first = client.get("/admin/users").get_data(as_text=True)
    assert "Page 1 of 2" in first
    second = client.get("/admin/users?page=2").get_data(as_text=True)
    assert "Zeta 54" in second


@pytest.mark.both_databases
def test_coordinator_sees_only_people_in_their_subtree(client, auth, make_user, make_unit):
    district = make_unit("District", kind=UnitKind.DISTRICT)
    mine = make_unit("Mine", parent=district)
    below = make_unit("Below", parent=mine)
    other = make_unit("Other", parent=district)
    make_user(name="Inside Person", unit=below)
    make_user(name="Outside Person", unit=other)
    coordinator = make_user(Role.COORDINATOR, unit=mine)
    auth.login(coordinator)
    html = client.get("/people").get_data(as_text=True)
    assert "Inside Person" in html and "Outside Person" not in html
    assert "Other" not in html  # not even as a filter option
    html = client.get(f"/people?unit={other.id}").get_data(as_text=True)
    assert "Outside Person" not in html


def test_coordinator_scope_units_replace_own_unit(client, auth, make_user, make_unit):
    own, scoped = make_unit("Own"), make_unit("Scoped")
    make_user(name="In Own", unit=own)
    make_user(name="In Scoped", unit=scoped)
    coordinator = make_user(Role.COORDINATOR, unit=own)
    coordinator.scope_units = [scoped]
    db.session.commit()
    auth.login(coordinator)
    html = client.get("/people").get_data(as_text=True)
    assert "In Scoped" in html and "In Own" not in html


def test_admin_creates_moves_and_removes_units(admin, auth, client):
    auth.post("/admin/units/new", {"name": "Politikreds", "code": "PK", "kind": "district",
                                   "parent_id": ""})
    district = db.session.scalar(db.select(Unit).filter_by(code="PK"))
    auth.post("/admin/units/new", {"name": "Hold", "code": "HOLD", "kind": "team",
                                   "parent_id": str(district.id)})
    team = db.session.scalar(db.select(Unit).filter_by(code="HOLD"))
    assert team.parent_id == district.id
    assert "Hold" in client.get("/admin/units").get_data(as_text=True)
    response = auth.post(f"/admin/units/{district.id}/delete", {})
    assert response.status_code == 302 and db.session.get(Unit, district.id)
    team_id = team.id
    auth.post(f"/admin/units/{team_id}/delete", {})
    db.session.expunge_all()
    assert db.session.get(Unit, team_id) is None


def test_unit_form_refuses_a_duplicate_code(admin, auth, make_unit):
    make_unit(code="DUP")
    response = auth.post("/admin/units/new", {"name": "X", "code": "dup", "kind": "team",
                                              "parent_id": ""})
    assert response.status_code == 400
    assert "Another unit already has this code." in response.get_data(as_text=True)


def test_unit_form_refuses_unknown_kind(admin, auth):
    response = auth.post("/admin/units/new", {"name": "X", "code": "X1", "kind": "galaxy",
                                              "parent_id": ""})
    assert response.status_code == 400


def test_built_in_form_messages_are_danish_for_a_danish_user(client, auth, make_user):
    auth.login(make_user(Role.ADMIN, locale="da"))
    html = auth.post("/admin/users/new", _user_data(name="")).get_data(as_text=True)
    assert "Feltet skal udfyldes." in html and "Der er et problem" in html


def test_admin_sets_a_work_phone_and_e_mail(admin, auth, make_user):
    user = make_user(name="Kim Larsen", email="kim.larsen@politi.example")
    response = auth.post(f"/admin/users/{user.id}", _user_data(
        work_phone="+45 76 28 14 48", work_email="nøgle@politi.example"))
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.work_phone, user.work_email) == ("+45 76 28 14 48", "nøgle@politi.example")
    response = auth.post(f"/admin/users/{user.id}", _user_data(work_email="not an address"))
    assert response.status_code == 400
