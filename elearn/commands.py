"""App-level commands (`elearn serve`, `elearn users …`): thin wrappers that call services."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from werkzeug.serving import run_simple

from elearn.backup_commands import backup_command, restore_command
from elearn.clock import utcnow
from elearn.dbstatus import pending_migration
from elearn.errors import DomainError
from elearn.extensions import db
from elearn.modules.admin import roster
from elearn.modules.assignments import notices
from elearn.modules.auth import services as accounts
from elearn.modules.auth import twofactor
from elearn.modules.auth.models import Role
from elearn.modules.certification import reminders
from elearn.modules.courses.loader import ContentError
from elearn.modules.courses.services import catalogue
from elearn.modules.outbox import delivery
from elearn.modules.privacy.commands import retention
from elearn.modules.units.services import find_unit

users = AppGroup("users", help="Create and import user accounts.")
outbox = AppGroup("outbox", help="The e-mail outbox.")
certification = AppGroup("certification", help="Certificates: awards, renewals and reminders.")
assignments = AppGroup("assignments", help="Assignments: the assigned and due-date e-mails.")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve(host: str, port: int):
    """Run the development server (use gunicorn in production)."""
    problem = pending_migration()
    if problem:
        raise click.ClickException(problem)
    try:
        catalogue()  # the command line defers the content; the site checks it before serving
    except ContentError as error:
        raise click.ClickException(
            f"The course content has errors; the site will not start:\n{error}") from None
    run_simple(host, port, current_app._get_current_object(), threaded=True)


@users.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([role.value for role in Role]), help="Repeat for several roles.")
@click.option("--unit", help="Unit code or name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user(email, name, roles, unit, password_stdin):
    """Create an account (asks for a password unless --password-stdin, or local passwords are off)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif current_app.config["LOCAL_LOGIN"]:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = None  # single sign-on only: the person signs on through the identity provider
    try:
        unit_row = find_unit(unit) if unit else None
        if unit and unit_row is None:
            raise DomainError(f"unknown unit {unit}")
        user = accounts.create_user(name, email, {Role(r) for r in roles},
                                    unit_id=unit_row.id if unit_row else None, password=password)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"Created {user.email} ({', '.join(sorted(roles))}).")


@users.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--import-good-rows", is_flag=True, help="Import the good rows despite bad ones.")
@with_appcontext
def import_users(file: Path, dry_run: bool, import_good_rows: bool):
    """Import a roster CSV (columns name, email, unit, roles); a file with errors imports nothing."""
    text = roster.decode(file.read_bytes())
    try:
        plan = roster.plan(text)
    except DomainError as error:
        raise click.ClickException(f"{file}: {error.message}") from error
    for problem in plan.problems:
        click.echo(f"{file}:{problem.line}: {problem.message}", err=True)
    for change in plan.changes:
        if change.action != "unchanged":
            detail = "; ".join(change.changes)
            click.echo(f"{file}:{change.line}: {change.action} {change.email} {detail}".rstrip())
    counts = (f"{plan.count('create')} to create, {plan.count('update')} to update, "
              f"{plan.count('unchanged')} unchanged, {len(plan.problems)} line(s) with problems")
    if dry_run:
        click.echo(f"Dry run: {counts}. Nothing was written.")
        sys.exit(1 if plan.problems else 0)
    if plan.problems and not import_good_rows:
        raise click.ClickException(f"{counts}. Nothing was imported; fix the lines above or use "
                                   "--import-good-rows.")
    roster.apply(text, None, import_good_rows)
    db.session.commit()
    click.echo(f"Imported: {counts}.")


@users.command("reset-2fa")
@click.argument("email")
@with_appcontext
def reset_two_factor(email: str):
    """Turn two-factor authentication off for EMAIL (a lost phone) and log them out everywhere."""
    user = accounts.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the e-mail address {email}.")
    if user.anonymised_at is not None:
        raise click.ClickException(f"{user.email} is an anonymised account, which cannot be changed.")
    was_on = twofactor.is_on(user)
    twofactor.reset(None, user)
    db.session.commit()
    click.echo(f"Two-factor authentication is off for {user.email} and their sessions are ended."
               if was_on else f"{user.email} had no two-factor authentication; their sessions are ended.")


@outbox.command("send")
@click.option("--batch", default=100, show_default=True, type=click.IntRange(1, 10000),
              help="How many due messages to take in this run.")
@with_appcontext
def send_outbox(batch: int):
    """Deliver the due e-mails through ELEARN_SMTP_HOST (printed here when it is not set); failures
    are retried later with growing pauses. Run it every minute or so (cron, systemd timer)."""
    config = current_app.config
    transport = delivery.transport_for(config, click.echo)
    report = delivery.deliver_due(transport, config["OUTBOX_MAX_ATTEMPTS"], batch=batch)
    click.echo(f"Outbox: {report.sent} sent, {report.retrying} to retry, {report.failed} given up.")
    if report.retrying or report.failed:
        sys.exit(1)


@certification.command("run")
@with_appcontext
def run_certification():
    """Issue and renew the certificates people have become eligible for (anything no page event
    caught) and queue each due expiry reminder once. Run it daily (cron, systemd timer)."""
    report = reminders.run(utcnow(), checkpoint=db.session.commit)
    db.session.commit()
    click.echo(f"Certification: {report.issued} issued, {report.renewed} renewed, "
               f"{report.reminders} reminders queued.")


@assignments.command("run")
@with_appcontext
def run_assignments():
    """Queue "you have been assigned" for people who joined a unit or cohort since, and the reminders
    of assignments due within ELEARN_ASSIGNMENT_REMINDER_DAYS, each once. Run it daily (cron); safe
    to run twice or at the same time."""
    report = notices.run(utcnow(), checkpoint=db.session.commit)
    db.session.commit()
    click.echo(f"Assignments: {report.assigned} assigned notices and {report.reminders} reminders "
               "queued.")


def register_commands(app: Flask) -> None:
    app.cli.add_command(serve)
    app.cli.add_command(users)
    app.cli.add_command(outbox)
    app.cli.add_command(certification)
    app.cli.add_command(assignments)
    app.cli.add_command(retention)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
