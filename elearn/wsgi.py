"""The WSGI entry point for gunicorn (`gunicorn -c deploy/gunicorn.conf.py elearn.wsgi:app`).

It never migrates: `elearn db upgrade` runs once per deploy, before the instances start, and an
instance refuses to start on a database that is behind (every instance would otherwise race to
apply the same migration)."""

from __future__ import annotations

from elearn import create_app
from elearn.dbstatus import pending_migration
from elearn.extensions import db


def _checked_app():
    application = create_app()
    with application.app_context():
        problem = pending_migration()
        db.engine.dispose()  # gunicorn forks workers from this process: no shared connections
    if problem:
        raise SystemExit(problem)
    return application


app = _checked_app()
