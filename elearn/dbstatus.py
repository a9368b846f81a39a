"""Whether the database schema is at the newest migration (checked before serving, never applied)."""

from __future__ import annotations

from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from elearn.config import MIGRATIONS_DIR
from elearn.extensions import db


def pending_migration() -> str | None:
    """None when the schema is current, else a sentence saying why the code must not run on it and what
    to do: a database behind the code needs `elearn db upgrade`; one at a revision this release does not
    know was upgraded by a newer release, and this release's code must not serve it."""
    scripts = ScriptDirectory.from_config(alembic_config())
    heads = set(scripts.get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current == heads:
        return None
    where = f"The database at {db.engine.url.render_as_string(hide_password=True)}"
    unknown = sorted(revision for revision in current if not _known(scripts, revision))
    if unknown:
        return (f"{where} was upgraded by a newer release of elearn (schema revision {', '.join(unknown)}, "
                "which this release does not have). Do not run `elearn db upgrade` or downgrade it: "
                "deploy the newer release's code on this server first.")
    return f"{where} is not up to date. Run `elearn db upgrade` first."


def _known(scripts: ScriptDirectory, revision: str) -> bool:
    try:
        return scripts.get_revision(revision) is not None
    except CommandError:
        return False


def alembic_config() -> Config:
    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config
