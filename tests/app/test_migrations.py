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


@pytest.mark.parametrize("where", ["behind", "ahead"])
def test_a_database_behind_or_ahead_of_the_code_is_refused_with_the_right_advice(app, where):
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from elearn.dbstatus import alembic_config, pending_migration

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(head).down_revision
    revision = previous if where == "behind" else "f00dfeedbeef"
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})
    try:
        problem = pending_migration()
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    if where == "behind":
        assert problem.endswith("is not up to date. Run `elearn db upgrade` first.")
    else:
        assert "upgraded by a newer release" in problem and "f00dfeedbeef" in problem
        assert "deploy the newer release's code" in problem and "Run `elearn db upgrade`" not in problem
    assert pending_migration() is None
