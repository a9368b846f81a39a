"""Reports at national scale: every report page and export over the national demo (15,000 people, 120
units), on SQLite and on a PostgreSQL 15 server this script starts, as a district coordinator and as
an admin. Prints the median time and the SQL statements of each request, then checks the targets:

- each report sends as many statements for a ~50-person unit as for a ~500-person unit and for the
  whole scope (no query per person: N+1 free), per viewer;
- the completion matrix of a ~500-person unit, all rows on one page (per_page=500), in < 300 ms;
- the admin's national CSV export of the completion matrix in < 5 s with < 200 MB peak memory (the
  tracemalloc peak while the streamed response is read, and the growth of the process's max RSS).

Exit status 1 when a check fails. A report whose route does not exist yet prints "missing".

Run: .venv/bin/python bench/bench_reports.py [--database sqlite|postgres|both] [--quick] [--runs 5]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text
from werkzeug.exceptions import MethodNotAllowed, NotFound

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from elearn import create_app, demo_national  # noqa: E402
from elearn.extensions import db  # noqa: E402
from elearn.modules.auth.models import User  # noqa: E402
from elearn.modules.quizzes.models import QuizAttempt  # noqa: E402
from elearn.modules.units.models import Unit  # noqa: E402
from elearn.statements import counting  # noqa: E402
from tests import postgres  # noqa: E402

CONTENT = Path(__file__).resolve().parents[1] / "content"
PATH = "key-officer"
#: (name, URL path, query); exports are the same path with .csv / .xlsx and the same query.
REPORTS = (
    ("dashboard", "/reports/", {}),
    ("completion", "/reports/completion", {"path": PATH}),
    ("certification", "/reports/certification", {"path": PATH}),
    ("coverage", "/reports/coverage", {}),
    ("assignments", "/reports/assignments", {}),
    ("trends", "/reports/trends", {}),
)
EXPORTED = ("completion", "certification", "coverage", "assignments", "trends")
MATRIX_MS, EXPORT_S, EXPORT_MB = 300, 5, 200
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Result:
    status: str  # "ok", "missing" or the HTTP status
    seconds: float = 0.0
    statements: int = 0
    size: int = 0


@dataclass
class Figures:
    rows: list[tuple[str, str, str, Result]] = field(default_factory=list)  # viewer, report, variant
    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append((name, ok, detail))


def _rss_kib(field_name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return 0


def _routed(app, path: str) -> bool:
    try:
        app.url_map.bind("localhost").match(path, method="GET")
    except (NotFound, MethodNotAllowed):
        return False
    return True


def request(app, client, path: str, query: dict, runs: int) -> Result:
    """Median time of runs GETs (response body read to the end) and the statements of the last."""
    if not _routed(app, path):
        return Result("missing")
    samples, result = [], None
    for _ in range(runs):
        # Each request in its own app context (its own g and database session), as in production.
        with app.app_context(), counting(db.engine) as log:
            began = time.perf_counter()
            response = client.get(path, query_string=query, buffered=False)
            size = sum(len(chunk) for chunk in response.response)
            response.close()
            samples.append(time.perf_counter() - began)
        if response.status_code != 200:
            return Result(str(response.status_code))
        result = Result("ok", 0, log.count, size)
    result.seconds = statistics.median(samples)
    return result


def export_memory(app, client, path: str, query: dict) -> tuple[float, float, float]:
    """(seconds, tracemalloc peak MB, max-RSS growth MB) of one export read to the end."""
    Path("/proc/self/clear_refs").write_text("5")  # resets the peak RSS (VmHWM) to the current RSS
    before = _rss_kib("VmRSS")
    tracemalloc.start()
    began = time.perf_counter()
    with app.app_context():
        response = client.get(path, query_string=query, buffered=False)
        for _chunk in response.response:
            pass
        response.close()
    seconds = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak / 2**20, max(_rss_kib("VmHWM") - before, 0) / 1024


def login(app, email: str, password: str):
    client = app.test_client()
    with app.app_context():
        token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    with app.app_context():
        response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, f"log-in as {email} failed"
    return client


def units_near(district_root: Unit, sizes: tuple[int, ...]) -> list[tuple[Unit, int]]:
    """For each wanted size, the unit under the district whose subtree has the nearest number of
    active people."""
    counts = []
    for unit in db.session.scalars(select(Unit).where(Unit.path.startswith(district_root.path))):
        members = select(Unit.id).where(Unit.path.startswith(unit.path))
        counts.append((unit, db.session.scalar(select(func.count()).where(
            User.active.is_(True), User.unit_id.in_(members)))))
    return [min(counts, key=lambda pair: abs(pair[1] - size)) for size in sizes]


def learners(root: Unit) -> tuple[int, int]:
    """The active learners under root with the fewest and the most quiz attempts."""
    members = select(Unit.id).where(Unit.path.startswith(root.path))
    rows = db.session.execute(
        select(User.id, func.count(QuizAttempt.id)).outerjoin(QuizAttempt, QuizAttempt.user_id == User.id)
        .where(User.active.is_(True), User.unit_id.in_(members)).group_by(User.id)
        .order_by(func.count(QuizAttempt.id), User.id)).all()
    return rows[0][0], rows[-1][0]


def measure(app, report, figures: Figures, runs: int) -> None:
    coordinator = db.session.scalar(select(User).where(User.email == report.logins[1].email))
    root = coordinator.unit
    (small, small_n), (large, large_n) = units_near(root, (50, 500))
    scope_n = db.session.scalar(select(func.count()).where(User.active.is_(True), User.unit_id.in_(
        select(Unit.id).where(Unit.path.startswith(root.path)))))
    few, many = learners(root)
    print(f"units: {small.name} ({small_n} people), {large.name} ({large_n}), {root.name} ({scope_n}), "
          f"all ({db.session.scalar(select(func.count()).where(User.active.is_(True)))})")
    variants = {"coordinator": (("~50", {"unit": small.id}), ("~500", {"unit": large.id}),
                                ("district", {"unit": root.id})),
                "admin": (("~50", {"unit": small.id}), ("~500", {"unit": large.id}), ("national", {}))}
    for viewer, login_ in (("coordinator", report.logins[1]), ("admin", report.logins[0])):
        client = login(app, login_.email, login_.password)
        for name, path, query in REPORTS:
            for variant, extra in variants[viewer]:
                args = {**query, **extra, "per_page": 500}
                figures.rows.append((viewer, name, variant, request(app, client, path, args, runs)))
                if name in EXPORTED:
                    for fmt in ("csv", "xlsx"):
                        result = request(app, client, f"{path}.{fmt}", {**query, **extra}, max(1, runs // 2))
                        figures.rows.append((viewer, f"{name}.{fmt}", variant, result))
        for variant, person in (("few attempts", few), ("most attempts", many)):
            figures.rows.append((viewer, "person", variant,
                                 request(app, client, f"/reports/people/{person}", {}, runs)))
        if viewer == "admin" and _routed(app, "/reports/completion.csv"):
            seconds, traced, rss = export_memory(app, client, "/reports/completion.csv", {"path": PATH})
            print(f"national completion CSV (admin, {PATH}): {seconds:.2f} s with tracemalloc on, "
                  f"tracemalloc peak {traced:.1f} MB, max RSS growth {rss:.1f} MB")
            figures.check("national completion CSV memory", traced < EXPORT_MB and rss < EXPORT_MB,
                          f"tracemalloc peak {traced:.1f} MB, max RSS growth {rss:.1f} MB (< {EXPORT_MB} MB)")
    _judge(figures, large_n)


def _flat(counts: dict[str, int]) -> bool:
    """The same number of statements whatever the number of people: every unit-filtered variant alike;
    the admin's unfiltered national view alike or one fewer (it has no unit to look up)."""
    filtered = {count for variant, count in counts.items() if variant != "national"}
    national = counts.get("national")
    return len(filtered) == 1 and (national is None or national in (min(filtered), min(filtered) - 1))


def _judge(figures: Figures, large_n: int) -> None:
    by_key: dict[tuple[str, str], list[tuple[str, Result]]] = {}
    for viewer, name, variant, result in figures.rows:
        by_key.setdefault((viewer, name), []).append((variant, result))
    for (viewer, name), results in by_key.items():
        counts = {variant: r.statements for variant, r in results if r.status == "ok"}
        if len(counts) == len(results) and counts:
            figures.check(f"N+1 free: {name} ({viewer})", _flat(counts),
                          ", ".join(f"{v} {c}" for v, c in counts.items()) + " statements")
        elif any(r.status not in ("ok", "missing") for _v, r in results):
            figures.check(f"answers: {name} ({viewer})", False,
                          ", ".join(f"{v} {r.status}" for v, r in results))
    matrix = next((r for viewer, name, variant, r in figures.rows
                   if (viewer, name, variant) == ("coordinator", "completion", "~500")), None)
    if matrix is not None and matrix.status == "ok":
        figures.check(f"completion matrix, {large_n} people on one page", matrix.seconds * 1000 < MATRIX_MS,
                      f"{matrix.seconds * 1000:.0f} ms (< {MATRIX_MS} ms)")
    export = next((r for viewer, name, variant, r in figures.rows
                   if (viewer, name, variant) == ("admin", "completion.csv", "national")), None)
    if export is not None and export.status == "ok":
        figures.check("national completion CSV time", export.seconds < EXPORT_S,
                      f"{export.seconds:.2f} s, {export.size / 2**20:.1f} MB (< {EXPORT_S} s)")


def show(figures: Figures) -> bool:
    print(f"\n{'viewer':<12}{'report':<19}{'scope':<15}{'median ms':>10}{'statements':>12}{'bytes':>12}")
    for viewer, name, variant, r in figures.rows:
        if r.status != "ok":
            print(f"{viewer:<12}{name:<19}{variant:<15}{r.status:>10}")
            continue
        print(f"{viewer:<12}{name:<19}{variant:<15}{r.seconds * 1000:>10.1f}{r.statements:>12}{r.size:>12,}")
    print()
    for name, ok, detail in figures.checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}")
    return all(ok for _name, ok, _detail in figures.checks)


def run(url: str, folder: Path, scale, runs: int) -> bool:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "CONTENT_DIR": str(CONTENT),
                      "CONTENT_CACHE_DIR": str(folder / "cache"), "PASSWORD_HASH_PROFILE": "fast",
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        began = time.perf_counter()
        report = demo_national.seed(scale)
        made = time.perf_counter() - began
        print(f"\n== {db.engine.url.get_backend_name()}: national demo made in {made:.1f} s: "
              + ", ".join(f"{count:,} {name}" for name, count in report.counts.items()))
        if db.engine.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        figures = Figures()
        measure(app, report, figures, runs)
        db.session.remove()
        db.engine.dispose()
    return show(figures)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="3,000 people in 3 districts, 2 runs")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    quick = demo_national.Scale(users=3000, districts=3, real_pdfs=5)
    scale = quick if args.quick else demo_national.NATIONAL
    runs = 2 if args.quick else args.runs
    folder, passed = Path(tempfile.mkdtemp(prefix="elearn-bench-")), True
    try:
        if args.database in ("sqlite", "both"):
            passed &= run(f"sqlite:///{folder / 'bench.sqlite'}", folder, scale, runs)
        if args.database in ("postgres", "both"):
            server = postgres.PostgresServer().start()
            try:
                admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
                with admin.connect() as connection:
                    connection.execute(text("CREATE DATABASE bench"))
                admin.dispose()
                passed &= run(server.url("bench"), folder, scale, runs)
            finally:
                server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
