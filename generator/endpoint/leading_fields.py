"""The text fields at the head of a multipart/form-data body, read before any file.

The status page's upload form puts its token (and the page's language) before its
file input, and browsers send the parts in the form's order. `read_leading_fields`
reads the body only until the first file part begins (or the body ends), within a
small byte budget, with python-multipart's streaming parser; nothing of a file is
kept. It hands back the text fields and a request that replays the bytes it read,
so the upload reader (uploads/multipart.py) then parses the whole body from its
start as if nothing had been read.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request
from starlette.types import Message

from generator.web.protection import Refused


@dataclass
class _Parts:
    fields: dict[str, str] = field(default_factory=dict)
    header: bytes = b""
    headers: dict[bytes, bytes] = field(default_factory=dict)
    name: str | None = None
    value: bytearray = field(default_factory=bytearray)
    file_began: bool = False
    ended: bool = False
    broken: bool = False


async def read_leading_fields(request: Request, *, limit: int = 8192) -> tuple[dict[str, str], Request]:
    """({name: value} of the text parts before the first file part, the request to read
    the body from again). Refused 400 for a body that is not multipart or not readable,
    413 when the text before the first file passes `limit` bytes."""
    _, params = parse_options_header(request.headers.get("content-type"))
    boundary = params.get(b"boundary")
    if not boundary:
        raise Refused("bad-request", 400)
    state = _Parts()

    def header_field(data: bytes, start: int, end: int) -> None:
        state.header += data[start:end]

    def header_value(data: bytes, start: int, end: int) -> None:
        state.headers[state.header.lower()] = state.headers.get(state.header.lower(), b"") + data[start:end]

    def header_end() -> None:
        state.header = b""

    def headers_finished() -> None:
        _, options = parse_options_header(state.headers.get(b"content-disposition", b""))
        if b"filename" in options:
            state.file_began = True
        state.name = options.get(b"name", b"").decode("utf-8", "replace")

    def part_data(data: bytes, start: int, end: int) -> None:
        if not state.file_began:
            state.value += data[start:end]

    def part_end() -> None:
        if not state.file_began and state.name is not None:
            try:
                state.fields.setdefault(state.name, state.value.decode("utf-8"))
            except UnicodeDecodeError:
                state.broken = True
        state.headers, state.name, state.value = {}, None, bytearray()

    def end() -> None:
        state.ended = True

    parser = MultipartParser(boundary, {
        "on_header_field": header_field, "on_header_value": header_value, "on_header_end": header_end,
        "on_headers_finished": headers_finished, "on_part_data": part_data, "on_part_end": part_end,
        "on_end": end})
    read: list[Message] = []
    size, more = 0, True
    while more and not (state.file_began or state.ended):
        message = await request.receive()
        if message["type"] == "http.disconnect":
            raise Refused("disconnected", 400)
        read.append(message)
        body: bytes = message.get("body", b"")
        more = bool(message.get("more_body", False))
        size += len(body)
        try:
            parser.write(body)
        except MultipartParseError:
            raise Refused("bad-request", 400) from None
        if state.broken:
            raise Refused("bad-encoding", 400)
        if not state.file_began and size > limit:
            raise Refused("too-large", 413)

    async def replay() -> Message:
        if read:
            return read.pop(0)
        return await request.receive()

    return state.fields, Request(request.scope, replay)
