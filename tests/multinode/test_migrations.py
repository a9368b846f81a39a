"""Migrations run once, at deploy (`elearn db upgrade`), never at an instance's start: an instance
refuses a database behind its migrations, and upgrades started on two machines at once, or one
after the other, leave one correct schema."""

import pytest
from sqlalchemy import text

from elearn import create_app
from elearn.dbstatus import pending_migration
from elearn.extensions import db
from tests.cluster import AppInstance, elearn_commands, free_port
from tests.conftest import BASE_CONFIG

pytestmark = pytest.mark.multinode

BEHIND = "is not up to date. Run `elearn db upgrade` first."


@pytest.fixture
def empty_database(cluster):
    name = "elearn_multinode_empty"
    with cluster.server.admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield cluster.server.url(name)
    with cluster.server.admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _schema_is_current(url: str) -> bool:
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        try:
            return pending_migration() is None
        finally:
            db.engine.dispose()


def test_an_instance_refuses_a_database_behind_its_migrations(cluster, empty_database):
    log = cluster.logs / "instance-on-empty-database.log"
    instance = AppInstance(free_port(), {**cluster.env, "ELEARN_DATABASE_URL": empty_database}, log=log)
    with pytest.raises(RuntimeError, match="exited"):
        instance.start()
    assert BEHIND in log.read_text()
    assert not _schema_is_current(empty_database)  # it did not migrate either


def test_upgrades_at_the_same_time_and_one_after_the_other_are_safe(cluster, empty_database):
    """The two take turns (migrations/env.py's lock): whichever comes second, at the same moment or
    after, finds the schema current and has nothing to do."""
    env = {**cluster.env, "ELEARN_DATABASE_URL": empty_database}
    runs = elearn_commands(env, [("db", "upgrade")] * 2)
    for run in runs:
        assert run.returncode == 0, run.stderr
    assert sorted("Running upgrade" in run.stderr for run in runs) == [False, True]
    assert _schema_is_current(empty_database)
