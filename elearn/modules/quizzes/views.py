"""Quiz pages: a quiz's overview, taking an attempt page by page, submitting, the result and review."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from elearn.clock import utcnow
from elearn.errors import Conflict
from elearn.extensions import db
from elearn.modules.auth.decorators import coordinator_required, login_required
from elearn.modules.auth.services import scope_unit_ids
from elearn.modules.courses.services import catalogue
from elearn.modules.quizzes import analysis, pages, services, submission
from elearn.modules.quizzes.answers import BadAnswer, parse
from elearn.modules.quizzes.models import AttemptMode, AttemptState
from elearn.modules.quizzes.submission import Outcome

bp = Blueprint("quizzes", __name__, template_folder="templates")


def _quiz_or_404(slug: str):
    quiz = services.quiz_bank().quiz(slug)
    module = catalogue().module(quiz.module) if quiz else None
    if quiz is None or module is None:
        abort(404)
    return quiz, module


def _locale() -> str:
    return str(get_locale())


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.route("/quizzes/<slug>")
@login_required
def quiz(slug: str):
    quiz, module = _quiz_or_404(slug)
    view = pages.overview(quiz, module, current_user.id, _locale(), utcnow())
    return render_template("quizzes/quiz.html", page=view)


@bp.route("/quizzes/<slug>/start", methods=["POST"])
@login_required
def start(slug: str):
    quiz, module = _quiz_or_404(slug)
    mode = AttemptMode.REFRESHER if request.form.get("mode") == "refresher" else AttemptMode.GRADED
    attempt = services.start_attempt(current_user.id, quiz, module, mode, utcnow())
    db.session.commit()
    return redirect(url_for("quizzes.attempt_page", attempt_id=attempt.id, page=1))


OUTCOME_MESSAGES = {
    Outcome.WITHDRAWN: _l("The quiz or its module was changed while your attempt was open, so the "
                          "attempt was withdrawn without counting. Please start again."),
    Outcome.TIMED_OUT: _l("The time was up, so your attempt was submitted with the answers saved in "
                          "time."),
}


def _open_attempt(attempt_id: int):
    """The learner's attempt ready to answer: (attempt, quiz, module, rows). When it can no longer be
    answered, the request ends here with a redirect to its result or its quiz."""
    attempt = services.attempt_of(current_user.id, attempt_id)
    quiz, module = _quiz_or_404(attempt.quiz_slug)
    rows = services.questions_of(attempt)
    outcome = submission.settle(attempt, quiz, module, rows, utcnow())
    if outcome is not Outcome.OPEN:
        db.session.commit()
        abort(_closed(attempt, quiz, outcome))
    return attempt, quiz, module, rows


def _closed(attempt, quiz, outcome: Outcome):
    if outcome in OUTCOME_MESSAGES:
        flash(str(OUTCOME_MESSAGES[outcome]), "error")
    if attempt.state is AttemptState.VOID:
        return redirect(url_for("quizzes.quiz", slug=quiz.slug))
    return redirect(url_for("quizzes.result", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>")
@login_required
def resume(attempt_id: int):
    attempt, _quiz, _module, rows = _open_attempt(attempt_id)
    return redirect(url_for("quizzes.attempt_page", attempt_id=attempt_id,
                            page=pages.first_open_page(attempt, rows)))


@bp.route("/attempts/<int:attempt_id>/<int:page>", methods=["GET", "POST"])
@login_required
def attempt_page(attempt_id: int, page: int):
    if request.method == "POST" and _wants_json():
        return _autosave(attempt_id, page)
    attempt, quiz, module, rows = _open_attempt(attempt_id)
    if not 1 <= page <= services.page_count(attempt, rows):
        abort(404)
    if request.method == "POST":
        _save_page(attempt, quiz, rows, page)
        return redirect(pages.after_save(attempt, rows, page, request.form.get("action")))
    view = pages.question_page(attempt, quiz, rows, page, _locale(), utcnow())
    return render_template("quizzes/attempt.html", page=view)


def _save_page(attempt, quiz, rows, page: int) -> None:
    on_page = services.rows_on_page(attempt, rows, page)
    try:
        stored = parse(request.form, attempt.seed, on_page, quiz.index)
    except BadAnswer:
        abort(400)
    submission.save_answers(attempt, on_page, stored, utcnow())
    db.session.commit()


def _autosave(attempt_id: int, page: int):
    """The page's answers saved as they are given (the script posts the page's form)."""
    attempt = services.attempt_of(current_user.id, attempt_id)
    quiz, module = _quiz_or_404(attempt.quiz_slug)
    rows = services.questions_of(attempt)
    if not 1 <= page <= services.page_count(attempt, rows) or not submission.still_fits(
            attempt, quiz, module, rows):
        raise Conflict(_("This page no longer matches your attempt. Reload the page."))
    _save_page(attempt, quiz, rows, page)
    answered = sum(1 for row in rows if row.answer is not None)
    return jsonify(saved=True, answered=answered, total=len(rows))


@bp.route("/attempts/<int:attempt_id>/finish")
@login_required
def finish(attempt_id: int):
    attempt, quiz, _module, rows = _open_attempt(attempt_id)
    return render_template("quizzes/finish.html",
                           page=pages.finish_page(attempt, quiz, rows, _locale(), utcnow()))


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@login_required
def submit(attempt_id: int):
    attempt = services.attempt_of(current_user.id, attempt_id)
    quiz, module = _quiz_or_404(attempt.quiz_slug)
    if attempt.state is AttemptState.IN_PROGRESS:
        submission.submit(attempt, quiz, module, utcnow())
        db.session.commit()
    outcome = Outcome.WITHDRAWN if attempt.state is AttemptState.VOID else Outcome.CLOSED
    return _closed(attempt, quiz, outcome)


@bp.route("/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int):
    attempt = services.attempt_of(current_user.id, attempt_id)
    quiz, module = _quiz_or_404(attempt.quiz_slug)
    outcome = submission.settle(attempt, quiz, module, services.questions_of(attempt), utcnow())
    db.session.commit()
    if outcome is Outcome.OPEN:
        return redirect(url_for("quizzes.resume", attempt_id=attempt_id))
    if attempt.state is AttemptState.VOID:
        return _closed(attempt, quiz, outcome)
    view = pages.result_page(attempt, quiz, module, current_user.id, _locale(), utcnow())
    return render_template("quizzes/result.html", page=view)


@bp.route("/quizzes/analysis")
@coordinator_required
def analysis_index():
    counts = analysis.attempt_counts(scope_unit_ids(current_user))
    quizzes = [(quiz, counts.get(quiz.slug, 0)) for quiz in services.quiz_bank().quizzes.values()]
    return render_template("quizzes/analysis_index.html", quizzes=quizzes, locale=_locale())


@bp.route("/quizzes/<slug>/analysis")
@coordinator_required
def item_analysis(slug: str):
    quiz, module = _quiz_or_404(slug)
    total, stats = analysis.item_analysis(quiz, scope_unit_ids(current_user), _locale(),
                                          pages.true_false_labels())
    return render_template("quizzes/analysis.html", quiz=quiz, module=module, total=total,
                           stats=stats, locale=_locale(), min_attempts=analysis.MIN_ATTEMPTS)
