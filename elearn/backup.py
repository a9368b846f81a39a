"""Backups of the whole database and restoring them (`elearn backup`, `elearn restore`).

SQLite: the online backup API copies the database in one step inside one read transaction, so the
copy is a consistent snapshot while the site keeps writing (WAL mode: readers never block writers).
PostgreSQL: `pg_dump --format=custom`, which reads one snapshot. A backup is written to a hidden
temporary file beside its final name, checked, and only then renamed, so a failed backup leaves no
file that looks like a good one.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from elearn.dbstatus import alembic_config

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
SUFFIXES = {"sqlite": ".sqlite", "postgresql": ".dump"}
PG_BIN_FALLBACK = Path("/usr/lib/postgresql/15/bin")


class BackupError(RuntimeError):
    """The backup or restore did not happen; the message says why and what to do."""


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    revision: str
    seconds: float


@dataclass(frozen=True)
class Restored:
    revision: str
    seconds: float
    advice: str | None  # None when the schema matches this code's migrations


def kind_of_url(url: str | URL) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in SUFFIXES:
        raise BackupError(f"Backups support SQLite and PostgreSQL databases, not {backend}.")
    return backend


def kind_of_file(path: Path) -> str | None:
    """"sqlite", "postgresql" (a pg_dump custom-format file) or None, from the file's first bytes."""
    with path.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    return None


def default_path(folder: Path, kind: str, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return folder / f"elearn-{stamp}{SUFFIXES[kind]}"


def partial_path(target: Path) -> Path:
    """The hidden file a backup is written to before it is complete (deploy/elearn.cron removes one
    left by a run that was killed)."""
    return target.with_name(f".{target.name}.partial")


def back_up(url: str | URL, output: Path | None, backups_folder: Path, pg_bin: str | None = None) -> Backup:
    """Write a checked backup of the database at url to output (a file or a folder; default: a
    time-stamped file in backups_folder), readable by its owner only."""
    started = time.monotonic()
    kind = kind_of_url(url)
    target = _target(output, backups_folder, kind)
    partial = partial_path(target)
    _create_private(partial)
    try:
        if kind == "sqlite":
            revision = _sqlite_backup(_sqlite_path(url, must_exist=True), partial)
        else:
            revision = _pg_dump(make_url(url), partial, _tool("pg_dump", pg_bin))
        _fsync(partial)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _fsync(target.parent)
    return Backup(target, target.stat().st_size, revision, time.monotonic() - started)


def restore(url: str | URL, path: Path, pg_bin: str | None = None) -> Restored:
    """Replace the database at url with the backup in path, after checking the file; the live
    database is left untouched when the file is missing, of the other kind or damaged."""
    started = time.monotonic()
    kind = kind_of_url(url)
    if not path.is_file():
        raise BackupError(f"{path}: no such backup file.")
    found = kind_of_file(path)
    if found is None:
        raise BackupError(f"{path} is not an elearn backup (neither a SQLite database nor a "
                          "pg_dump custom-format file).")
    if found != kind:
        raise BackupError(f"{path} is a {_KIND_NAMES[found]} backup, but the configured database is "
                          f"{_KIND_NAMES[kind]}: restore it on a site that uses {_KIND_NAMES[found]}.")
    if kind == "sqlite":
        revision = _sqlite_restore(path, _sqlite_path(url, must_exist=False))
    else:
        revision = _pg_restore(make_url(url), path, pg_bin)
    return Restored(revision, time.monotonic() - started, schema_advice(revision))


def schema_advice(revision: str) -> str | None:
    """What the operator must do for a database at this migration revision to run with this code."""
    script = ScriptDirectory.from_config(alembic_config())
    heads = set(script.get_heads())
    if revision in heads:
        return None
    try:
        known = script.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        return (f"The backup's schema version {revision} is unknown to this version of elearn: it was "
                "made by a newer one. Install that version before starting the site.")
    return (f"The backup's schema version {revision} is older than this code's "
            f"({', '.join(sorted(heads))}): run `elearn db upgrade` before starting the site.")


_KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
NEW_BACKUP = "The backup just written"


def _target(output: Path | None, backups_folder: Path, kind: str) -> Path:
    if output is None:
        backups_folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = default_path(backups_folder, kind)
    elif output.is_dir():
        target = default_path(output, kind)
    else:
        target = output
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent}: no such folder.")
    if target.exists():
        raise BackupError(f"{target} already exists; choose another name.")
    return target.absolute()


def _create_private(path: Path) -> None:
    """Create path empty with mode 0600 whatever the umask, so no one else can read it at any moment."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError as error:
        raise BackupError(f"Cannot write {path}: {error.strerror}.") from error
    os.chmod(path, 0o600)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# SQLite


def _sqlite_path(url: str | URL, must_exist: bool) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("The configured SQLite database is not a plain file; nothing to back up.")
    path = Path(database)
    if must_exist and not path.is_file():
        raise BackupError(f"The database file {path} does not exist.")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent}: no such folder for the database file.")
    return path


def _sqlite_backup(source_path: Path, partial: Path) -> str:
    source = sqlite3.connect(f"{source_path.absolute().as_uri()}?mode=rw", uri=True)
    copy = sqlite3.connect(partial)
    try:
        source.execute("PRAGMA busy_timeout=10000")
        source.backup(copy)  # all pages in one step: one read transaction, one snapshot
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        return _check_sqlite(copy, NEW_BACKUP)
    except sqlite3.Error as error:
        raise BackupError(f"The SQLite backup failed: {error}.") from error
    finally:
        copy.close()
        source.close()


def _check_sqlite(connection: sqlite3.Connection, name: str) -> str:
    """The migration revision of a SQLite database that passes integrity_check (name: for messages)."""
    try:
        result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            raise BackupError(f"{name} is damaged: {'; '.join(result[:3])}")
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{name} is not a usable SQLite database: {error}.") from error
    if len(rows) != 1:
        raise BackupError(f"{name} has no single schema version (alembic_version).")
    return rows[0][0]


def _sqlite_restore(backup_path: Path, live_path: Path) -> str:
    """Copy the backup into the live database through the backup API: one write transaction on the
    live file, so its -wal/-shm files stay consistent and a connection still open sees the old or the
    new database, never a mix (the site should still be stopped: its caches hold the old state)."""
    try:
        backup = sqlite3.connect(f"{backup_path.absolute().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise BackupError(f"Cannot open {backup_path}: {error}.") from error
    try:
        revision = _check_sqlite(backup, str(backup_path))
        if not live_path.exists():
            _create_private(live_path)
        live = sqlite3.connect(live_path)
        try:
            live.execute("PRAGMA busy_timeout=30000")
            backup.backup(live)
            live.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as error:
            raise BackupError(f"Restoring into {live_path} failed, nothing was changed: {error}.") from error
        finally:
            live.close()
    finally:
        backup.close()
    return revision


# PostgreSQL


def _tool(name: str, pg_bin: str | None) -> str:
    """The PostgreSQL client program: in ELEARN_PG_BIN when set, else on PATH or in Debian's
    PostgreSQL 15 folder."""
    if pg_bin:
        candidates = [Path(pg_bin) / name]
    else:
        on_path = shutil.which(name)
        candidates = [Path(on_path)] if on_path else []
        candidates.append(PG_BIN_FALLBACK / name)
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    where = f"ELEARN_PG_BIN ({pg_bin})" if pg_bin else f"PATH and {PG_BIN_FALLBACK}"
    raise BackupError(f"{name} was not found in {where}: install the PostgreSQL client programs "
                      "(Debian: postgresql-client) or set ELEARN_PG_BIN to the folder that holds them.")


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and an environment carrying it (PGPASSWORD),
    so the password never appears on a command line."""
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    plain = URL.create("postgresql", username=url.username, host=url.host, port=url.port,
                       database=url.database, query=url.query)
    return plain.render_as_string(hide_password=False), environment


def _run(command: list[str], environment: dict[str, str], what: str) -> str:
    try:
        result = subprocess.run(command, env=environment, capture_output=True, text=True,  # noqa: S603
                                check=False)
    except OSError as error:
        raise BackupError(f"{what} could not start {command[0]}: {error.strerror}.") from error
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {error_line(result.stderr) or f'exit status {result.returncode}'}")
    return result.stdout


def error_line(output: str) -> str:
    """The first line of output that reports an error, alone: the lines after it (DETAIL, CONTEXT, the
    command) can quote rows of the database, which hold personal data."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return next((line for line in lines if "error:" in line.lower()), lines[0] if lines else "")


def _pg_dump(url: URL, partial: Path, pg_dump: str) -> str:
    connection, environment = _libpq(url)
    _run([pg_dump, "--format=custom", "--no-password", f"--file={partial}", f"--dbname={connection}"],
         environment, "pg_dump")
    pg_restore = str(Path(pg_dump).with_name("pg_restore"))
    if not Path(pg_restore).is_file():
        pg_restore = _tool("pg_restore", None)
    _run([pg_restore, "--file=/dev/null", str(partial)], dict(os.environ),
         "Reading the new dump back")  # decompresses every table's data
    return _dump_revision(pg_restore, partial, NEW_BACKUP)


def _dump_tables(pg_restore: str, path: Path, name: str) -> set[str]:
    listing = _run([pg_restore, "--list", str(path)], dict(os.environ),
                   f"Reading {name} (damaged or incomplete?)")
    return set(re.findall(r"^\d+; \d+ \d+ TABLE public (\S+) ", listing, re.MULTILINE))


def _dump_revision(pg_restore: str, path: Path, name: str) -> str:
    """The migration revision stored in a pg_dump file (checks that pg_restore can read it)."""
    if "alembic_version" not in _dump_tables(pg_restore, path, name):
        raise BackupError(f"{name} holds no schema version (alembic_version): not an elearn database.")
    script = _run([pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(path)],
                  dict(os.environ), f"Reading {name} (damaged or incomplete?)")
    match = re.search(r"^COPY \S*alembic_version .*FROM stdin;\n(\w+)\n", script, re.MULTILINE)
    if not match:
        raise BackupError(f"{name} has no schema version in alembic_version.")
    return match.group(1)


def _pg_restore(url: URL, path: Path, pg_bin: str | None) -> str:
    pg_restore = _tool("pg_restore", pg_bin)
    revision = _dump_revision(pg_restore, path, str(path))
    newer = _live_tables(url) - _dump_tables(pg_restore, path, str(path))
    if newer:
        raise BackupError(
            f"The database has tables the backup does not ({', '.join(sorted(newer))}): it was upgraded "
            "after the backup was made. Restore into an empty database instead (e.g. dropdb and "
            "createdb it, as its owner), then run `elearn restore` again.")
    others = _other_sessions(url)
    if others:
        raise BackupError(
            f"{len(others)} other connection(s) to the database are open ({', '.join(others)}): stop "
            "every app instance and job that uses it (on every app server), then run the restore again.")
    connection, environment = _libpq(url)
    _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
          "--exit-on-error", "--no-password", f"--dbname={connection}", str(path)], environment,
         "pg_restore (nothing was changed)")
    return revision


def _other_sessions(url: URL) -> list[str]:
    """Who else is connected to the database: pg_restore would wait for their locks for ever (a dump
    sets lock_timeout to 0), and a running site would write into the restored database."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(text(
                "SELECT coalesce(nullif(application_name, ''), 'a program') || ' (' || coalesce(usename, '?')"
                " || coalesce(' from ' || host(client_addr), '') || ')' FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND coalesce(backend_type, 'client backend') = 'client backend' ORDER BY pid")))
    finally:
        engine.dispose()


def _live_tables(url: URL) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names(schema="public"))
    finally:
        engine.dispose()
