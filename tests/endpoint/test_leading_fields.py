"""The text fields read from the head of a multipart body before any file
(endpoint/leading_fields.py): what the status page's upload checks its token from.
The body comes in small chunks, as a network gives it; what was read is replayed whole."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.requests import Request

from generator.endpoint.leading_fields import read_leading_fields
from generator.web.protection import Refused


def part(name: str, value: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
    kind = "Content-Type: application/pdf\r\n" if filename is not None else ""
    return f"--B\r\nContent-Disposition: {disposition}\r\n{kind}\r\n".encode() + value + b"\r\n"


def read(body: bytes, limit: int = 4096) -> tuple[dict[str, str], bytes, int]:
    """(the leading fields, the body as the request then replays it, chunks taken before)."""
    chunks = [body[i:i + 7] for i in range(0, len(body), 7)]
    messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    taken = 0

    async def receive() -> Any:
        nonlocal taken
        taken += 1
        return messages.pop(0)

    async def run() -> tuple[dict[str, str], bytes, int]:
        scope = {"type": "http", "method": "POST", "path": "/", "query_string": b"",
                 "headers": [(b"content-type", b"multipart/form-data; boundary=B")]}
        fields, again = await read_leading_fields(Request(scope, receive), limit=limit)
        before = taken
        return fields, b"".join([c async for c in again.stream()]), before

    return asyncio.run(run())


def test_the_text_before_the_first_file_is_read_and_the_body_replayed_whole() -> None:
    body = (part("token", b"7KQ2M-X9PHD.3.99.mac") + part("lang", "ar".encode())
            + part("medical_reports", b"%PDF-1.7 " + b"x" * 4000, "تقرير.pdf") + b"--B--\r\n")
    fields, replayed, taken = read(body)
    assert fields == {"token": "7KQ2M-X9PHD.3.99.mac", "lang": "ar"}
    assert replayed == body
    assert taken * 7 < len(body) - 3900  # stopped at the file's headers, its bytes not taken


def test_a_file_first_gives_no_fields() -> None:
    body = part("medical_reports", b"%PDF-1.7", "a.pdf") + part("token", b"t") + b"--B--\r\n"
    fields, replayed, _ = read(body)
    assert fields == {} and replayed == body


def test_text_past_the_limit_before_any_file_is_refused() -> None:
    body = part("token", b"t" * 10_000) + part("medical_reports", b"%PDF", "a.pdf") + b"--B--\r\n"
    with pytest.raises(Refused) as refused:
        read(body)
    assert (refused.value.status, refused.value.code) == (413, "too-large")


def test_a_body_that_is_not_multipart_is_refused() -> None:
    with pytest.raises(Refused) as refused:
        read(b"--X\r\nnot a part at all\r\n\r\n" * 3)
    assert refused.value.status == 400
