"""Unit checks of the protections; test_http.py checks each through a real server."""
from __future__ import annotations

import asyncio

import pytest
from starlette.requests import Request

from generator.core.config import Config, EndpointSettings
from generator.core.environment import SettingsError, rate_limit
from generator.web.protection import RateLimiter, Refused, content_security_policy, read_post


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rate_limit_allows_a_burst_then_refills_evenly() -> None:
    clock = Clock()
    limiter = RateLimiter(3, 60, clock=clock)
    assert [limiter.check("a") for _ in range(3)] == [None, None, None]
    refused = limiter.check("a")
    assert refused is not None and refused.status == 429 and refused.retry_after == 20
    assert limiter.check("b") is None  # per client
    clock.now += 20
    assert limiter.check("a") is None
    assert limiter.check("a") is not None


def test_rate_limit_table_cannot_grow_without_bound() -> None:
    clock = Clock()
    limiter = RateLimiter(2, 10, clock=clock, max_clients=100)
    for i in range(1000):
        limiter.check(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter._buckets) <= 100


@pytest.mark.parametrize("text, expected", [("30/60", (30, 60.0)), ("off", None), ("0", None), ("5 / 1.5", (5, 1.5))])
def test_rate_limit_setting(text: str, expected: object) -> None:
    assert rate_limit(text, "QALB_RATE_LIMIT") == expected


@pytest.mark.parametrize("env, message", [
    ({"QALB_RATE_LIMIT": "lots"}, "QALB_RATE_LIMIT"),
    ({"QALB_MAX_BODY_BYTES": "-1"}, "QALB_MAX_BODY_BYTES"),
    ({"QALB_ALLOWED_ORIGINS": "qalb.example"}, "not an origin"),
    ({"QALB_EXPORT_TOKEN_HASHES": "secret-token"}, "sha256"),
    ({"QALB_SITE_URL": "qalb.example"}, "absolute"),
])
def test_settings_refuse_to_guess(tmp_path, env: dict, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Config(tmp_path, env).section(EndpointSettings)


def test_settings_defaults(tmp_path) -> None:
    settings = Config(tmp_path, {}).endpoint
    assert settings.database_url == "sqlite:///data/submissions.db"
    assert settings.max_body_bytes == 100 * 1024
    assert settings.rate_limit == (30, 60.0)
    assert settings.site_dir == tmp_path / "site"
    assert not settings.export_token_hashes and not settings.allowed_origins


def test_csp_allows_the_site_host_and_the_shell_scripts_only() -> None:
    csp = content_security_policy(site_url="https://qalb.example/", script_hashes=["abc="])
    assert "script-src 'self' https://qalb.example 'sha256-abc='" in csp
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]


def _post(headers: dict[str, str], body: bytes = b"", *, chunks: int = 1) -> Request:
    """A POST as Starlette sees it, its body arriving in `chunks` messages."""
    size = max(1, -(-len(body) // chunks))
    parts = [body[i:i + size] for i in range(0, len(body), size)] or [b""]
    messages = [{"type": "http.request", "body": part, "more_body": i < len(parts) - 1}
                for i, part in enumerate(parts)]

    async def receive() -> dict[str, object]:
        return messages.pop(0)
    scope = {"type": "http", "method": "POST", "path": "/", "client": ("10.0.0.1", 1234),
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    return Request(scope, receive)


FORM = {"content-type": "application/x-www-form-urlencoded", "host": "example.org"}


def _refused(request: Request, **kwargs: object) -> Refused:
    options: dict = {"allowed_origins": (), "max_body_bytes": 10, **kwargs}
    with pytest.raises(Refused) as raised:
        asyncio.run(read_post(request, **options))
    return raised.value


def test_read_post_returns_the_media_type_and_the_body() -> None:
    post = asyncio.run(read_post(_post({**FORM, "origin": "https://example.org"}, b"a=1&b=2", chunks=3),
                                 allowed_origins=(), max_body_bytes=10))
    assert (post.media, post.body) == ("application/x-www-form-urlencoded", b"a=1&b=2")


def test_read_post_checks_the_limit_then_the_origin_then_the_type_then_the_body() -> None:
    limiter = RateLimiter(1, 60, clock=Clock())
    limiter.check("10.0.0.1")
    everything_wrong = _post({"origin": "https://elsewhere.example", "content-type": "text/plain",
                              "content-length": "99"})
    assert _refused(everything_wrong, limiter=limiter).code == "rate-limited"
    assert _refused(everything_wrong).code == "bad-origin"
    assert _refused(_post({"content-type": "text/plain", "content-length": "99"})).code == "unsupported-type"
    assert _refused(_post({**FORM, "content-type": FORM["content-type"] + "; charset=latin-1"})).status == 415
    assert _refused(_post({**FORM, "content-length": "99"})).code == "too-large"
    assert _refused(_post(FORM, b"x" * 11, chunks=4)).code == "too-large"  # no length declared: counted as read


def test_a_refusal_is_json_only_for_a_script_that_negotiates() -> None:
    script = {**FORM, "content-type": "application/json", "content-length": "99"}
    assert _refused(_post(script), negotiate=True).as_json
    assert not _refused(_post(script)).as_json  # the status page answers people: always a page
    assert not _refused(_post({**script, "accept": "text/html"}), negotiate=True).as_json
    assert _refused(_post({**FORM, "content-length": "99", "accept": "application/json"}), negotiate=True).as_json
