"""Migrations run once, at deploy (`elearn db upgrade`), never at an instance's start: an instance
refuses a database behind its migrations, and upgrades started on two machines at once, or one
after the other, leave one correct schema."""

import re

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from elearn import create_app
from elearn.dbstatus import pending_migration
from elearn.extensions import db
from tests.cluster import PROJECT, AppInstance, Gate, elearn_commands, free_port
from tests.conftest import BASE_CONFIG

pytestmark = pytest.mark.multinode

BEHIND = "is not up to date. Run `elearn db upgrade` first."
#: The advisory lock `elearn db upgrade` takes (migrations/env.py, which cannot be imported outside Alembic).
MIGRATION_LOCK_KEY = int(re.search(r"^MIGRATION_LOCK_KEY = ([\d_]+)$", (PROJECT / "migrations" / "env.py")
                                   .read_text(), re.MULTILINE).group(1))


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
    after, finds the schema current and has nothing to do. The test holds that lock until both wait
    for it, so they provably ran at the same time."""
    env = {**cluster.env, "ELEARN_DATABASE_URL": empty_database}
    engine = create_engine(empty_database, poolclass=NullPool)
    waiting = ("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "  # noqa: S608
               f"AND objid = {MIGRATION_LOCK_KEY & 0xFFFFFFFF}")  # an int constant
    hold = [f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"]
    try:
        with Gate(engine, hold, waiting, expected=2) as gate:
            runs = elearn_commands(env, [("db", "upgrade")] * 2, gate=gate)
    finally:
        engine.dispose()
    for run in runs:
        assert run.returncode == 0, run.stderr
    assert gate.seen == 2  # both were at the lock at the same moment
    assert sorted("Running upgrade" in run.stderr for run in runs) == [False, True]
    assert _schema_is_current(empty_database)
