"""Rate limits count in the shared Redis: failed log-ins and certificate look-ups are counted across
both instances, so a client that spreads its requests over them gains nothing."""

import itertools

import pytest

from elearn.extensions import db
from elearn.modules.auth import services as accounts
from elearn.modules.auth.models import Role
from elearn.modules.certification.services import find_award
from elearn.modules.units.models import UnitKind
from elearn.modules.units.services import create_unit
from tests.conftest import PASSWORD
from tests.modules.certification.conftest import PATH, certify

pytestmark = pytest.mark.multinode


def test_failed_logins_are_counted_across_instances(cluster, seeded, browsers):
    """The limit is 3 failures per account (and per account and address) in 5 minutes, in total."""
    user = accounts.create_user("Karl Holm", "karl.holm@politi.example", {Role.LEARNER},
                                password=PASSWORD)
    db.session.commit()
    on_a, on_b = browsers(cluster.a), browsers(cluster.b)
    statuses = [browser.login(user.email, "not the password at all").status_code
                for browser in (on_a, on_b, on_a, on_b, on_a)]
    assert statuses == [401, 401, 401, 429, 429]
    # The right password does not get through either while the limit holds, on either instance.
    assert on_b.login(user.email).status_code == 429
    assert on_a.login(user.email).status_code == 429


def test_certificate_lookups_are_counted_across_instances(cluster, seeded, browsers):
    """VERIFY_LIMIT is 4 per minute per address, in total over both instances."""
    unit = create_unit("Efterforskning Kolding", "EK-MN", UnitKind.TEAM, None)
    holder = accounts.create_user("Nina Berg", "nina.berg@politi.example", {Role.LEARNER},
                                  unit_id=unit.id, password=PASSWORD)
    facilitator = accounts.create_user("Ole Fog", "ole.fog@politi.example", {Role.COORDINATOR},
                                       unit_id=unit.id, password=PASSWORD)
    db.session.commit()
    certify(holder, unit, facilitator)
    number = find_award(holder.id, PATH).number
    on = itertools.cycle([browsers(cluster.a), browsers(cluster.b)])
    statuses = [next(on).get(f"/verify/{number}").status_code for _ in range(6)]
    assert statuses == [200, 200, 200, 200, 429, 429]
