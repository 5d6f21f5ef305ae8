"""Real-browser fixtures: the app served on a loopback port, driven by Playwright in Debian's Chromium.

Chromium is never downloaded: the tests launch /usr/bin/chromium (CHROMIUM_PATH to override). Where it is absent
the browser tests skip and say why; with MOU_REQUIRE_BROWSER=1 (set by .ci/run) they fail instead.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
#: Where each journey leaves screenshots of its key pages (named in the README).
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

# Flags that keep Chromium quiet on a machine with a closed network and no display.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(reason: str):
    if os.environ.get("MOU_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required here, but {reason}")
    pytest.skip(reason)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        _unavailable(f"Chromium is not installed at {CHROMIUM} (Debian: apt-get install chromium)")
    if not AXE.exists():
        _unavailable(f"axe-core is not installed at {AXE} (run: npm ci --prefix tests/browser)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is in requirements.txt
        _unavailable("Playwright for Python is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app, demo):
    """The app (with the demo negotiation loaded) served by Werkzeug on 127.0.0.1 on a free port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", demo
    server.shutdown()
    thread.join(timeout=10)


class Person:
    """One user in their own browser context (own cookies), who signs in through the sign-in page."""

    def __init__(self, browser, base_url: str, login: str, password: str, language: str, shots: Path):
        # bypass_csp lets the test inject axe-core; the app's own pages are still served with their CSP header.
        self.context = browser.new_context(base_url=base_url, bypass_csp=True, viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        #: Every confirmation the app asked for, in order; the user confirms what they asked for.
        self.dialogs: list[str] = []
        self.page.on("dialog", self._confirm)
        self.login, self.password, self.language, self.shots = login, password, language, shots

    def _confirm(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.accept()

    def sign_in(self):
        page = self.page
        page.goto("/login")
        if self.language != "en":
            page.get_by_role("button", name={"ru": "Русский"}[self.language]).click()
        page.locator("input[name=login]").fill(self.login)
        page.locator("input[name=password]").fill(self.password)
        page.locator("form:not(.interface-language) [type=submit]").click()
        page.wait_for_load_state()
        assert "/login" not in page.url, f"{self.login} could not sign in"
        return page

    def shot(self, name: str):
        self.shots.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)

    def close(self):
        self.context.close()


@pytest.fixture
def people(chromium, live_server, request):
    """people(login, language) -> a signed-in Person; screenshots go under artifacts/screenshots/<language>/."""
    base_url, passwords = live_server
    opened: list[Person] = []

    def open_person(login: str, language: str = "en") -> Person:
        person = Person(chromium, base_url, login, passwords[login], language, SCREENSHOTS / language)
        opened.append(person)
        person.sign_in()
        return person

    yield open_person
    for person in opened:
        person.close()


def axe_violations(page, *, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core on the page; the violations of the given impacts, each with its rule and first targets."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"rule": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def _catalog(language: str):
    from babel.support import NullTranslations, Translations

    from mou_tracker import PROJECT_ROOT

    if language == "en":
        return NullTranslations()
    catalog = Translations.load(str(PROJECT_ROOT / "mou_tracker" / "translations"), [language])
    assert isinstance(catalog, Translations), f"no compiled {language} catalogue: run pybabel compile"
    return catalog


def labels(language: str):
    """The interface's words in `language`, looked up in the compiled catalogue: a journey run in Russian clicks
    exactly what a Russian user reads."""
    return _catalog(language).gettext


def context_labels(language: str):
    """As `labels`, for words the interface marks with a context (a meeting's state: «Завершено»)."""
    return _catalog(language).pgettext
