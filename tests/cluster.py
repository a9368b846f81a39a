"""Real servers for the multinode tests and the load test: a throwaway Redis and app instances as
separate gunicorn processes on their own ports, all on loopback."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PROJECT = Path(__file__).resolve().parent.parent
GUNICORN_CONFIG = PROJECT / "deploy" / "gunicorn.conf.py"
#: The console script of this virtual environment (`elearn db upgrade`, `elearn outbox send` …).
ELEARN = Path(sys.executable).parent / "elearn"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_available() -> bool:
    return shutil.which("redis-server") is not None


class RedisServer:
    """redis-server on a free loopback port, in memory only (no snapshots, no append-only file)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="elearn-redis-"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.root), "--logfile", str(self.root / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class AppInstance:
    """One gunicorn master with its workers, serving the app at url."""

    port: int
    env: dict
    workers: int = 2
    log: Path | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> AppInstance:
        return self.launch().ready(timeout)

    def launch(self) -> AppInstance:
        """Start gunicorn without waiting for it (see ready)."""
        command = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONFIG),
                   "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
                   "elearn.wsgi:app"]
        with open(self.log or os.devnull, "ab") as output:  # the child keeps its own descriptor
            self.process = subprocess.Popen(command, cwd=PROJECT, env=self.env, stdout=output,
                                            stderr=subprocess.STDOUT)
        return self

    def ready(self, timeout: float = 60) -> AppInstance:
        """Wait until the instance answers /healthz; RuntimeError when gunicorn exits first (its
        log says why) or does not answer within timeout seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn on port {self.port} exited with {self.process.returncode}"
                                   + (f"; see {self.log}" if self.log else ""))
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code in (200, 503):
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn on port {self.port} did not answer within {timeout} s")

    def worker_pids(self) -> list[int]:
        """The worker processes' ids (children of the gunicorn master)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def rss_kib(self) -> dict[int, int]:
        """Resident memory of each worker in KiB."""
        sizes = {}
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except FileNotFoundError:
                continue
            line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
            sizes[pid] = int(line.split()[1])
        return sizes

    def stop(self) -> None:
        self.signal_stop()
        self.wait_stopped()

    def signal_stop(self) -> None:
        """Stop gunicorn at once: SIGINT (its quick shutdown) to the master, and SIGKILL to the
        workers, which would otherwise spend seconds of a busy machine's time tidying up their
        memory on the way out (nothing of theirs needs saving)."""
        if self.process and self.process.poll() is None:
            workers = self.worker_pids()
            self.process.send_signal(signal.SIGINT)
            for pid in workers:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def wait_stopped(self) -> None:
        if self.process and self.process.poll() is None:
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def stop_instances(instances: list[AppInstance]) -> None:
    """Stop every instance, all at once rather than one after the other."""
    for instance in instances:
        instance.signal_stop()
    for instance in instances:
        instance.wait_stopped()


def app_environment(database_url: str, redis_url: str | None, **settings: str) -> dict:
    """The environment of an app instance: ELEARN_* settings on top of this process's environment,
    with the same secret key for every instance (a session cookie from one is valid on the other)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ELEARN_")}
    env.update({
        "ELEARN_DATABASE_URL": database_url,
        "ELEARN_SECRET_KEY": "multinode-test-secret-key-0123456789abcdef",
        "ELEARN_CONTENT_DIR": str(PROJECT / "tests" / "fixtures" / "content"),
        "ELEARN_BASE_URL": "https://elearn.politi.example",
        "ELEARN_DEFAULT_LOCALE": "en",
        "ELEARN_LOG_FORMAT": "json",
    })
    if redis_url:
        env["ELEARN_REDIS_URL"] = redis_url
    env.update({"ELEARN_" + key: value for key, value in settings.items()})
    return env


def elearn_command(env: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the `elearn` console script (e.g. "db", "upgrade") as a separate process with env."""
    return subprocess.run([str(ELEARN), *args], cwd=PROJECT, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def elearn_commands(env: dict, runs: list[tuple[str, ...]], timeout: float = 120,
                    gate: Gate | None = None) -> list[subprocess.CompletedProcess]:
    """Start every run of the `elearn` console script at once (as several machines' cron would) and
    wait for all; their results in the order given. With a gate (held from before the start), the
    runs are let through it only once every one of them is waiting at it: they then provably work
    at the same time."""
    processes = [subprocess.Popen([str(ELEARN), *args], cwd=PROJECT, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for args in runs]
    if gate is not None:
        gate.open_when_waiting(processes)
    results = []
    for args, process in zip(runs, processes, strict=True):
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
        results.append(subprocess.CompletedProcess([str(ELEARN), *args], process.returncode, stdout,
                                                   stderr))
    return results


class Gate:
    """A PostgreSQL lock the test holds in its own transaction (e.g. LOCK TABLE … or
    pg_advisory_xact_lock) that the commands block on; `waiting` counts, from pg_locks, the other
    backends waiting for it. open_when_waiting releases it once `expected` of them wait, and records
    how many did (`seen`)."""

    def __init__(self, engine, hold: list[str], waiting: str, expected: int, timeout: float = 90):
        self.engine, self.hold, self.waiting, self.expected, self.timeout = (engine, hold, waiting,
                                                                             expected, timeout)
        self.seen = 0
        self.connection = None

    def __enter__(self) -> Gate:
        from sqlalchemy import text

        self.connection = self.engine.connect()
        for statement in self.hold:
            self.connection.execute(text(statement))
        return self

    def open_when_waiting(self, processes: list[subprocess.Popen]) -> None:
        from sqlalchemy import text

        deadline = time.monotonic() + self.timeout
        with self.engine.connect() as probe:
            while time.monotonic() < deadline and all(p.poll() is None for p in processes):
                self.seen = probe.execute(text(self.waiting)).scalar_one()
                probe.commit()
                if self.seen >= self.expected:
                    break
                time.sleep(0.1)
        self.connection.rollback()

    def __exit__(self, *exc) -> None:
        self.connection.rollback()
        self.connection.close()


def start_instances(count: int, env: dict, logs: Path, workers: int = 2,
                    timeout: float = 60) -> list[AppInstance]:
    """count instances on free ports, started side by side; all stopped again if any fails."""
    instances = [AppInstance(free_port(), env, workers=workers, log=logs / f"instance-{number + 1}.log")
                 for number in range(count)]
    try:
        for instance in instances:
            instance.launch()
        for instance in instances:
            instance.ready(timeout)
    except BaseException:
        stop_instances([instance for instance in instances if instance.process])
        raise
    return instances
