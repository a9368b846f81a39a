"""`elearn backup` and `elearn restore`: thin wrappers around elearn.backup."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from elearn import backup as backups
from elearn.extensions import db


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


@click.command("backup")
@click.option("--output", type=click.Path(path_type=Path),
              help="The file (or folder) to write [default: the instance folder's backups/].")
@with_appcontext
def backup_command(output: Path | None):
    """Back up the whole database while the site runs (SQLite: a copy; PostgreSQL: pg_dump), check the
    copy, and print its path. The file holds personal data: it is readable by its owner only."""
    folder = Path(current_app.instance_path) / "backups"
    try:
        made = backups.back_up(db.engine.url, output, folder, current_app.config.get("PG_BIN"))
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written: {made.path} ({_megabytes(made.size)}, schema version {made.revision}, "
               f"{made.seconds:.1f} s).")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Really replace the database with the backup.")
@with_appcontext
def restore_command(path: Path, yes: bool):
    """Replace the whole database with a backup made by `elearn backup`. Stop the site first (or put
    it in maintenance): what people do during a restore is lost."""
    url = db.engine.url
    if not yes:
        raise click.ClickException(
            f"Restoring replaces everything in the database {url.render_as_string(hide_password=True)} "
            f"with the contents of {path}; whatever changed since that backup is lost. Stop the site, "
            "then run the command again with --yes.")
    db.engine.dispose()  # this command's own connections are not "other connections"
    try:
        restored = backups.restore(url, path, current_app.config.get("PG_BIN"))
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored {path} (schema version {restored.revision}) in {restored.seconds:.1f} s.")
    click.echo(restored.advice or "The schema is current: the site can be started.")
    click.echo(reanonymise_reminder(path))


def reanonymise_reminder(path: Path) -> str:
    """Anonymisations done after the backup was made are undone by the restore: they must be done
    again. The application log names each one (by id alone)."""
    made = datetime.fromtimestamp(path.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M")
    return (f"Accounts anonymised after this backup was made (about {made} UTC) have their names and "
            "addresses back: anonymise them again. Each anonymisation is logged as 'user anonymised "
            f"id=<id>'; on every app server: journalctl -u 'elearn@*' --since '{made} UTC' -o cat "
            "| grep 'user anonymised id='")
