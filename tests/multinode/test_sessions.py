"""Sessions live in the shared database: a log-in on one instance is valid on the other, and a
log-out on either ends it everywhere."""

import pytest

from elearn.extensions import db
from elearn.modules.auth import services as accounts
from elearn.modules.auth.models import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.multinode


def test_a_session_started_on_one_instance_works_on_the_other_and_ends_on_both(
        cluster, seeded, browsers):
    user = accounts.create_user("Sofie Lund", "sofie.lund@politi.example", {Role.LEARNER},
                                password=PASSWORD)
    db.session.commit()
    on_a = browsers(cluster.a)
    assert on_a.login(user.email).status_code == 302
    on_b = on_a.on(cluster.b)

    dashboard = on_b.get("/")
    assert dashboard.status_code == 200
    assert "Sofie Lund" in dashboard.text

    assert on_b.post("/logout", {}, token=on_b.token("/")).status_code == 302
    # A still holds the cookie from before the log-out: the session it names has ended.
    after = on_a.get("/")
    assert after.status_code == 302 and "/login" in after.headers["location"]
    assert cluster.count("SELECT count(*) FROM login_session WHERE user_id = :id AND ended_at IS NULL",
                         id=user.id) == 0
