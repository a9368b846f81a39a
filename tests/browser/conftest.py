"""Browser tests: the app served on a loopback port, driven by Debian's Chromium via Playwright,
with axe-core (vendored from the npm package) scanning pages for accessibility violations."""

from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from elearn import create_app
from elearn.extensions import db
from elearn.modules.auth import services as accounts
from elearn.modules.auth.models import Role
from elearn.modules.units.models import UnitKind
from elearn.modules.units.services import create_unit
from tests.conftest import BASE_CONFIG, PASSWORD, skip_or_fail

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        skip_or_fail("Debian's chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def content_dir() -> str:
    """The course the live app serves: the small test course unless a test overrides this."""
    return BASE_CONFIG["CONTENT_DIR"]


@pytest.fixture
def live_app(sqlite_template, tmp_path, content_dir):
    path = tmp_path / "live.sqlite"
    shutil.copy(sqlite_template, path)
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                      "CONTENT_DIR": content_dir})
    app.instance_path = str(tmp_path)
    return app


@pytest.fixture
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with live_app.app_context():
        db.engine.dispose()


@pytest.fixture
def seed(live_app):
    """Run fn inside the live app's context and commit, for arranging data."""

    def run(fn, *args, **kwargs):
        with live_app.app_context():
            result = fn(*args, **kwargs)
            db.session.commit()
            return result

    return run


# A 4xx page the test provokes on purpose (a wrong password, a form error) is logged by Chromium.
EXPECTED_ERROR = re.compile(r"Failed to load resource: the server responded with a status of 4\d\d")


class PageErrors(list):
    """Console errors and CSP violations a page reported; a test ends with none."""


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="en-GB")
    page = context.new_page()
    errors = PageErrors()
    page.on("console", lambda msg: msg.type == "error" and not EXPECTED_ERROR.match(msg.text)
            and errors.append(msg.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    yield page
    context.close()
    assert not errors, f"the page reported errors: {errors}"


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core on the page (injected through the DevTools protocol, so CSP still applies to
    the page itself) and return the violations of the given impact levels."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate("source => { (0, eval)(source); }", AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in impacts]


@pytest.fixture
def assert_accessible():
    def check(page):
        violations = axe_violations(page)
        assert violations == [], f"axe-core found violations on {page.url}: {violations}"

    return check


def _people() -> dict[str, str]:
    unit = create_unit("Patrulje Horsens", "PAT-HOR", UnitKind.TEAM)
    learner = accounts.create_user("Mette Sørensen", "mette@politi.example", [Role.LEARNER],
                                   unit_id=unit.id, password=PASSWORD)
    admin = accounts.create_user("Ada Admin", "ada@politi.example", [Role.ADMIN],
                                 unit_id=unit.id, password=PASSWORD)
    return {"learner": learner.email, "admin": admin.email}


@pytest.fixture
def people(seed) -> dict[str, str]:
    """E-mail addresses of a learner and an admin in one unit, both with the test password."""
    return seed(_people)


def log_in(page, email: str, wait: bool = True) -> None:
    """Log in through the form, as a person would (located by id, so it works in either language)."""
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    if wait:
        page.wait_for_url("**/")
