"""Content benchmarks: loading 50 generated modules (cold and with the render cache), and serving a
module section under gunicorn (2 workers) against a trivial /hello route of the same app.

Run: .venv/bin/python bench/bench_content.py [--modules 50] [--seconds 10]
Needs wrk (apt-get install wrk) for the throughput part; prints figures, asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from elearn.modules.courses.loader import load

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "benchmark passphrase 2026"
ROUNDS = 5
PARAGRAPH = ("Stalking er en systematisk og vedvarende række af kontaktforsøg og adfærd, som den "
             "udsatte oplever som grænseoverskridende og skræmmende. Betjenten noterer hver "
             "hændelse med dato, tid og sted, og henviser til [næste modul]({link}). ")


def generate(root: Path, count: int) -> int:
    """count modules in both languages, about 2,000 words each; returns the word count of one."""
    for folder in ("modules", "reference", "media", "quizzes"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    words = 0
    for number in range(count):
        slug = f"module-{number:02d}"
        target = f"module-{(number + 1) % count:02d}"
        for locale in ("da", "en"):
            sections = []
            for section in range(6):
                body = "\n\n".join(PARAGRAPH.format(link=f"{target}.{locale}.md#s{section}") * 3
                                   for _ in range(4))
                sections.append(f"## Afsnit {section} {{#s{section}}}\n\n{body}\n\n### Tabel\n\n"
                                "| Begreb | Betydning |\n|:--|:--|\n| tilhold | forbud |\n\n"
                                "!!! note \"Husk\"\n    Notér alt.\n")
            text = "\n".join(sections)
            words = len(text.split())
            (root / "modules" / f"{slug}.{locale}.md").write_text(
                f"---\nschema: 1\nslug: {slug}\ntitle: Modul {number}\nsummary: Et modul.\n"
                f"audience: [recruit]\nminutes: 20\nversion: \"1.0\"\nreviewed: 2026-11-27\n---\n"
                f"Intro.\n\n{text}\n", encoding="utf-8")
    modules = ", ".join(f"module-{n:02d}" for n in range(count))
    (root / "paths.yaml").write_text(
        f"schema: 1\npaths:\n  - slug: all\n    title: {{da: Alle, en: All}}\n"
        f"    modules: [{modules}]\n", encoding="utf-8")
    return words


def time_loading(count: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="elearn-bench-content-"))
    try:
        words = generate(folder / "content", count)
        cache = folder / "cache"
        for label in ("cold (renders everything)", "warm (render cache)", "warm again"):
            started = time.perf_counter()
            result = load(folder / "content", cache)
            elapsed = time.perf_counter() - started
            assert not result.problems, result.problems[:3]
            print(f"load {count} modules x 2 languages (~{words} words each), {label}: "
                  f"{elapsed * 1000:.0f} ms ({result.rendered} rendered, {result.cached} cached)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url: str, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310  (loopback only)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def _login(base: str) -> str:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"email": "bench@politi.example", "password": PASSWORD,
                                   "csrf_token": token}).encode()
    opener.open(f"{base}/login", data=data)
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def _wrk(url: str, cookie: str, seconds: int) -> float:
    output = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "-H", f"Cookie: {cookie}", url],
                            capture_output=True, text=True, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise RuntimeError(f"{url}: {non_2xx.group(1)} failed responses")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def _prepare(folder: Path, env: dict) -> None:
    setup = ("from flask_migrate import upgrade\nfrom elearn import create_app\n"
             "from elearn.extensions import db\nfrom elearn.modules.auth.services import create_user\n"
             "from elearn.modules.auth.models import Role\napp = create_app()\n"
             "with app.app_context():\n    upgrade()\n"
             f"    create_user('Bench', 'bench@politi.example', [Role.LEARNER], password='{PASSWORD}')\n"
             "    db.session.commit()\n")
    subprocess.run([sys.executable, "-c", setup], env=env, check=True, cwd=ROOT,
                   capture_output=True)


def throughput(seconds: int) -> None:
    if not shutil.which("wrk"):
        print("throughput: skipped, wrk is not installed (apt-get install wrk)")
        return
    folder = Path(tempfile.mkdtemp(prefix="elearn-bench-serve-"))
    port = _free_port()
    env = {**os.environ, "ELEARN_DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite'}",
           "ELEARN_SECRET_KEY": "bench",
           "ELEARN_CONTENT_DIR": os.environ.get("BENCH_CONTENT_DIR", str(ROOT / "content"))}
    _prepare(folder, env)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                               "--log-level", "warning", "bench.bench_app:create()"],
                              env=env, cwd=ROOT)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait(f"{base}/healthz")
        cookie = _login(base)
        section = _first_section(base, cookie)
        _wrk(f"{base}/hello", cookie, 2)
        _wrk(f"{base}{section}", cookie, 2)
        # Alternate the two, so drift in the machine's speed falls on both alike; report medians.
        hellos, pages = [], []
        for _ in range(ROUNDS):
            hellos.append(_wrk(f"{base}/hello", cookie, seconds))
            pages.append(_wrk(f"{base}{section}", cookie, seconds))
        hello, page = statistics.median(hellos), statistics.median(pages)
        print(f"gunicorn 2 workers, wrk 2 threads x 16 connections, {ROUNDS} alternating rounds of "
              f"{seconds} s, medians:")
        print(f"  GET /hello: {hello:.0f} req/s  (rounds: {', '.join(f'{h:.0f}' for h in hellos)})")
        print(f"  GET {section} (logged in): {page:.0f} req/s  "
              f"(rounds: {', '.join(f'{p:.0f}' for p in pages)})")
        print(f"  ratio module page / hello: {page / hello:.2f} (goal >= 0.50)")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        shutil.rmtree(folder, ignore_errors=True)


def _first_section(base: str, cookie: str) -> str:
    request = urllib.request.Request(f"{base}/modules", headers={"Cookie": cookie})
    page = urllib.request.urlopen(request).read().decode()  # noqa: S310  (loopback only)
    module = re.search(r'href="(/modules/[a-z0-9-]+)"', page).group(1)
    request = urllib.request.Request(f"{base}{module}", headers={"Cookie": cookie})
    page = urllib.request.urlopen(request).read().decode()  # noqa: S310
    return re.search(rf'href="({module}/[A-Za-z0-9_-]+)"', page).group(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--modules", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=4, help="per round; 5 rounds per route")
    args = parser.parse_args()
    time_loading(args.modules)
    throughput(args.seconds)


if __name__ == "__main__":
    main()
