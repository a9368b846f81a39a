"""Load test: 200 simulated people against two app instances (gunicorn) on PostgreSQL and Redis, and the
same mix against one instance on SQLite, all on loopback and bounded in time.

The data set is the district demo plus the simulated accounts (a quarter of the learners have read
the Servicecenter path and passed all its quizzes but the last) and six workshop sessions with few
seats. Learners log in through the form, read sections and mark them read, take quizzes page by page
(a third of them know the answers) and submit them, register for sessions and cancel some, open the
dashboard; coordinators open the reports and download CSV and XLSX exports. Every request goes to the
next instance in turn (a load balancer without sticky sessions), with the person's own
X-Forwarded-For address (the instances trust one proxy hop), so the login throttles count per person.

Prints the throughput, p50/p95/p99 per action and the answers by status, then checks:
- no 5xx and no failed connection; nobody sent back to the log-in page while logged in;
- the database against the client's ledger: every quiz attempt started and submitted, every answer
  saved, every registration and cancellation, seats never overfilled, one e-mail per registration
  change and per certificate, one certificate per learner who completed a path and none else;
- with --soak: every worker's memory is flat (see MEMORY_RULE) and no worker restarted.

Workers: 2 per instance on PostgreSQL (4 sync workers in all: two per core, the usual start, on a
machine whose 2 cores also run PostgreSQL, Redis and this client) and 4 in the one SQLite instance, so
both set-ups have the same number of workers. gunicorn's max_requests recycling is off, so the
memory samples follow the same processes throughout.

The servers run a copy of the last commit (git archive HEAD, with this script's files as they are),
so other people's unfinished edits in a shared working tree cannot break the run; --working-tree
runs the files as they are instead.

Run: .venv/bin/python bench/bench_load.py [--users 200] [--seconds 120] [--soak SECONDS]
     [--database postgresql|sqlite|both] [--think 8] [--working-tree]
Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from bench import load_data, load_users  # noqa: E402
from elearn.extensions import db  # noqa: E402
from elearn.modules.courses.services import catalogue  # noqa: E402
from tests import cluster, postgres  # noqa: E402

CONTENT = PROJECT / "content"
CACHE = Path("instance") / "content-cache"  # where the servers keep rendered content
ELEARN = Path(sys.executable).with_name("elearn")
#: A worker's memory is flat when it grew by at most this much over the soak's second half.
FLAT_KIB, FLAT_SHARE = 5 * 1024, 0.03
#: How long people may take to finish the step they are in when the time is up.
GRACE = 120
MEMORY_RULE = (f"median RSS of the last tenth of the samples minus the median over the middle tenth "
               f"(45–55 % of the run) ≤ max({FLAT_KIB // 1024} MiB, {FLAT_SHARE:.0%})")


@dataclass
class Memory:
    samples: dict[tuple[int, int], list[tuple[float, int]]] = field(default_factory=dict)  # (instance, pid)

    async def watch(self, instances, until: float, every: float) -> None:
        began = time.monotonic()
        while time.monotonic() < until:
            for number, instance in enumerate(instances):
                for pid, kib in instance.rss_kib().items():
                    self.samples.setdefault((number, pid), []).append((time.monotonic() - began, kib))
            await asyncio.sleep(every)


async def drive(site, people, instances, memory: Memory, every: float, grace: float) -> float:
    began = time.monotonic()
    watcher = asyncio.create_task(memory.watch(instances, site.deadline, every))
    tasks = [asyncio.create_task(person.coordinator() if "coordinator" in person.email else person.learner())
             for person in people]
    done, pending = await asyncio.wait(tasks, timeout=site.deadline - time.monotonic() + grace)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    site.stats.unfinished = len(pending)
    for task in done:
        if task.exception():
            site.stats.surprises.append(f"a simulated person crashed: {task.exception()!r}")
    elapsed = time.monotonic() - began
    await watcher
    return elapsed


def pct(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def show_requests(stats, seconds: int, elapsed: float, deadline: float) -> None:
    print(f"\n{stats.in_time} answers in the {seconds} s run: {stats.in_time / seconds:.1f} requests/s "
          f"(with the arrivals in the first {min(60, seconds // 2)} s); {stats.requests - stats.in_time} "
          f"more while people finished their steps ({elapsed - seconds:.0f} s)")
    steady = [taken * 1000 for when, taken in stats.done if stats.arrived <= when <= deadline]
    if stats.arrived and deadline - stats.arrived > 10 and steady:
        print(f"once everyone was logged in ({seconds - (deadline - stats.arrived):.0f} s into the run): "
              f"{len(steady) / (deadline - stats.arrived):.1f} requests/s, all actions p50 "
              f"{pct(steady, .5):.0f} ms, p95 {pct(steady, .95):.0f} ms, p99 {pct(steady, .99):.0f} ms")
    else:
        print("not everyone had logged in before the time was up: no steady state to show")
    print(f"{'action':<22}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}  answers")
    for action in sorted(stats.statuses):
        times = [t * 1000 for t in stats.times.get(action, [])] or [0.0]
        answers = ", ".join(f"{status}×{n}" for status, n in sorted(stats.statuses[action].items()))
        print(f"{action:<22}{sum(stats.statuses[action].values()):>7}{pct(times, .5):>9.0f}"
              f"{pct(times, .95):>9.0f}{pct(times, .99):>9.0f}{max(times):>9.0f}  {answers}")
    every = {}
    for counts in stats.statuses.values():
        for status, n in counts.items():
            every[status] = every.get(status, 0) + n
    print("by status: " + ", ".join(f"{status} {n}" for status, n in sorted(every.items())))


def judge_memory(memory: Memory, soak: bool) -> list[tuple[str, bool, str]]:
    print(f"\nworker memory (RSS, MiB): rule for a flat worker: {MEMORY_RULE}")
    print(f"{'instance/pid':<16}{'samples':>8}{'first':>8}{'middle':>8}{'last':>8}{'max':>8}{'growth':>9}")
    checks, restarted = [], []
    longest = max((len(s) for s in memory.samples.values()), default=0)
    for (number, pid), samples in sorted(memory.samples.items()):
        sizes = [kib for _t, kib in samples]
        n = len(sizes)
        middle = statistics.median(sizes[int(n * .45):max(int(n * .55), int(n * .45) + 1)])
        last = statistics.median(sizes[int(n * .9):])
        growth = last - middle
        print(f"{number + 1}/{pid:<14}{n:>8}{sizes[0] / 1024:>8.1f}{middle / 1024:>8.1f}{last / 1024:>8.1f}"
              f"{max(sizes) / 1024:>8.1f}{growth / 1024:>+9.1f}")
        if n < longest * 0.9:
            restarted.append(f"{number + 1}/{pid}")
        if soak:
            limit = max(FLAT_KIB, FLAT_SHARE * middle)
            checks.append((f"memory flat: instance {number + 1} worker {pid}", growth <= limit,
                           f"{growth / 1024:+.1f} MiB over the second half (≤ {limit / 1024:.1f} MiB)"))
    checks.append(("no worker restarted or replaced", not restarted,
                   ", ".join(restarted) or f"{len(memory.samples)} workers throughout"))
    return checks


def start_instances(count: int, env: dict, logs: Path, workers: int) -> list:
    """As tests.cluster.start_instances, with time for a start on a busy shared machine."""
    instances: list = []
    try:
        for number in range(count):
            instances.append(cluster.AppInstance(cluster.free_port(), env, workers=workers,
                                                 log=logs / f"instance-{number + 1}.log").start(timeout=240))
    except BaseException:
        for instance in instances:
            instance.stop()
        raise
    return instances


def upgrade(env: dict) -> None:
    """`elearn db upgrade`, once, before any instance starts (as a deploy does)."""
    began = time.perf_counter()
    subprocess.run([str(ELEARN), "db", "upgrade"], cwd=PROJECT, env=env, check=True, capture_output=True)
    print(f"elearn db upgrade: {time.perf_counter() - began:.1f} s")


def run(kind: str, url: str, redis_url: str | None, instances_wanted: int, workers: int, args,
        folder: Path) -> bool:
    seconds = args.soak or args.seconds
    print(f"\n== {kind}: {instances_wanted} instance(s) × {workers} workers, {args.users} users, {seconds} s")
    env = cluster.app_environment(url, redis_url, CONTENT_DIR=str(CONTENT), TRUSTED_PROXIES="1",
                                  DEFAULT_LOCALE="en")
    env["GUNICORN_MAX_REQUESTS"] = "0"
    upgrade(env)
    app = load_data.app_for(url, str(CONTENT), str(PROJECT / CACHE))
    for noisy in ("httpx", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    began = time.perf_counter()
    coordinators = max(1, round(args.users * 0.05))
    data = load_data.build(app, args.users, coordinators, near_share=0.25)
    with app.app_context():
        modules = {slug: list(m.section_ids) for slug, m in catalogue().modules.items()}
        quizzes = sorted({m.quiz for m in catalogue().modules.values() if m.quiz})
        if db.engine.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    print(f"data set in {time.perf_counter() - began:.1f} s: demo + {len(data.learners)} learners "
          f"({len(data.near_done)} nearly through '{load_data.NEAR_PATH}') + {len(data.coordinators)} "
          f"coordinators, sessions {data.sessions}")
    instances = start_instances(instances_wanted, env, folder, workers)
    try:
        site = load_users.Site([i.url for i in instances], modules, quizzes, data.answer_key,
                               time.monotonic() + seconds, args.think, ramp=min(60, seconds / 2))
        people = load_users.cast(site, data.learners, set(data.near_done), data.coordinators)
        memory = Memory()
        elapsed = asyncio.run(drive(site, people, instances, memory, every=5 if args.soak else 2,
                                    grace=GRACE))
    finally:
        for instance in instances:
            instance.stop()
    show_requests(site.stats, seconds, elapsed, site.deadline)
    checks = judge_memory(memory, bool(args.soak))
    stats = site.stats
    checks.insert(0, ("no 5xx, no failed connection", not stats.errors,
                      "; ".join(stats.errors[:5]) or f"{stats.requests} requests"))
    checks.insert(1, ("sessions hold on every instance", not stats.logged_out,
                      f"{stats.logged_out} requests sent to the log-in page" if stats.logged_out
                      else "nobody sent back to the log-in page"))
    checks.insert(2, ("every person finished in time", not stats.unfinished,
                      f"{stats.unfinished} still busy {GRACE} s after the end"))
    logged = [line for log in sorted(folder.glob("instance-*.log"))
              for line in log.read_text(errors="replace").splitlines() if '"level": "ERROR"' in line]
    checks.insert(3, ("no errors in the servers' logs", not logged,
                      (logged[0][:300] + f" (+{len(logged) - 1} more)") if logged else "none"))
    reckoning = load_data.reckon(app, data, site.ledger)
    print("\nrows written by the run: " + ", ".join(f"{n} {name}" for name, n in reckoning.counts.items()))
    if stats.surprises:
        print(f"{len(stats.surprises)} pages not as expected (first five):")
        for line in stats.surprises[:5]:
            print("  " + line)
    print()
    for name, ok, detail in checks + reckoning.checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}")
    passed = all(ok for _n, ok, _d in checks + reckoning.checks)
    if not passed:
        for log in sorted(folder.glob("instance-*.log")):
            shutil.copy(log, Path(tempfile.gettempdir()) / f"elearn-load-{kind}-{log.name}")
        print(f"instance logs copied to {tempfile.gettempdir()}/elearn-load-{kind}-instance-*.log")
    return passed


def on_postgresql(args, folder: Path) -> bool:
    server, redis = postgres.PostgresServer().start(), cluster.RedisServer().start()
    try:
        admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE load"))
        admin.dispose()
        return run("postgresql", server.url("load"), redis.url, 2, args.workers, args, folder)
    finally:
        redis.stop()
        server.stop()


def in_snapshot(argv: list[str]) -> int:
    """Run this script again in a copy of the last commit (plus this script's own files as they are
    now), so the servers run committed code, not the half-made edits of a shared working tree."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT, capture_output=True,
                            text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="elearn-load-tree-") as folder:
        tree = Path(folder)
        archive = subprocess.run(["git", "archive", "HEAD"], cwd=PROJECT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
        for name in ("bench_load.py", "load_data.py", "load_users.py"):
            shutil.copy(PROJECT / "bench" / name, tree / "bench" / name)
        if (PROJECT / CACHE).is_dir():  # rendered content, keyed by its source: safe to share
            shutil.copytree(PROJECT / CACHE, tree / CACHE)
        print(f"running commit {commit} (a copy in {tree}); --working-tree runs the files as they are")
        env = {**os.environ, "PYTHONPATH": str(tree)}
        script = tree / "bench" / "bench_load.py"
        return subprocess.run([sys.executable, str(script), *argv, "--working-tree"], cwd=tree,
                              env=env).returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--soak", type=int, default=0, help="run this long and check memory is flat")
    parser.add_argument("--database", choices=("postgresql", "sqlite", "both"), default="both")
    parser.add_argument("--think", type=float, default=8.0, help="mean think time in seconds")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per PostgreSQL instance")
    parser.add_argument("--working-tree", action="store_true",
                        help="run the code as it is in this working tree, uncommitted edits included")
    args = parser.parse_args()
    if not args.working_tree:
        sys.exit(in_snapshot(sys.argv[1:]))
    passed = True
    if args.database in ("postgresql", "both"):
        with tempfile.TemporaryDirectory(prefix="elearn-load-") as folder:
            passed &= on_postgresql(args, Path(folder))
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="elearn-load-") as folder:
            passed &= run("sqlite", f"sqlite:///{Path(folder) / 'load.sqlite'}", None, 1, args.workers * 2,
                          args, Path(folder))
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
