"""Simulated people for the load test: each an asyncio task with its own httpx client (cookies, an
X-Forwarded-For address as a load balancer would add), clicking through the real pages and forms
with think times, timing every request and keeping a ledger of what the server said succeeded."""

from __future__ import annotations

import asyncio
import random
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser

import httpx

from bench.load_data import LAST_QUIZ, PASSWORD, plain

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SESSION_LINK = re.compile(r'href="/workshops/sessions/(\d+)"')
QUESTION_NUMBER = re.compile(r"^Question [\d.]+\s*")
REPORT_PATH = "key-officer"
#: (action name, URL) of what a coordinator looks at, and exports.
REPORTS = (("reports", "/reports/"), ("report completion", f"/reports/completion?path={REPORT_PATH}"),
           ("report certification", f"/reports/certification?path={REPORT_PATH}"),
           ("report coverage", "/reports/coverage"), ("report trends", "/reports/trends"),
           ("report assignments", "/reports/assignments"), ("item analysis", "/quizzes/analysis"),
           ("export csv", f"/reports/completion.csv?path={REPORT_PATH}"),
           ("export xlsx", f"/reports/completion.xlsx?path={REPORT_PATH}"),
           ("export csv", "/reports/coverage.csv"), ("export xlsx", "/reports/trends.xlsx"))
#: A learner's next step, by weight (a near-done learner takes the last quiz first).
LEARNER_STEPS = (("read", 35), ("quiz", 25), ("dashboard", 15), ("register", 12), ("cancel", 5),
                 ("browse", 8))


@dataclass
class Ledger:
    """What the server confirmed, per the pages it sent back."""

    attempts_started: dict[int, str] = field(default_factory=dict)  # attempt id -> e-mail
    attempts_submitted: set[int] = field(default_factory=set)
    answers: dict[int, int] = field(default_factory=dict)  # attempt id -> questions answered
    registrations: set[tuple[int, str]] = field(default_factory=set)  # (session id, e-mail)
    cancellations: set[tuple[int, str]] = field(default_factory=set)
    read: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # e-mail -> (module, section)
    passed: dict[str, set[str]] = field(default_factory=dict)  # e-mail -> quiz slugs


@dataclass
class Stats:
    times: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # 5xx and transport failures, with their URL
    surprises: list[str] = field(default_factory=list)  # a page that did not say what it should
    logged_out: int = 0  # redirects to the log-in page of a logged-in person
    unfinished: int = 0  # people still busy when the run's grace time ran out
    in_time: int = 0  # answers received before the time was up
    done: list[tuple[float, float]] = field(default_factory=list)  # (when answered, seconds taken)
    arrived: float = 0.0  # when the last person's first log-in went through

    def record(self, action: str, seconds: float | None, status: str) -> None:
        if seconds is not None:
            self.times.setdefault(action, []).append(seconds)
        counts = self.statuses.setdefault(action, {})
        counts[status] = counts.get(status, 0) + 1

    @property
    def requests(self) -> int:
        return sum(sum(c.values()) for c in self.statuses.values())


class Surprise(Exception):
    """The page was not what the step expected; the person moves on to another step."""


class QuizPage(HTMLParser):
    """The questions of a quiz page: legend, choices (type, name, value, label) and ordering selects."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.questions: list[dict] = []
        self._labels: dict[str, str] = {}
        self._label_for: str | None = None
        self._legend = False
        self._buffer: list[str] = []
        self.feed(text)
        for question in self.questions:
            question["choices"] = [(kind, name, value, plain(self._labels.get(ident, "")))
                                   for kind, name, value, ident in question["choices"]]
            question["selects"] = [(name, plain(self._labels.get(ident, "")))
                                   for name, ident in question["selects"]]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "fieldset" and "question" in (a.get("class") or ""):
            self.questions.append({"legend": "", "choices": [], "selects": []})
        elif tag == "legend" and self.questions:
            self._legend, self._buffer = True, []
        elif tag == "label" and a.get("for"):
            self._label_for, self._buffer = a["for"], []
        elif tag == "input" and a.get("type") in ("radio", "checkbox") and self.questions:
            self.questions[-1]["choices"].append((a["type"], a["name"], a["value"], a.get("id")))
        elif tag == "select" and self.questions:
            self.questions[-1]["selects"].append((a["name"], a.get("id")))

    def handle_endtag(self, tag):
        if tag == "legend" and self._legend:
            self._legend = False
            self.questions[-1]["legend"] = QUESTION_NUMBER.sub("", plain("".join(self._buffer)))
        elif tag == "label" and self._label_for:
            self._labels[self._label_for] = "".join(self._buffer)
            self._label_for = None

    def handle_data(self, data):
        if self._legend or self._label_for:
            self._buffer.append(data)


def answers_for(page: QuizPage, key: dict, prepared: bool, rng: random.Random) -> list[tuple[str, str]]:
    """Form fields answering every question on the page: right when prepared, else by chance."""
    fields = []
    for q in page.questions:
        text = q["legend"]
        if q["selects"]:
            order = key["orders"].get(text) if prepared else None
            labels = [label for _name, label in q["selects"]]
            places = ([order.index(label) + 1 for label in labels] if order and set(labels) <= set(order)
                      else rng.sample(range(1, len(labels) + 1), len(labels)))
            fields += [(name, str(place)) for (name, _label), place in zip(q["selects"], places, strict=True)]
            continue
        choices = q["choices"]
        right = [c for c in choices if key["choices"].get((text, c[3]))] if prepared else []
        if choices and choices[0][0] == "radio":
            picked = right[:1] or [rng.choice(choices)]
        else:
            picked = right or rng.sample(choices, rng.randint(1, len(choices)))
        fields += [(name, value) for _kind, name, value, _label in picked]
    return fields


@dataclass
class Site:
    """What every simulated person shares: where the servers are, what there is, and the tallies."""

    bases: list[str]
    modules: dict[str, list[str]]  # module slug -> section ids
    quizzes: list[str]
    answer_key: dict
    deadline: float
    think: float
    ramp: float  # people arrive at random within this many seconds of the start
    stats: Stats = field(default_factory=Stats)
    ledger: Ledger = field(default_factory=Ledger)
    turn: int = 0

    def base(self) -> str:
        """The next server, in turn: a load balancer without sticky sessions."""
        self.turn += 1
        return self.bases[self.turn % len(self.bases)]


class Person:
    def __init__(self, site: Site, number: int, email: str, near_done: bool, seed: int) -> None:
        self.site, self.email, self.near_done = site, email, near_done
        self.rng = random.Random(seed)
        self.prepared = near_done or self.rng.random() < 0.3
        self.tried_last = not near_done
        self.arrived = False
        self.touched: set[int] = set()  # sessions registered for (never twice: one e-mail each)
        self.mine: set[int] = set()  # ...still held
        address = f"10.{20 + number // 250}.{number % 250}.{1 + number % 200}"
        self.client = httpx.AsyncClient(headers={"X-Forwarded-For": address, "Accept-Language": "en"},
                                        timeout=httpx.Timeout(120), follow_redirects=False)

    # -- HTTP -----------------------------------------------------------------------------------
    async def call(self, action: str, method: str, path: str, **kwargs) -> httpx.Response:
        url = self.site.base() + path
        began = time.perf_counter()
        try:
            response = await self.client.request(method, url, **kwargs)
        except httpx.HTTPError as error:
            self.site.stats.record(action, None, type(error).__name__)
            self.site.stats.errors.append(f"{action}: {method} {path}: {type(error).__name__} {error}")
            raise Surprise(action) from error
        self.site.stats.record(action, time.perf_counter() - began, str(response.status_code))
        self.site.stats.in_time += not self.over()
        self.site.stats.done.append((time.monotonic(), time.perf_counter() - began))
        if response.status_code >= 500:
            self.site.stats.errors.append(f"{action}: {method} {path}: {response.status_code}")
            raise Surprise(action)
        location = response.headers.get("location", "")
        if response.is_redirect and location.startswith("/login") and not path.startswith("/log"):
            self.site.stats.logged_out += 1
            raise Surprise(f"{action}: sent to the log-in page")
        return response

    async def get(self, action: str, path: str, expect: int = 200) -> httpx.Response:
        response = await self.call(action, "GET", path)
        if response.status_code != expect:
            self.surprise(f"{action}: GET {path} answered {response.status_code}")
        return response

    async def post(self, action: str, path: str, data, token: str, **kwargs) -> httpx.Response:
        body: dict[str, list[str]] = {"csrf_token": [token]}
        for name, value in data.items() if isinstance(data, dict) else data:
            body.setdefault(name, []).append(value)
        return await self.call(action, "POST", path, data=body, **kwargs)

    async def follow(self, action: str, response: httpx.Response) -> httpx.Response:
        if not response.is_redirect:
            self.surprise(f"{action}: {response.request.url.path} answered {response.status_code}, "
                          "not a redirect")
        return await self.get(action, response.headers["location"])

    def surprise(self, text: str):
        self.site.stats.surprises.append(f"{self.email}: {text}")
        raise Surprise(text)

    def token(self, response: httpx.Response) -> str:
        found = TOKEN.search(response.text)
        if not found:
            self.surprise(f"no CSRF token on {response.request.url.path}")
        return found.group(1)

    def over(self) -> bool:
        return time.monotonic() >= self.site.deadline

    async def think(self, factor: float = 1.0) -> None:
        await asyncio.sleep(self.rng.uniform(0.5, 1.5) * self.site.think * factor)

    # -- steps ----------------------------------------------------------------------------------
    async def log_in(self) -> None:
        page = await self.get("login page", "/login")
        await self.think(0.5)
        response = await self.post("login", "/login", {"email": self.email, "password": PASSWORD},
                                   self.token(page))
        if response.status_code != 302:
            self.surprise(f"log-in answered {response.status_code}")
        await self.follow("dashboard", response)

    async def log_out(self) -> None:
        page = await self.get("dashboard", "/")
        await self.post("logout", "/logout", {}, self.token(page))

    async def read(self) -> None:
        slug = self.rng.choice(sorted(self.site.modules))
        await self.get("module", f"/modules/{slug}")
        sections = self.site.modules[slug]
        start = self.rng.randrange(len(sections))
        for section_id in sections[start:start + self.rng.randint(1, 3)]:
            if self.over():
                return
            await self.think()
            page = await self.get("section", f"/modules/{slug}/{section_id}")
            await self.think()
            response = await self.post("mark read", f"/modules/{slug}/{section_id}/read", {},
                                       self.token(page))
            if response.status_code != 302:
                self.surprise(f"mark read answered {response.status_code}")
            self.site.ledger.read.setdefault(self.email, set()).add((slug, section_id))

    async def quiz(self, slug: str) -> None:
        overview = await self.get("quiz overview", f"/quizzes/{slug}")
        forms = overview.text.count(f'action="/quizzes/{slug}/start"')
        if forms - ('value="refresher"' in overview.text) < 1:
            return  # passed, waiting out the cooldown, or an attempt open (not in this mix)
        await self.think()
        started = await self.post("quiz start", f"/quizzes/{slug}/start", {}, self.token(overview))
        found = re.search(r"/attempts/(\d+)/1$", started.headers.get("location", ""))
        if not found:
            self.surprise(f"quiz start answered {started.status_code} {started.headers.get('location')}")
        attempt = int(found.group(1))
        self.site.ledger.attempts_started[attempt] = self.email
        answered: set[str] = set()
        location = started.headers["location"]
        prepared = self.prepared or (slug == LAST_QUIZ and self.near_done)
        while "/finish" not in location:
            if self.over():
                return  # time is up: the attempt stays open, as when someone closes the tab
            page = await self.get("quiz page", location)
            fields = answers_for(QuizPage(page.text), self.site.answer_key[slug], prepared, self.rng)
            token = self.token(page)
            await self.think()
            if self.rng.random() < 0.3:  # the page's script saves the answers as they are given
                saved = await self.post("quiz autosave", location, fields, token,
                                        headers={"Accept": "application/json"})
                if saved.status_code != 200 or not saved.json().get("saved"):
                    self.surprise(f"autosave answered {saved.status_code}")
                answered |= {name.split("-")[0] for name, _value in fields}
                self.site.ledger.answers[attempt] = len(answered)
                await self.think()
            action = "next" if 'value="next"' in page.text else "finish"
            saved = await self.post("quiz save", location, [*fields, ("action", action)], token)
            if saved.status_code != 302:
                self.surprise(f"quiz save answered {saved.status_code}")
            answered |= {name.split("-")[0] for name, _value in fields}
            self.site.ledger.answers[attempt] = len(answered)
            location = saved.headers["location"]
        finish = await self.get("quiz finish", location)
        await self.think()
        submitted = await self.post("quiz submit", f"/attempts/{attempt}/submit", {}, self.token(finish))
        if not submitted.headers.get("location", "").endswith(f"/attempts/{attempt}/result"):
            self.surprise(f"submit answered {submitted.status_code} {submitted.headers.get('location')}")
        self.site.ledger.attempts_submitted.add(attempt)
        result = await self.follow("quiz result", submitted)
        if "result-pass" in result.text:
            self.site.ledger.passed.setdefault(self.email, set()).add(slug)

    async def register(self) -> None:
        listing = await self.get("workshops", "/workshops")
        offered = sorted({int(i) for i in SESSION_LINK.findall(listing.text)} - self.touched)
        if not offered:
            return
        session_id = self.rng.choice(offered)
        page = await self.get("workshop session", f"/workshops/sessions/{session_id}")
        if f'action="/workshops/sessions/{session_id}/register"' not in page.text:
            return  # invitation only, closed
        await self.think()
        self.touched.add(session_id)
        response = await self.post("register", f"/workshops/sessions/{session_id}/register", {},
                                   self.token(page))
        after = await self.follow("workshop session", response)
        if f'action="/workshops/sessions/{session_id}/cancel"' in after.text:
            self.site.ledger.registrations.add((session_id, self.email))
            self.mine.add(session_id)
        elif "You are registered" in after.text or "on the waiting list" in after.text:
            self.surprise(f"registered for session {session_id} but no way to cancel")

    async def cancel(self) -> None:
        if not self.mine:
            return
        session_id = self.rng.choice(sorted(self.mine))
        page = await self.get("workshop session", f"/workshops/sessions/{session_id}")
        await self.think()
        response = await self.post("cancel", f"/workshops/sessions/{session_id}/cancel", {"reason": ""},
                                   self.token(page))
        after = await self.follow("workshop session", response)
        if "Your registration is cancelled." not in after.text:
            self.surprise(f"cancelling session {session_id} was not confirmed")
        self.site.ledger.cancellations.add((session_id, self.email))
        self.mine.discard(session_id)

    async def browse(self) -> None:
        path = self.rng.choice(("/modules", "/workshops", "/reference", "/search?q=stalking"))
        await self.get("browse", path)

    # -- lives ----------------------------------------------------------------------------------
    async def learner(self) -> None:
        await self.living(self.learner_step)

    async def coordinator(self) -> None:
        await self.living(self.coordinator_step)

    async def learner_step(self) -> None:
        if not self.tried_last:
            self.tried_last = True
            await self.quiz(LAST_QUIZ)
            return
        step = self.rng.choices([s for s, _w in LEARNER_STEPS], [w for _s, w in LEARNER_STEPS])[0]
        if step == "quiz":
            await self.quiz(self.rng.choice(self.site.quizzes))
        elif step == "dashboard":
            await self.get("dashboard", "/")
        else:
            await getattr(self, step)()

    async def coordinator_step(self) -> None:
        action, path = self.rng.choice(REPORTS)
        await self.get(action, path)
        await self.think(1.5)

    async def living(self, step) -> None:
        """Log in, take steps with think times until the deadline, now and then log out and in again."""
        await asyncio.sleep(self.rng.uniform(0, self.site.ramp))  # people arrive over time
        try:
            while not self.over():
                try:
                    await self.log_in()
                    if not self.arrived:
                        self.arrived = True
                        self.site.stats.arrived = max(self.site.stats.arrived, time.monotonic())
                    for _ in range(self.rng.randint(20, 60)):
                        if self.over():
                            return
                        await self.think()
                        try:
                            await step()
                        except Surprise:
                            await self.think()
                    await self.log_out()
                except Surprise:
                    await self.think(3)
        finally:
            await self.client.aclose()


def cast(site: Site, learners: list[str], near_done: set[str], coordinators: list[str]) -> list[Person]:
    people = [Person(site, n, email, email in near_done, n) for n, email in enumerate(learners)]
    return people + [Person(site, len(learners) + n, email, False, 10_000 + n)
                     for n, email in enumerate(coordinators)]
