"""The staff workspace against a real uvicorn server on 127.0.0.1 (SQLite and PostgreSQL,
the `store_url` fixture), driven by httpx and by Debian's chromium (Playwright).

The app gets a clock the tests move (sessions, setup links, locks, TOTP codes
all read it) and an argon2id hasher with light parameters that counts its
verifications.
"""
from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import httpx
import pyotp
import pytest
from argon2 import PasswordHasher

from generator import PROJECT_ROOT
from generator.core.config import StaffSettings
from generator.staff.app import create_app
from tests.support.fixtures import LiveServer, make_settings

PASSWORD = "copper lantern orchard minus 47"
SECRET = re.compile(r'id="totp-secret">([A-Z2-7 ]+)<')
CSRF = re.compile(r'name="csrftoken" value="([^"]+)"')


class Clock:
    """Aware UTC time that only moves when a test moves it."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


class CountingHasher(PasswordHasher):
    """argon2id, light enough for tests, counting every verification."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8192, parallelism=1)
        self.verifications = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verifications += 1
        return super().verify(hash, password)


@dataclass
class Staff:
    """One running workspace and what the tests need around it."""

    server: LiveServer
    settings: StaffSettings
    clock: Clock
    hasher: CountingHasher
    workspace: Any
    forms: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def store(self) -> Any:
        return self.workspace.store

    def client(self) -> httpx.Client:
        return self.server.client()

    def add(self, email: str, role: str = "admin", forms: tuple[str, ...] = ()) -> str:
        """An account made in-process (the CLI is tested in test_setup_and_sign_in.py); its setup link."""
        return self.workspace.accounts.add(email, name=f"Test {role}", role=role, forms=list(forms),
                                           known_forms=sorted(self.forms), by="test")

    def code(self, secret: str) -> str:
        return pyotp.TOTP(secret.replace(" ", "")).at(self.clock())

    def audit(self, action: str) -> list[dict[str, Any]]:
        return [entry for entry in self.store.audit_entries() if entry["action"] == action]

    def set_up(self, client: httpx.Client, link: str, password: str = PASSWORD) -> tuple[str, list[str]]:
        """Open a setup link and finish it; (TOTP secret, recovery codes). The client is then signed in."""
        path = path_of(link)
        page = client.get(path)
        assert page.status_code == 200, page.text
        secret = SECRET.search(page.text)[1].replace(" ", "")  # type: ignore[index]
        done = client.post(path, data={"csrftoken": csrf(page.text), "password": password,
                                       "password_confirm": password, "code": self.code(secret)})
        assert done.status_code == 200, done.text
        codes = recovery_codes(done.text)
        assert len(codes) == 10
        return secret, codes

    def sign_in(self, client: httpx.Client, email: str, code: str, password: str = PASSWORD,
                next_path: str = "/staff/") -> httpx.Response:
        page = client.get("/staff/sign-in")
        return client.post("/staff/sign-in", data={"csrftoken": csrf(page.text), "email": email,
                                                   "password": password, "code": code, "next": next_path})


def recovery_codes(html: str) -> list[str]:
    """The recovery codes a page shows: 120 bits each, 6 groups of 4 base32 letters."""
    return re.findall(r'<code dir="ltr">([A-Z2-7]{4}(?:-[A-Z2-7]{4}){5})</code>', html)


def path_of(link: str) -> str:
    """The path of a setup link (its host is the workspace's public URL setting)."""
    return "/staff/" + link.split("/staff/", 1)[1]


def search(client: httpx.Client, query: str) -> httpx.Response:
    """A search as the form in every page's header posts it (never the words in an address)."""
    page = client.get("/staff/search")
    return client.post("/staff/search", data={"csrftoken": csrf(page.text), "q": query}) \
        if page.status_code == 200 else page


def csrf(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match[1]


@pytest.fixture
def staff(forms: dict[str, Any], forms_root: Path, store_url: str,
          live: Callable[[Any], LiveServer]) -> Callable[..., Staff]:
    """Start a workspace: staff(staff_url=..., **settings) -> Staff."""

    def start(**overrides: Any) -> Staff:
        values: dict[str, Any] = dict(root=forms_root, database_url=store_url, sign_in_limit=None,
                                      site_dir=None)
        values.update(overrides)
        settings = StaffSettings(**values)
        clock, hasher = Clock(), CountingHasher()
        app = create_app(settings=settings, forms=forms, clock=clock, hasher=hasher)
        server = live(app)
        return Staff(server, settings, clock, hasher, app.state.workspace, dict(forms))

    return start


@pytest.fixture
def both(forms: dict[str, Any], forms_root: Path, store_url: str, live: Callable[[Any], LiveServer]) -> Staff:
    """The endpoint and the workspace in one server, on one store."""
    from generator.endpoint.app import create_app as create_endpoint
    from generator.web.dispatch import PathDispatch

    endpoint = create_endpoint(settings=make_settings(forms_root, store_url), forms=forms)
    settings = StaffSettings(root=forms_root, database_url=store_url, sign_in_limit=None, site_dir=None)
    clock, hasher = Clock(), CountingHasher()
    staff_app = create_app(settings=settings, forms=forms, store=endpoint.state.endpoint.store, clock=clock,
                           hasher=hasher)
    server = live(PathDispatch({"/staff": staff_app}, endpoint))
    return Staff(server, settings, clock, hasher, staff_app.state.workspace, dict(forms))


def generator_cli(root: Path, db_url: str, *args: str, staff_url: str = "") -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": db_url, "PYTHONPATH": str(PROJECT_ROOT),
           "QALB_STAFF_URL": staff_url}
    return subprocess.run([sys.executable, "-m", "generator", "--root", str(root), *args],
                          capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=60)


@pytest.fixture(scope="package")
def browser(require_browser: None) -> Iterator[Any]:
    from generator.site.browser import launch_chromium
    from tests.browser.site import AxeReady

    with launch_chromium() as launched:
        yield AxeReady(launched)


@pytest.fixture
def tab(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()
