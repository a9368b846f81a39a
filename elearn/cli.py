"""The `elearn` console script: the app's own commands (see commands.py) plus `demo`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup
from flask_migrate import upgrade
from werkzeug.serving import run_simple

from elearn import create_app, demo, demo_national
from elearn.config import ConfigurationError, DefaultConfig
from elearn.content import read


def _app_factory():
    try:
        return create_app(defer_content=True)  # read when a command needs it (serve checks it)
    except ConfigurationError as error:
        click.echo(f"The configuration cannot run: {error}", err=True)
        sys.exit(1)


@click.group(cls=FlaskGroup, create_app=_app_factory, add_default_commands=True,
             set_debug_flag=False)
def main():
    """elearn: training in handling stalking cases."""


@main.command("demo", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Create the demo database, print the logins, exit.")
@click.option("--database", type=click.Path(dir_okay=False, path_type=Path),
              help="SQLite file to (re)create [default: instance/demo.sqlite].")
@click.option("--scale", type=click.Choice(["district", "national"]), default="district", show_default=True,
              help="One police district with hand-made examples, or a national force of 15,000 people "
                   "in 120 units with years of history (bulk data for the reports).")
def demo_command(host: str, port: int, no_serve: bool, database: Path | None, scale: str):
    """Create a fresh demo database (instance/demo.sqlite), print its logins, then serve it."""
    path = (database or Path(create_app().instance_path) / "demo.sqlite").resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade()
        if scale == "national":
            report = demo_national.seed()
            logins = report.logins
            click.echo(", ".join(f"{count:,} {name}" for name, count in report.counts.items()))
            click.echo(f"Made in {sum(report.seconds.values()):.0f} s; every account has the same password.")
        else:
            logins = demo.seed()
    click.echo(f"Demo database: {path}\n")
    width = max(len(login.email) for login in logins)
    click.echo(f"{'E-mail':<{width}}  {'Password':<20}  Roles")
    for login in logins:
        roles = ", ".join(role.value for role in login.roles)
        click.echo(f"{login.email:<{width}}  {login.password:<20}  {roles} ({login.description})")
    if not no_serve:
        click.echo(f"\nServing on http://{host}:{port}/  (Ctrl+C stops)")
        run_simple(host, port, app, threaded=True)


@main.group("content", cls=click.Group)
def content():
    """Check the course content in content/."""


@content.command("check")
@click.option("--path", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="The content folder [default: ELEARN_CONTENT_DIR or ./content].")
def check_content(folder: Path | None):
    """List every problem as file:line: message; exit 1 if there is any (warnings included)."""
    folder = folder or Path(os.environ.get("ELEARN_CONTENT_DIR") or DefaultConfig.CONTENT_DIR)
    result = read(folder)
    for problem in result.problems:
        click.echo(str(problem))
    errors, warnings = len(result.errors), len(result.problems) - len(result.errors)
    click.echo(f"{folder}: {result.summary()}; {errors} error(s), {warnings} warning(s).")
    sys.exit(1 if result.problems else 0)
