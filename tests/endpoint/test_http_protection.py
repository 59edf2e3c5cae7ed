"""Every protection, through a real server: each refusal is a clear 4xx, never a 500,
and a refused post leaves nothing in the database."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlencode

import pytest

from generator.core import i18n
from generator.endpoint.app import create_app
from generator.endpoint.public_pages import message
from generator.submissions.store import open_store
from tests.support.fixtures import LiveServer, make_settings
from tests.support.samples import valid_answers

FORM = "enquiry"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'protect.db'}"


@pytest.fixture
def start(forms: dict[str, Any], forms_root: Path, db_url: str,
          live: Callable[[Any], LiveServer]) -> Callable[..., LiveServer]:
    def start(**overrides: Any) -> LiveServer:
        return live(create_app(settings=make_settings(forms_root, db_url, **overrides), forms=forms))
    return start


@pytest.fixture
def server(start: Callable[..., LiveServer]) -> LiveServer:
    return start()


@pytest.fixture
def body(forms: dict[str, Any]) -> bytes:
    return urlencode({**valid_answers(forms[FORM]), "lang": "ar"}, doseq=True).encode()


def stored(db_url: str) -> int:
    store = open_store(db_url)
    try:
        store.migrate()
        return store.count()
    finally:
        store.close()


def post(server: LiveServer, content: Any, *, content_type: str = "application/x-www-form-urlencoded",
         **headers: str):
    with server.client() as client:
        return client.post(f"/api/forms/{FORM}", content=content,
                           headers={"Content-Type": content_type, "Accept": "text/html", **headers})


def assert_bilingual(response: Any, code: str) -> None:
    for lang in i18n.LANGUAGE_CODES:
        assert message(code, lang) in response.text
    assert 'lang="ar" dir="rtl"' in response.text and 'lang="en" dir="ltr"' in response.text


def test_a_clean_post_passes_all_checks(server: LiveServer, body: bytes, db_url: str) -> None:
    assert post(server, body, Origin=server.url).status_code == 303
    assert stored(db_url) == 1


def test_declared_oversize_body_is_refused_before_reading(server: LiveServer, body: bytes, db_url: str) -> None:
    big = body + b"&message=" + b"x" * 150_000
    response = post(server, big)
    assert response.status_code == 413
    assert_bilingual(response, "too-large")
    assert stored(db_url) == 0


def test_streamed_oversize_body_is_counted_and_refused(server: LiveServer, body: bytes, db_url: str) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer encoding
        yield body
        for _ in range(30):
            yield b"x" * 8192

    response = post(server, chunks())
    assert response.status_code == 413
    assert stored(db_url) == 0


def test_the_size_limit_is_a_setting(start: Callable[..., LiveServer], body: bytes) -> None:
    server = start(max_body_bytes=len(body) - 1)
    assert post(server, body).status_code == 413


@pytest.mark.parametrize("content_type, code", [
    ("text/plain", "unsupported-type"),
    ("multipart/form-data; boundary=x", "unsupported-type"),
    ("", "unsupported-type"),
    ("application/x-www-form-urlencoded; charset=iso-8859-1", "unsupported-charset"),
])
def test_wrong_content_type_is_415(server: LiveServer, body: bytes, content_type: str, code: str) -> None:
    response = post(server, body, content_type=content_type)
    assert response.status_code == 415
    assert_bilingual(response, code)


@pytest.mark.parametrize("content, content_type, code", [
    (b"full_name=\xff\xfe&lang=ar", "application/x-www-form-urlencoded", "bad-encoding"),
    (b"full_name=%FF%FE&lang=ar", "application/x-www-form-urlencoded", "bad-encoding"),
    (b"full_name", "application/x-www-form-urlencoded", "bad-request"),
    (b"a=1&&=", "application/x-www-form-urlencoded", "bad-request"),
    ("&".join(f"f{i}=1" for i in range(500)).encode(), "application/x-www-form-urlencoded", "bad-request"),
    (b'{"full_name": ', "application/json", "bad-request"),
    (b'["full_name"]', "application/json", "bad-request"),
    (b'{"full_name": {"first": "x"}}', "application/json", "bad-request"),
    (b'{"rating": NaN}', "application/json", "bad-request"),
    ('{"full_name": "سارة"}'.encode("utf-16"), "application/json", "bad-encoding"),
    (b"[" * 100_000, "application/json", "bad-request"),
])
def test_malformed_bodies_are_400_with_a_bilingual_message(server: LiveServer, db_url: str, content: bytes,
                                                           content_type: str, code: str) -> None:
    response = post(server, content, content_type=content_type)
    assert response.status_code == 400, response.text[:300]
    assert_bilingual(response, code)
    assert stored(db_url) == 0


def test_json_clients_get_json_refusals(server: LiveServer) -> None:
    with server.client() as client:
        response = client.post(f"/api/forms/{FORM}", content=b"{", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json() == {"error": "bad-request",
                               "message": {lang: message("bad-request", lang) for lang in i18n.LANGUAGE_CODES}}


def test_unknown_fields_are_422_and_nothing_is_stored(server: LiveServer, body: bytes, db_url: str) -> None:
    response = post(server, body + b"&is_admin=1")
    assert response.status_code == 422
    assert stored(db_url) == 0


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Origin": "file://"},
    {"Referer": "https://evil.example/page"},
])
def test_cross_site_posts_are_403(server: LiveServer, body: bytes, db_url: str, headers: dict[str, str]) -> None:
    response = post(server, body, **headers)
    assert response.status_code == 403
    assert_bilingual(response, "bad-origin")
    assert stored(db_url) == 0


def test_allowed_origins_are_a_setting(start: Callable[..., LiveServer], body: bytes) -> None:
    server = start(allowed_origins=frozenset({"https://qalb.example"}))
    assert post(server, body, Origin="https://qalb.example").status_code == 303
    assert post(server, body, Origin="https://other.example").status_code == 403


def test_rate_limit_is_429_with_retry_after(start: Callable[..., LiveServer], body: bytes, db_url: str) -> None:
    server = start(rate_limit=(3, 60.0))
    codes = [post(server, body).status_code for _ in range(3)]
    refused = post(server, body)
    assert codes == [303, 303, 303]
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert_bilingual(refused, "rate-limited")
    assert stored(db_url) == 3


def test_unknown_form_and_method(server: LiveServer, body: bytes) -> None:
    with server.client() as client:
        assert client.post("/api/forms/nope", content=body,
                           headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 404
        assert client.get(f"/api/forms/{FORM}").status_code == 405
        assert client.get(f"/forms/{FORM}/thanks/?ref=not-a-ref").status_code == 404
        assert client.get(f"/forms/{FORM}/thanks/").status_code == 404


def test_security_headers_on_every_response(server: LiveServer, body: bytes) -> None:
    with server.client() as client:
        for response in (client.get("/api/health"), post(server, body), post(server, b"x", content_type="text/plain")):
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
            assert response.headers["x-frame-options"] == "DENY"
            assert response.headers["cache-control"] == "no-store"
            assert "server" not in response.headers or "uvicorn" not in response.headers["server"]


def test_no_submitted_value_reaches_any_log(forms: dict[str, Any], forms_root: Path, db_url: str,
                                            caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(settings=make_settings(forms_root, db_url), forms=forms)
    # log_config=None: uvicorn's loggers (access log included) propagate to caplog.
    server = LiveServer(app, log_config=None, access_log=True, log_level="debug")
    secret = "SECRETNAME7731"
    answers = {**valid_answers(forms[FORM]), "full_name": secret}
    with caplog.at_level(logging.DEBUG), server, server.client() as client:
        client.post(f"/api/forms/{FORM}", data=answers)
        client.post(f"/api/forms/{FORM}", data={**answers, "mobile": "bad"})
        client.post(f"/api/forms/{FORM}", content=f"full_name={secret}\xff".encode("latin-1"),
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert any("POST /api/forms/" in r.getMessage() for r in caplog.records), "the access log was captured"
    for record in caplog.records:
        assert secret not in record.getMessage()
        assert "0512345678" not in record.getMessage()


def test_a_database_failure_is_503_and_never_a_false_success(forms: dict[str, Any], forms_root: Path, db_url: str,
                                                            body: bytes, live: Callable[[Any], LiveServer]) -> None:
    from generator.submissions.store import SQLiteStore
    from generator.submissions.store import open_store as real_open

    class FullDisk(SQLiteStore):
        def insert_batch(self, subs: Any) -> list[Any]:
            raise OSError("database or disk is full")

    path = real_open(db_url).path  # type: ignore[attr-defined]
    server = live(create_app(settings=make_settings(forms_root, db_url), forms=forms, store=FullDisk(path)))
    response = post(server, body)
    assert response.status_code == 503 and response.headers["retry-after"] == "30"
    assert_bilingual(response, "unavailable")
    with server.client() as client:
        scripted = client.post(f"/api/forms/{FORM}", json={**valid_answers(forms[FORM])})
    assert scripted.status_code == 503 and scripted.json()["error"] == "unavailable"
