"""`elearn retention run`: enforce the configured retention periods (run daily from cron)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.privacy import retention as policy

retention = AppGroup("retention", help="Retention periods for quiz answers, feedback texts and audit events.")


@retention.command("run")
@with_appcontext
def run_retention():
    """Remove the chosen options of quiz attempts older than ELEARN_RETENTION_QUIZ_ANSWERS_DAYS, blank
    feedback texts older than ELEARN_RETENTION_FEEDBACK_DAYS and delete audit events older than
    ELEARN_RETENTION_AUDIT_DAYS (0 keeps them). Run it daily; safe to run twice or at the same time."""
    periods = policy.Periods.from_config(current_app.config)
    report = policy.run(utcnow(), periods, checkpoint=db.session.commit)
    click.echo(f"Retention: answers removed from {report.attempts} quiz attempts ({report.answers} "
               f"answers, {report.choices} chosen options), {report.feedback} feedback texts blanked, "
               f"{report.audit_events} audit events deleted.")
    for name, days in (("quiz answers", periods.quiz_answers), ("feedback texts", periods.feedback),
                       ("audit events", periods.audit)):
        click.echo(f"  {name}: " + (f"kept {days} days" if days else "kept for ever"))
