"""The ClamAV scanner against a real clamd (tests/support/clamd.py) on its own EICAR signature."""
from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from generator.uploads.checks import FileRefused
from generator.uploads.clamav import MAX_FRAME, Address, Scanner, ScannerUnavailable
from tests.support.clamd import EICAR, Clamd, start_clamd, stop_clamd


async def scan(address: str, data: bytes, *, chunk: int = 65536, timeout: float = 30.0) -> str:
    async with Scanner(address, timeout=timeout).session() as session:
        for start in range(0, len(data), chunk):
            await session.feed(data[start:start + chunk])
        return await session.result()


@pytest.mark.parametrize("over", ["unix", "tcp"])
def test_a_clean_file_is_clean_and_eicar_is_found_across_chunk_boundaries(clamd: Clamd, over: str) -> None:
    address = clamd.address if over == "unix" else clamd.tcp_address
    assert asyncio.run(scan(address, b"%PDF-1.7\n" + os.urandom(200_000), chunk=4096)) == "clean"
    # 7-byte chunks: the 68-byte file reaches clamd in ten frames, none holding the whole signature.
    with pytest.raises(FileRefused) as refused:
        asyncio.run(scan(address, EICAR, chunk=7))
    assert refused.value.code == "file-infected"
    assert refused.value.detail.startswith("Eicar-Test-Signature")


def test_pieces_longer_than_a_frame_are_split_and_empty_ones_skipped(clamd: Clamd) -> None:
    async def run() -> str:
        async with Scanner(clamd.address).session() as session:
            await session.feed(b"")  # a zero length would end the file: skipped
            await session.feed(os.urandom(2 * MAX_FRAME + 5))
            await session.feed(b"")
            return await session.result()

    assert asyncio.run(run()) == "clean"
    with pytest.raises(FileRefused):  # one feed of the whole file, then nothing: the same verdict
        asyncio.run(scan(clamd.address, EICAR, chunk=len(EICAR)))


def test_a_stopped_clamd_is_unavailable_before_and_during_a_scan() -> None:
    server = start_clamd()
    try:
        scanner = Scanner(server.address, timeout=5)

        async def stopped_midway() -> str:
            async with scanner.session() as session:
                await session.feed(b"first part ")
                server.process.kill()
                server.process.wait()
                await session.feed(b"second part")
                return await session.result()

        asyncio.run(scanner.ping())
        with pytest.raises(ScannerUnavailable):
            asyncio.run(stopped_midway())
        with pytest.raises(ScannerUnavailable, match="cannot be reached"):
            asyncio.run(scan(server.address, b"hello"))
        with pytest.raises(ScannerUnavailable, match="cannot be reached"):
            asyncio.run(scan(server.tcp_address, b"hello"))
        with pytest.raises(ScannerUnavailable):
            asyncio.run(scanner.ping())
    finally:
        stop_clamd(server)


def test_a_file_over_clamds_stream_limit_is_not_clean_but_unscanned() -> None:
    server = start_clamd(stream_max_length="1M")
    try:
        # clamd answers "INSTREAM size limit exceeded. ERROR" and closes; when the close reaches
        # us first, its answer is lost with the connection, and the message names the likely cause.
        with pytest.raises(ScannerUnavailable, match="size limit exceeded|StreamMaxLength"):
            asyncio.run(scan(server.address, os.urandom(3 << 20)))
        assert asyncio.run(scan(server.address, b"small")) == "clean"  # still serving
    finally:
        stop_clamd(server)


@pytest.mark.parametrize(("answer", "verdict"), [
    (b"stream: OK\0", "clean"),
    (b"stream: Win.Test.Sample FOUND\0", "file-infected"),
    (b"INSTREAM size limit exceeded. ERROR\0", "unavailable"),
    (b"stream: Can't allocate memory ERROR\0", "unavailable"),
    (b"stream: OK", "clean"),  # closed without its NUL: what arrived counts
    (b"", "unavailable"),
    (b"UNKNOWN COMMAND\0", "unavailable"),
])
def test_each_answer_of_clamd_is_read(tmp_path: Path, answer: bytes, verdict: str) -> None:
    """Answers clamd gives, from a stand-in that reads the whole stream first: only OK is clean."""
    path = tmp_path / "stand-in.sock"

    async def run() -> str:
        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            assert await reader.readexactly(10) == b"zINSTREAM\0"
            while length := int.from_bytes(await reader.readexactly(4), "big"):
                await reader.readexactly(length)
            writer.write(answer)
            writer.close()

        async with await asyncio.start_unix_server(accept, path=str(path)):
            try:
                return await scan(f"unix:{path}", b"some bytes", chunk=3)
            except FileRefused as refused:
                return refused.code
            except ScannerUnavailable:
                return "unavailable"

    assert asyncio.run(run()) == verdict


def test_a_clamd_that_never_answers_times_out(tmp_path: Path) -> None:
    path = tmp_path / "silent.sock"

    async def run() -> None:
        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read()  # reads everything, answers nothing
            writer.close()

        server = await asyncio.start_unix_server(accept, path=str(path))
        async with server:
            with pytest.raises(ScannerUnavailable, match="no verdict"):
                await scan(f"unix:{path}", b"hello", timeout=0.2)
            with pytest.raises(ScannerUnavailable, match="did not answer"):
                await Scanner(f"unix:{path}", timeout=0.2).ping()

    asyncio.run(run())


def test_addresses() -> None:
    assert Address.parse("unix:/run/clamav/clamd.ctl") == Address(path="/run/clamav/clamd.ctl")
    assert Address.parse("tcp:127.0.0.1:3310") == Address(host="127.0.0.1", port=3310)
    assert Address.parse("tcp:[::1]:3310") == Address(host="::1", port=3310)
    assert str(Address.parse("tcp:clamav.internal:3310")) == "tcp:clamav.internal:3310"
    for wrong in ("", "/run/clamav/clamd.ctl", "unix:relative.sock", "tcp:127.0.0.1", "tcp::3310",
                  "tcp:127.0.0.1:0", "tcp:127.0.0.1:٣٣١٠", "http://127.0.0.1:3310"):
        with pytest.raises(ValueError, match="unix:/path/to/socket or tcp:HOST:PORT"):
            Scanner(wrong)
