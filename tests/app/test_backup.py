"""`elearn backup` and `elearn restore`: a backup taken under write load holds every row committed
before it and restores into a consistent database; refusals leave the live database untouched."""

from __future__ import annotations

import itertools
import os
import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.pool import NullPool

from elearn import backup as backups
from elearn.dbstatus import alembic_config
from elearn.extensions import db
from elearn.modules.audit.models import AuditEvent
from elearn.modules.auth.models import User
from tests.conftest import _drop

_fresh = itertools.count(1)


def _url(app) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def _fresh_database(backend: str, request, tmp_path: Path) -> str:
    """The URL of an empty database (no tables) to restore into."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    server = request.getfixturevalue("postgres_server")
    name = f"elearn_fresh_{next(_fresh)}"
    with server.admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    request.addfinalizer(lambda: _drop(server, name))
    return server.url(name)


class Writer(threading.Thread):
    """Inserts audit events one transaction at a time and records each id once its commit returned."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.engine = create_engine(url, poolclass=NullPool)
        self.committed: list[int] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self):
        try:
            while not self.stop.is_set():
                with self.engine.begin() as conn:
                    row = conn.execute(insert(AuditEvent).values(
                        action="load.write", subject="backup test", details={"n": len(self.committed)}))
                    new_id = row.inserted_primary_key[0]
                self.committed.append(new_id)
        except BaseException as error:  # reported by the test
            self.error = error
        finally:
            self.engine.dispose()

    def wait_for(self, count: int, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while len(self.committed) < count:
            assert self.error is None, self.error
            assert time.monotonic() < deadline, f"the writer committed only {len(self.committed)} rows"
            time.sleep(0.01)


def _pad(url: str, rows: int) -> None:
    """Give the database some bulk, so that copying it takes a while."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(insert(AuditEvent), [{"action": "padding", "subject": "x" * 100,
                                           "details": {"text": "y" * 200}} for _ in range(rows)])
    engine.dispose()


@pytest.mark.both_databases
def test_a_backup_under_write_load_holds_every_row_committed_before_it(app, backend, request, tmp_path):
    url = _url(app)
    _pad(url, 20_000)
    db.session.remove()
    writer = Writer(url)
    writer.start()
    try:
        writer.wait_for(30)
        before = list(writer.committed)
        made = backups.back_up(url, tmp_path, tmp_path / "unused")
        during = len(writer.committed) - len(before)
        writer.wait_for(len(writer.committed) + 20)
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.error is None, writer.error
    assert during > 0, "the writer made no commit while the backup ran"

    fresh = _fresh_database(backend, request, tmp_path)
    restored = backups.restore(fresh, made.path)
    assert restored.advice is None
    engine = create_engine(fresh, poolclass=NullPool)
    with engine.connect() as conn:
        ids = conn.scalars(select(AuditEvent.id).where(AuditEvent.action == "load.write")
                           .order_by(AuditEvent.id)).all()
        padding = conn.scalar(select(func.count()).where(AuditEvent.action == "padding"))
        if backend == "sqlite":
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    engine.dispose()
    assert set(before) <= set(ids)
    # One snapshot: the rows the backup holds are exactly the first ones committed, with no gap.
    assert ids == writer.committed[:len(ids)]
    assert len(ids) < len(writer.committed) and padding == 20_000


@pytest.mark.both_databases
def test_restore_over_a_changed_database_brings_back_the_old_state(app, runner, make_user, tmp_path):
    anna = make_user(name="Anna Holm")
    result = runner.invoke(args=["backup", "--output", str(tmp_path / "nowhere" / "b.sqlite")])
    assert result.exit_code == 1 and "no such folder" in result.output
    result = runner.invoke(args=["backup", "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    path = Path(result.output.split("Backup written: ")[1].split(" (")[0])
    anna.name = "Anna Changed"
    bo = make_user(name="Bo Later")
    db.session.commit()
    bo_id, anna_id = bo.id, anna.id
    db.session.remove()

    result = runner.invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert "The schema is current" in result.output
    assert db.session.get(User, anna_id).name == "Anna Holm"
    assert db.session.get(User, bo_id) is None


def _backup_file(tmp_path: Path) -> Path:
    return backups.back_up(db.engine.url, tmp_path, tmp_path).path


def _names() -> list[str]:
    """The users' names, read in a transaction of its own (so the test holds no lock after)."""
    db.session.remove()
    names = sorted(db.session.scalars(select(User.name)))
    db.session.remove()
    return names


def _damage(path: Path, backend: str) -> None:
    data = bytearray(path.read_bytes())
    if backend == "sqlite":
        data[4096:4096 * 3] = b"\xa5" * 8192  # pages 2 and 3
    else:
        del data[len(data) // 2:]
    path.write_bytes(bytes(data))


@pytest.mark.both_databases
def test_refusals_leave_the_live_database_untouched(app, backend, runner, make_user, tmp_path):
    make_user(name="Anna Holm")
    good = _backup_file(tmp_path)
    make_user(name="Bo Later")
    damaged = tmp_path / f"damaged{good.suffix}"
    damaged.write_bytes(good.read_bytes())
    _damage(damaged, backend)
    other_kind = tmp_path / "other-kind"
    if backend == "sqlite":
        other_kind.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 100)
    else:
        sqlite3.connect(other_kind).execute("CREATE TABLE t (x)").connection.close()
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    expected = {
        (str(good),): "run the command again with --yes",
        (str(tmp_path / "missing.sqlite"), "--yes"): "no such backup file",
        (str(other_kind), "--yes"): "but the configured database is",
        (str(not_a_backup), "--yes"): "is not an elearn backup",
        (str(damaged), "--yes"): str(damaged),
    }
    for args, message in expected.items():
        result = runner.invoke(args=["restore", *args])
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output, (args, result.output)
        assert "Traceback" not in result.output
        assert _names() == ["Anna Holm", "Bo Later"]


def test_a_restore_from_an_older_schema_says_to_upgrade(app, runner, make_user, tmp_path):
    make_user(name="Anna Holm")
    path = _backup_file(tmp_path)
    with sqlite3.connect(path) as backup:
        backup.execute("UPDATE alembic_version SET version_num = '4b9e2d7c1a35'")
    backup.close()
    result = runner.invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert "older than this code's" in result.output and "elearn db upgrade" in result.output
    assert _names() == ["Anna Holm"]


def test_schema_advice():
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert backups.schema_advice(head) is None
    assert "newer one" in backups.schema_advice("ffffffffffff")


def test_a_backup_is_private_and_lands_in_the_instance_folder(app, runner, tmp_path):
    old_umask = os.umask(0)
    try:
        result = runner.invoke(args=["backup"])
    finally:
        os.umask(old_umask)
    assert result.exit_code == 0, result.output
    files = list((tmp_path / "backups").iterdir())
    assert len(files) == 1 and files[0].name.startswith("elearn-") and files[0].suffix == ".sqlite"
    assert str(files[0]) in result.output and "MB" in result.output
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "backups").stat().st_mode) == 0o700
    with sqlite3.connect(files[0]) as copy:
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    copy.close()
    again = runner.invoke(args=["backup", "--output", str(files[0])])
    assert again.exit_code == 1 and "already exists" in again.output


def test_a_failed_check_leaves_no_file(app, runner, tmp_path, monkeypatch):
    def broken(connection, path):
        raise backups.BackupError(f"{path} is damaged: test")

    monkeypatch.setattr(backups, "_check_sqlite", broken)
    out = tmp_path / "out"
    out.mkdir()
    result = runner.invoke(args=["backup", "--output", str(out)])
    assert result.exit_code == 1 and "is damaged" in result.output
    assert list(out.iterdir()) == []


def test_a_failed_pg_dump_leaves_no_file(postgres_server, tmp_path):
    url = postgres_server.url("no_such_database")
    with pytest.raises(backups.BackupError, match="pg_dump failed.*no_such_database"):
        backups.back_up(url, tmp_path, tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_pg_restore_refuses_a_database_newer_than_the_backup(app, make_user, tmp_path):
    make_user(name="Anna Holm")
    path = _backup_file(tmp_path)
    db.session.execute(text("CREATE TABLE later_feature (id integer)"))
    make_user(name="Bo Later")
    db.session.remove()
    db.engine.dispose()
    with pytest.raises(backups.BackupError, match="later_feature"):
        backups.restore(db.engine.url, path)
    assert _names() == ["Anna Holm", "Bo Later"]


def test_the_password_never_reaches_the_command_line():
    connection, environment = backups._libpq(
        backups.make_url("postgresql+psycopg://elearn:s3cret@db.example:5433/elearn?sslmode=require"))
    assert "s3cret" not in connection
    assert connection == "postgresql://elearn@db.example:5433/elearn?sslmode=require"
    assert environment["PGPASSWORD"] == "s3cret"


def test_a_missing_pg_dump_is_named(tmp_path):
    with pytest.raises(backups.BackupError, match=f"pg_dump was not found in ELEARN_PG_BIN \\({tmp_path}\\)"):
        backups._tool("pg_dump", str(tmp_path))
    assert Path(backups._tool("pg_restore", None)).name == "pg_restore"


def test_a_sqlite_restore_is_seen_by_a_connection_left_open(app, make_user, tmp_path):
    """The site's pooled connections stay valid: they read the restored database, never a mix."""
    make_user(name="Anna Holm")
    path = _backup_file(tmp_path)
    make_user(name="Bo Later")
    live = Path(db.engine.url.database)
    open_connection = sqlite3.connect(live)
    try:
        assert open_connection.execute("SELECT count(*) FROM user").fetchone() == (2,)
        db.session.remove()
        backups.restore(db.engine.url, path)
        assert open_connection.execute("SELECT name FROM user").fetchall() == [("Anna Holm",)]
        assert open_connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        open_connection.close()
    assert _names() == ["Anna Holm"]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_pg_restore_refuses_while_the_site_is_connected(app, make_user, tmp_path):
    make_user(name="Anna Holm")
    path = _backup_file(tmp_path)
    make_user(name="Bo Later")
    db.session.remove()
    db.engine.dispose()
    site = create_engine(db.engine.url.update_query_dict({"application_name": "gunicorn"}),
                         poolclass=NullPool)
    with site.connect() as connection:
        connection.execute(select(func.count()).select_from(User))  # holds a lock on user
        with pytest.raises(backups.BackupError, match=r"1 other connection\(s\).*gunicorn \(postgres"):
            backups.restore(db.engine.url, path)
    site.dispose()
    assert _names() == ["Anna Holm", "Bo Later"]
