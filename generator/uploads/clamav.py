"""Scanning an upload with ClamAV's daemon (Debian's clamav-daemon) while it arrives.

There is no maintained Python client for clamd (pyclamd and clamd on PyPI are unmaintained
and blocking), so this module speaks clamd's own INSTREAM protocol (clamd(8), "INSTREAM"):

    zINSTREAM\\0                    the command (z: replies end with a NUL byte)
    <length: 4 bytes, big-endian><that many bytes>   one per chunk, as the chunks arrive
    \\0\\0\\0\\0                    a zero length: the end of the file
    reply: "stream: OK\\0" | "stream: <signature> FOUND\\0" | "<what went wrong> ERROR\\0"

over a unix socket (`unix:/run/clamav/clamd.ctl`) or TCP (`tcp:127.0.0.1:3310`), as
QALB_CLAMD_ADDRESS says. Every step waits at most `timeout` seconds. A reply that is not
OK or FOUND (e.g. "INSTREAM size limit exceeded. ERROR": clamd's StreamMaxLength must be at
least a form's largest file) means the file was NOT scanned: ScannerUnavailable, never clean.
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from .checks import FileRefused

#: The longest chunk sent in one frame; longer pieces are split (clamd reads a frame whole).
MAX_FRAME = 1 << 20


class ScannerUnavailable(Exception):
    """clamd could not be reached, timed out, or did not scan the file: it is not known clean."""


@dataclass(frozen=True)
class Address:
    """Where clamd listens: a unix socket's path, or a TCP host and port."""
    path: str | None = None
    host: str | None = None
    port: int | None = None

    @classmethod
    def parse(cls, text: str) -> Address:
        """`unix:/run/clamav/clamd.ctl` or `tcp:127.0.0.1:3310` (`tcp:[::1]:3310`); anything else is a ValueError."""
        kind, _, rest = text.partition(":")
        if kind == "unix" and rest.startswith("/"):
            return cls(path=rest)
        if kind == "tcp":
            host, _, port = rest.rpartition(":")
            host = host.removeprefix("[").removesuffix("]")
            if host and port.isascii() and port.isdigit() and 0 < int(port) < 65536:
                return cls(host=host, port=int(port))
        raise ValueError(f"a clamd address is unix:/path/to/socket or tcp:HOST:PORT, not {text!r}")

    def __str__(self) -> str:
        return f"unix:{self.path}" if self.path else f"tcp:{self.host}:{self.port}"


class Scanner:
    """clamd at `address`; `session()` scans one file."""

    def __init__(self, address: str, *, timeout: float = 30.0) -> None:
        self.address = Address.parse(address)
        self.timeout = timeout

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        try:
            async with asyncio.timeout(self.timeout):
                if self.address.path:
                    return await asyncio.open_unix_connection(self.address.path)
                return await asyncio.open_connection(self.address.host, self.address.port)
        except (OSError, TimeoutError) as problem:
            raise ScannerUnavailable(f"clamd at {self.address} cannot be reached: {problem!r}") from None

    async def ping(self) -> None:
        """Raises ScannerUnavailable unless clamd answers PING with PONG."""
        reader, writer = await self._connect()
        try:
            async with asyncio.timeout(self.timeout):
                writer.write(b"zPING\0")
                await writer.drain()
                reply = await _reply(reader)
        except (OSError, TimeoutError) as problem:
            raise ScannerUnavailable(f"clamd at {self.address} did not answer: {problem!r}") from None
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        if reply != "PONG":
            raise ScannerUnavailable(f"clamd at {self.address} answered PING with {reply!r}")

    @asynccontextmanager
    async def session(self) -> AsyncIterator[ScanSession]:
        """One file's scan: `await scan.feed(chunk)` as the bytes arrive, then `await scan.result()`.
        Leaving the block without a result (a refused upload) just closes the connection."""
        reader, writer = await self._connect()
        scan = ScanSession(self, reader, writer)
        try:
            await scan._send(b"zINSTREAM\0")
            yield scan
        finally:
            await scan._close()


class ScanSession:
    """One INSTREAM conversation. clamd answers once: after the end, or as soon as it gives up
    (then it closes the connection), so its answer is awaited from the start."""

    def __init__(self, scanner: Scanner, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._scanner, self._writer = scanner, writer
        self._answer = asyncio.ensure_future(_reply(reader))
        self._ended = False

    def _unavailable(self, what: str) -> ScannerUnavailable:
        return ScannerUnavailable(f"clamd at {self._scanner.address} {what}")

    async def _send(self, *parts: bytes | memoryview) -> None:
        if self._answer.done():
            raise self._unavailable(f"stopped reading: {await self._said()!r}")
        try:
            async with asyncio.timeout(self._scanner.timeout):
                for part in parts:
                    self._writer.write(part)
                await self._writer.drain()
        except (OSError, TimeoutError) as problem:
            # clamd closes the connection when it gives up (e.g. the size limit): say what it said.
            said = await self._said() or f"{problem!r} (a file longer than its StreamMaxLength?)"
            raise self._unavailable(f"stopped reading: {said!r}") from None

    async def _said(self, timeout: float = 1.0) -> str:
        """clamd's answer, or "" when none comes within `timeout` seconds."""
        try:
            async with asyncio.timeout(timeout):
                return await asyncio.shield(self._answer)
        except (OSError, TimeoutError):
            return ""

    async def _close(self) -> None:
        self._answer.cancel()
        self._writer.close()
        with contextlib.suppress(OSError):  # a broken connection is closed all the same
            await self._writer.wait_closed()

    async def feed(self, chunk: bytes) -> None:
        """Send the next bytes of the file (empty chunks are skipped: a zero length ends the file)."""
        if self._ended:
            raise RuntimeError("feed() after result(): one session scans one file")
        view = memoryview(chunk)
        for start in range(0, len(view), MAX_FRAME):
            frame = view[start:start + MAX_FRAME]
            await self._send(len(frame).to_bytes(4, "big"), frame)

    async def result(self) -> str:
        """"clean", or FileRefused("file-infected") when clamd found a signature; ScannerUnavailable
        when it could not say (an ERROR reply, a timeout, a closed connection)."""
        if self._ended:
            raise RuntimeError("result() called twice")
        self._ended = True
        await self._send(b"\0\0\0\0")
        reply = await self._said(self._scanner.timeout)
        if reply == "stream: OK":
            return "clean"
        if reply.startswith("stream: ") and reply.endswith(" FOUND"):
            raise FileRefused("file-infected", detail=reply.removeprefix("stream: ").removesuffix(" FOUND"))
        raise self._unavailable(f"did not scan the file: {reply or 'no verdict'!r}")


async def _reply(reader: asyncio.StreamReader) -> str:
    """One NUL-terminated reply (what arrived before the connection closed, if it closed first)."""
    try:
        raw = await reader.readuntil(b"\0")
    except asyncio.IncompleteReadError as short:
        raw = short.partial
    except asyncio.LimitOverrunError:
        raw = b"(a reply too long to read)"
    except OSError:
        raw = b""
    return raw.rstrip(b"\0").decode("utf-8", "replace").strip()
