"""The Alembic migrations and the models describe the same schema, on SQLite and PostgreSQL."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from elearn.extensions import db


@pytest.mark.both_databases
def test_models_and_migrations_agree(app, backend):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


@pytest.mark.both_databases
def test_migrations_downgrade_and_upgrade_again(app):
    from flask_migrate import downgrade, upgrade

    db.session.remove()
    downgrade(revision="base")
    upgrade()
    from sqlalchemy import inspect

    assert "user" in inspect(db.engine).get_table_names()
