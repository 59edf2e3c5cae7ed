"""What the form tests share: the real endpoint on 127.0.0.1, answers to type, filling a form."""
from __future__ import annotations

import contextlib
import re
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.forms import Form, FormField, read_submission

# Values tried, in order, for a field with a pattern: the first that matches is typed.
PATTERN_CANDIDATES = ("1012345678", "2012345678", "0501234567", "+966501234567", "0112345678", "12345")
EMAIL = "amal.test@example.org"


@dataclass(frozen=True)
class Endpoint:
    url: str  # http://127.0.0.1:<port>/ : the built site and the endpoint, as `generator run` serves them
    database: Path  # the SQLite file it writes
    codec: Any  # the endpoint's own answers codec: stored answers are encrypted

    def record(self, reference: str) -> dict[str, Any] | None:
        # Read the file itself (what was committed), decrypting the answers with the endpoint's key.
        with contextlib.closing(sqlite3.connect(self.database)) as db:
            row = db.execute("SELECT form_id, language, status, answers FROM submissions WHERE reference = ?",
                             (reference,)).fetchone()
        if row is None:
            return None
        assert row[3].startswith("enc1:"), f"{reference}: answers are stored unencrypted"
        return {"form_id": row[0], "language": row[1], "status": row[2],
                "answers": self.codec.decode(row[3], reference)}


@contextlib.contextmanager
def serve_asgi(app: Any) -> Iterator[str]:
    """uvicorn in a thread on a free 127.0.0.1 port, for as long as the block runs."""
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the endpoint did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def form_url(endpoint: Endpoint, form_id: str, lang: str) -> str:
    return f"{endpoint.url}{'en/' if lang == 'en' else ''}forms/{form_id}/"


def _text(field: FormField, lang: str, n: int) -> str:
    if field.format == "email":
        return EMAIL
    pattern = field.constraints.get("pattern")
    if pattern:
        for candidate in PATTERN_CANDIDATES:
            if re.fullmatch(pattern, candidate):
                return candidate
        raise AssertionError(f"no test value matches the pattern of {field.name}: {pattern!r}; add one")
    if field.type in ("integer", "number"):
        return str(field.constraints.get("minimum", 1))
    if field.type == "date":
        return "2025-03-15"
    words = f"نص تجريبي رقم {n}" if lang == "ar" else f"A test answer number {n}"
    while len(words) < field.constraints.get("minLength", 0):
        words += " " + words
    return words[: field.constraints.get("maxLength", len(words))]


def answers(form: Form, lang: str, *, choice: int = 0) -> dict[str, Any]:
    """A valid answer to every field, as a person gives it: text typed, the
    `choice`-th option picked (or the first when there are fewer), boxes ticked."""
    given: dict[str, Any] = {}
    for n, field in enumerate(form.fields, 1):
        if field.files is not None:
            continue  # files are chosen, not typed (tests/browser/test_files.py; the endpoint's upload tests)
        if field.control == "checkbox":
            given[field.name] = True
        elif field.options:
            option = field.options[min(choice, len(field.options) - 1)]
            given[field.name] = [option.value] if field.control == "checkboxes" else option.value
        else:
            given[field.name] = _text(field, lang, n)
    posted = {name: ("true" if value is True else [str(v) for v in value] if isinstance(value, list) else str(value))
              for name, value in given.items()}
    checked = read_submission(form, posted)
    assert checked.ok, f"the test's answers to {form.id} are not valid: {checked.errors}"
    return given


def expected_record(form: Form, given: dict[str, Any]) -> dict[str, Any]:
    """What the endpoint must store: each answer as typed, choices as their schema values."""
    from generator.forms.relevance import not_relevant

    posted = {name: ("true" if value is True else [str(v) for v in value] if isinstance(value, list) else str(value))
              for name, value in given.items()}
    dropped = not_relevant(form.fields, read_submission(form, posted).row)  # follow-ups that did not apply
    stored = {}
    for field in form.fields:
        value = None if field.name in dropped else given.get(field.name)
        if value is not None and field.type in ("integer", "number") and not field.options:
            value = int(value) if field.type == "integer" else float(value)
        stored[field.name] = value
    return stored


def fill(tab, form: Form, given: dict[str, Any]) -> None:
    """Fill the form on the open page with the mouse and the clipboard's speed."""
    for field in form.fields:
        value = given.get(field.name)
        if value in (None, "", [], False):
            continue  # left unanswered
        if field.relevant is not None and not tab.is_visible(f"#{field.id}"):
            continue  # a follow-up the page's script hid: it does not apply
        if field.control == "checkbox":
            tab.check(f"#{field.id}")
        elif field.control in ("radios", "checkboxes"):
            for one in value if isinstance(value, list) else [value]:
                tab.check(f'input[name="{field.name}"][value="{one}"]')
        elif field.control == "select":
            tab.select_option(f"#{field.id}", str(value))
        else:
            tab.fill(f"#{field.id}", str(value))


def submit(tab) -> None:
    with tab.expect_navigation():
        tab.click("form.qalb-form [type=submit]")
