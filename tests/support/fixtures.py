"""Fixtures for the endpoint tests: stores on both backends, the forms, a real server."""
from __future__ import annotations

import functools
import shutil
import ssl
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import httpx
import pytest
import uvicorn

from generator import PROJECT_ROOT
from generator.core.config import EndpointSettings
from generator.submissions.store import Store, open_store
from generator.web.server import uvicorn_config
from tests.support.postgres import Postgres, free_port, start_postgres, stop_postgres

FIXTURE_FORMS = Path(__file__).resolve().parent.parent / "fixtures" / "endpoint" / "forms"


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    server = start_postgres()
    try:
        yield server
    finally:
        stop_postgres(server)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'submissions.db'}"
        return
    server = request.getfixturevalue("postgres")
    url = server.new_database()
    yield url
    server.give_back(url)


def test_keys() -> tuple[Any, Any]:
    """A data key and a lookup key made for one test (what secure_store.py loads from files)."""
    from generator.submissions import crypto

    return crypto.EncryptedCodec(crypto.DataKeys([crypto.new_key()])), crypto.LookupKey(crypto.new_key())


def migrate_to_step(store: Store, cur: Any, version: int) -> None:
    """Lay out the database as release `version` of the migrations left it (inside `cur`'s
    transaction), for the tests that upgrade an older database."""
    from generator.submissions import migrations

    cur.execute(migrations.VERSION_TABLE)
    for step in migrations.MIGRATIONS[:version]:
        for statement in step.statements(store.dialect):
            cur.execute(statement)
        cur.execute(store._sql("INSERT INTO schema_version (version, title) VALUES (?, ?)"), (step.version, step.title))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    # Encrypted, as the endpoint and the commands open it, with lookup hashes for the real forms.
    from generator.submissions.identifiers import Indexer

    codec, lookup = test_keys()
    opened = open_store(store_url, codec=codec, indexer=Indexer(lookup, {}))
    opened.migrate()
    try:
        yield opened
    finally:
        opened.close()


def form_files() -> list[Path]:
    """The real forms in forms/ and the test's own fixture form (one of every field kind)."""
    files = {p.name: p for p in FIXTURE_FORMS.glob("*.yml")}
    files.update({p.name: p for p in (PROJECT_ROOT / "forms").glob("*.yml")})
    return sorted(files.values(), key=lambda p: p.name)


def make_project(root: Path, form_paths: Iterable[Path]) -> Path:
    """A project folder for tests: these form files, the policy's channels (staff pick one
    when they enter a request received elsewhere), the reply templates and the key files the commands and
    open_secure_store read by default (<root>/data/keys/)."""
    (root / "forms").mkdir()
    for path in form_paths:
        shutil.copy2(path, root / "forms" / path.name)
    (root / "content").mkdir()
    shutil.copy2(PROJECT_ROOT / "content" / "channels.yml", root / "content" / "channels.yml")
    shutil.copy2(PROJECT_ROOT / "content" / "replies.yml", root / "content" / "replies.yml")  # the staff's replies
    from generator.submissions.commands import keys

    assert keys(root, action="create") == 0
    return root


def checked_forms(root: Path) -> dict[str, Any]:
    """The forms of a test project, loaded and checked: none may have a problem."""
    from generator.core.problems import Problems
    from generator.forms import load_forms

    problems = Problems()
    loaded = load_forms(root, problems)
    assert not problems.errors, "\n".join(map(str, problems.errors))
    assert loaded, "no forms to test with"
    return loaded


@pytest.fixture(scope="session")
def forms_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("project"), form_files())


@pytest.fixture(scope="session")
def forms(forms_root: Path) -> dict[str, Any]:
    return checked_forms(forms_root)


def make_settings(root: Path, database_url: str, **overrides: Any) -> EndpointSettings:
    values: dict[str, Any] = dict(root=root, database_url=database_url, site_dir=root / "site",
                                  rate_limit=None)
    values.update(overrides)
    return EndpointSettings(**values)


class LiveServer:
    """uvicorn (uvloop + httptools, as in production) in a thread on a free port."""

    def __init__(self, app: Any, **options: Any) -> None:
        options = {"log_level": "warning", "access_log": False, **options}
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn_config(app, host="127.0.0.1", port=self.port, **options))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)

    def open_store(self) -> Store:
        """A second handle on the server's database, with the server's keys (answers are encrypted)."""
        from generator.submissions.secure_store import open_secure_store

        endpoint = self.app.state.endpoint
        return open_secure_store(endpoint.settings, endpoint.forms)

    def client(self, **kwargs: Any) -> httpx.Client:
        kwargs.setdefault("verify", default_tls_context())
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=20, **kwargs)


@functools.cache
def default_tls_context() -> ssl.SSLContext:
    """httpx's default verification context, made once: each new httpx.Client otherwise reads the
    whole CA bundle again (~20 ms idle, 70 ms under load, for a server on plain http)."""
    return httpx.create_ssl_context()


@pytest.fixture
def live() -> Iterator[Callable[[Any], LiveServer]]:
    servers: list[LiveServer] = []

    def start(app: Any) -> LiveServer:
        server = LiveServer(app).__enter__()
        servers.append(server)
        return server

    yield start
    for server in reversed(servers):
        server.__exit__(None, None, None)
