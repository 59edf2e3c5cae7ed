"""Fixtures for the notification tests: a real SMTP server (aiosmtpd on 127.0.0.1),
a project folder with the notify test form and keys, stores on both backends."""
from __future__ import annotations

import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from aiosmtpd.controller import Controller

from generator.core.config import Config, NotifySettings
from generator.submissions.store import Store
from tests.support.fixtures import checked_forms, make_project
from tests.support.postgres import free_port

FIXTURE_FORMS = Path(__file__).resolve().parents[1] / "fixtures" / "notify" / "forms"
CANARY = "CANARY-ANSWER-7f3a9c"
MAIL_FROM = ("", "noreply@qalb.example")


class Mailbox:
    """What the SMTP server received: the raw bytes of each message, as sent."""

    def __init__(self) -> None:
        self.raw: list[bytes] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.lock = threading.Lock()
        self.refuse: set[str] = set()  # recipients answered 550
        #: Called (in the server's thread) when a message's data has arrived, before it is accepted.
        self.before_accept: Callable[[bytes], None] | None = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.before_accept is not None:
            self.before_accept(bytes(envelope.original_content))
        with self.lock:
            self.raw.append(bytes(envelope.original_content))
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [message_from_bytes(raw, policy=policy.default) for raw in self.raw]  # type: ignore[misc]

    def wait_for(self, count: int, timeout: float = 30.0) -> list[EmailMessage]:
        """Wait until at least `count` messages arrived (a deadline, not a fixed sleep)."""
        deadline = time.monotonic() + timeout
        while len(self.raw) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.raw)} message(s) arrived, expected {count}")
            time.sleep(0.02)
        return self.messages()


class SmtpServer:
    """aiosmtpd on 127.0.0.1 (its own thread and loop); stop() and start() keep the port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        self.controller: Controller | None = None

    def start(self) -> SmtpServer:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def notify_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("notify-project"), FIXTURE_FORMS.glob("*.yml"))


@pytest.fixture(scope="session")
def notify_forms(notify_root: Path) -> dict[str, Any]:
    loaded = checked_forms(notify_root)
    assert "request" in loaded
    return loaded


def notify_settings(root: Path, database_url: str, smtp_url: str, **overrides: Any) -> NotifySettings:
    env = {"DATABASE_URL": database_url, "QALB_SMTP_URL": smtp_url, "QALB_MAIL_FROM": MAIL_FROM[1],
           "QALB_STAFF_URL": "https://staff.qalb.example/", "QALB_SITE_URL": "https://qalb.example/"}
    settings = Config(root, env).notify
    return NotifySettings(**{**settings.__dict__, **overrides})


@pytest.fixture
def open_planned(store_url: str, notify_root: Path) -> Iterator[Callable[..., Store]]:
    """Opens the store as the endpoint does, with `planner` for good (None: notifications
    off); every store it opened is closed after the test."""
    from generator.submissions.secure_store import open_secure_store

    opened: list[Store] = []

    def open_planned(forms: dict[str, Any], planner: Any) -> Store:
        settings = notify_settings(notify_root, store_url, "smtp://127.0.0.1:25")
        opened.append(open_secure_store(settings, forms, planner=planner))
        return opened[-1]

    try:
        yield open_planned
    finally:
        for store in opened:
            store.close()


@pytest.fixture
def planned_store(open_planned: Callable[..., Store], notify_forms: dict[str, Any]) -> Store:
    """The store as the endpoint opens it with notifications on: keys and the outbox planner."""
    from generator.submissions.notices import OutboxPlanner

    return open_planned(notify_forms, OutboxPlanner(notify_forms))


@pytest.fixture
def clock() -> Callable[..., Any]:
    """A clock the test moves: clock() is now, clock.move(seconds) moves it on."""
    import datetime as dt

    class Clock:
        def __init__(self) -> None:
            # A minute ahead, so what the test stores right after is due; then only moved by the test.
            self.now = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1)

        def __call__(self) -> dt.datetime:
            return self.now

        def move(self, seconds: float) -> None:
            self.now += dt.timedelta(seconds=seconds)

    return Clock()
