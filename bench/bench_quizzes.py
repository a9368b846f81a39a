"""Quiz figures: the attempt lifecycle per operation (start, save a page, submit) and the item analysis
over many attempts, on SQLite (or the database given).

Run: .venv/bin/python bench/bench_quizzes.py [--lifecycle 200] [--attempts 20000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import insert
from werkzeug.datastructures import MultiDict

from elearn import create_app
from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.auth import services as accounts
from elearn.modules.auth.models import Role, User
from elearn.modules.courses.services import catalogue
from elearn.modules.quizzes import analysis, answers, services, submission
from elearn.modules.quizzes.drawing import draw, option_token
from elearn.modules.quizzes.models import (
    AttemptChoice,
    AttemptMode,
    AttemptQuestion,
    AttemptState,
    QuizAttempt,
)
from elearn.modules.quizzes.pages import true_false_labels

QUIZ = "stalking-phenomenon"
CONTENT = Path(__file__).resolve().parents[1] / "content"


def _random_form(attempt, rows, quiz, rng) -> dict:
    form = {}
    for row in rows:
        question, order = quiz.question(row.question_id), json.loads(row.option_order)
        if question.type == "ordering":
            places = list(range(1, len(order) + 1))
            rng.shuffle(places)
            form.update({f"a{row.position}-{k}": str(p) for k, p in enumerate(places, start=1)})
        else:
            picks = rng.sample(order, 2 if question.type == "multiple" else 1)
            form[f"a{row.position}"] = [option_token(attempt.seed, row.question_id, p) for p in picks]
    return form


def _summary(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    print(f"  {name:<22} mean {statistics.mean(samples) * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms")


def lifecycle(count: int) -> None:
    """Time each service step of `count` attempts by different learners."""
    quiz, module = services.quiz_bank().quiz(QUIZ), catalogue().module(QUIZ)
    rng, timings = random.Random(7), {"start": [], "save a page": [], "submit and grade": []}
    for n in range(count):
        user = accounts.create_user(f"Bench {n}", f"bench{n}@bench.example", [Role.LEARNER])
        db.session.commit()
        began = time.perf_counter()
        attempt = services.start_attempt(user.id, quiz, module, AttemptMode.GRADED, utcnow())
        db.session.commit()
        timings["start"].append(time.perf_counter() - began)
        rows = services.questions_of(attempt)
        form = _random_form(attempt, rows, quiz, rng)
        for page in range(1, services.page_count(attempt, rows) + 1):
            began = time.perf_counter()
            on_page = services.rows_on_page(attempt, rows, page)
            positions = {str(row.position) for row in on_page}
            fields = MultiDict({k: v for k, v in form.items() if k[1:].split("-")[0] in positions})
            submission.save_answers(attempt, on_page,
                                  answers.parse(fields, attempt.seed, on_page, quiz.index), utcnow())
            db.session.commit()
            timings["save a page"].append(time.perf_counter() - began)
        began = time.perf_counter()
        submission.submit(attempt, quiz, module, utcnow())
        db.session.commit()
        timings["submit and grade"].append(time.perf_counter() - began)
    print(f"attempt lifecycle, {count} attempts ({quiz.draw} questions, {quiz.per_page} per page):")
    for name, samples in timings.items():
        _summary(name, samples)


def bulk_attempts(count: int) -> None:
    """Insert `count` graded, submitted attempts with random answers, set-based."""
    quiz = services.quiz_bank().quiz(QUIZ)
    rng = random.Random(11)
    users = [{"name": f"Learner {n}", "email": f"l{n}@bulk.example", "active": True,
              "created_at": utcnow()} for n in range(count)]
    db.session.execute(insert(User), users)
    user_ids = [u.id for u in db.session.query(User.id).filter(User.email.like("%@bulk.example"))]
    attempts, questions, choices = [], [], []
    for number, user_id in enumerate(user_ids, start=1_000_000):
        seed = rng.getrandbits(62)
        score_sum, drawn = 0.0, draw(quiz, seed, quiz.draw, quiz.require_tags)
        for d in drawn:
            right = rng.random() < 0.7
            score_sum += right
            questions.append({"attempt_id": number, "question_id": d.question_id, "item": d.item,
                              "position": d.position, "parent_id": d.parent_id,
                              "option_order": json.dumps(d.option_order), "answer": "null",
                              "score": float(right)})
            if d.option_order and quiz.question(d.question_id).type != "ordering":
                choices.append({"attempt_id": number, "question_id": d.question_id,
                                "option_id": rng.choice(d.option_order)})
        score = score_sum / len(drawn)
        attempts.append({"id": number, "user_id": user_id, "quiz_slug": QUIZ, "quiz_version": quiz.version,
                         "module_slug": QUIZ, "module_major": 1, "mode": AttemptMode.GRADED,
                         "state": AttemptState.SUBMITTED, "seed": seed, "pass_mark": quiz.pass_mark,
                         "review_policy": quiz.review.value, "per_page": quiz.per_page,
                         "started_at": utcnow(), "submitted_at": utcnow(), "score": score,
                         "passed": score >= quiz.pass_mark / 100})
    db.session.execute(insert(QuizAttempt), attempts)
    db.session.execute(insert(AttemptQuestion), questions)
    db.session.execute(insert(AttemptChoice), choices)
    db.session.commit()


def time_analysis(repeat: int = 5) -> None:
    quiz = services.quiz_bank().quiz(QUIZ)
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        total, stats = analysis.item_analysis(quiz, None, "en", true_false_labels())
        samples.append(time.perf_counter() - began)
    print(f"item analysis over {total} attempts ({len(stats)} questions, 3 queries):")
    _summary("item analysis", samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lifecycle", type=int, default=200)
    parser.add_argument("--attempts", type=int, default=20000)
    parser.add_argument("--database-url", help="an empty database to use [default: a temporary SQLite]")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="elearn-bench-"))
    try:
        url = args.database_url or f"sqlite:///{folder / 'bench.sqlite'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                          "CONTENT_DIR": str(CONTENT), "CONTENT_CACHE_DIR": str(folder / "cache")})
        with app.app_context():
            upgrade()
            print(f"database: {db.engine.url.get_backend_name()}")
            lifecycle(args.lifecycle)
            bulk_attempts(args.attempts)
            time_analysis()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory (RSS): {peak:.0f} MiB")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
