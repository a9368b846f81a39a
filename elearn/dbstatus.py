"""Whether the database schema is at the newest migration (checked before serving, never applied)."""

from __future__ import annotations

from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from elearn.config import MIGRATIONS_DIR
from elearn.extensions import db


def pending_migration() -> str | None:
    """None when the schema is current, else a sentence saying what to run."""
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current == heads:
        return None
    return (f"The database at {db.engine.url.render_as_string(hide_password=True)} is not up to "
            "date. Run `elearn db upgrade` first.")


def alembic_config() -> Config:
    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config
