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


def test_migrated_database_is_current(app):
    from elearn.dbstatus import pending_migration

    assert pending_migration() is None


def test_serve_refuses_an_unmigrated_database(tmp_path):
    from elearn import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite'}",
                      "SECRET_KEY": "x"})
    result = app.test_cli_runner().invoke(args=["serve"])
    assert result.exit_code != 0
    assert "elearn db upgrade" in result.output
