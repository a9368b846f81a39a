"""Foundation figures: the cost of one password check, and in-process request throughput.

Run: .venv/bin/python bench/bench_foundation.py [--requests N]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade

from elearn import create_app
from elearn.extensions import db
from elearn.modules.auth import services as accounts
from elearn.modules.auth.models import Role
from elearn.modules.auth.passwords import PROFILES

PASSWORD = "benchmark passphrase 2026"


def time_hashing(rounds: int = 10) -> None:
    hasher = PROFILES["strong"]
    started = time.perf_counter()
    digest = ""
    for _ in range(rounds):
        digest = hasher.hash(PASSWORD)
    hash_ms = (time.perf_counter() - started) / rounds * 1000
    started = time.perf_counter()
    for _ in range(rounds):
        hasher.verify(digest, PASSWORD)
    verify_ms = (time.perf_counter() - started) / rounds * 1000
    print(f"argon2id (strong profile, {hasher.memory_cost // 1024} MiB, t={hasher.time_cost}): "
          f"hash {hash_ms:.1f} ms, verify {verify_ms:.1f} ms")


def throughput(client, url: str, count: int) -> float:
    client.get(url)
    started = time.perf_counter()
    for _ in range(count):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    time_hashing()
    folder = Path(tempfile.mkdtemp(prefix="elearn-bench-"))
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}",
                          "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
        with app.app_context():
            upgrade()
            accounts.create_user("Bench Person", "bench@politi.example", [Role.LEARNER],
                                 password=PASSWORD)
            db.session.commit()
        anonymous = app.test_client()
        print(f"GET /healthz: {throughput(anonymous, '/healthz', args.requests):.0f} req/s")
        print(f"GET /login:   {throughput(anonymous, '/login', args.requests):.0f} req/s")
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/login", data={"email": "bench@politi.example", "password": PASSWORD,
                                    "csrf_token": token})
        print(f"GET / (dashboard, logged in): {throughput(client, '/', args.requests):.0f} req/s")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS: {peak:.0f} MiB (python {sys.version.split()[0]}, one process, no server)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
