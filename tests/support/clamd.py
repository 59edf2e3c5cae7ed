"""A throwaway ClamAV daemon for the tests: /usr/sbin/clamd in the foreground, its socket in a
temp folder, on a signature database this module writes (the EICAR test file's MD5 in a .hdb),
so nothing is downloaded; it starts in about 0.1 s and is stopped at the end.

Missing clamd skips the tests that need it, unless QALB_REQUIRE_CLAMD is set (.ci/run sets it):
then it is a failure, so CI never passes by skipping.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.postgres import free_port

CLAMD = Path("/usr/sbin/clamd")
#: The EICAR anti-virus test file (https://www.eicar.org): harmless, and every scanner's test signature.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SIGNATURE = "Eicar-Test-Signature"


@dataclass
class Clamd:
    folder: Path
    process: subprocess.Popen[bytes]
    socket_path: Path
    tcp_port: int

    @property
    def address(self) -> str:
        """The unix socket, as QALB_CLAMD_ADDRESS spells it."""
        return f"unix:{self.socket_path}"

    @property
    def tcp_address(self) -> str:
        return f"tcp:127.0.0.1:{self.tcp_port}"

    def log(self) -> str:
        path = self.folder / "clamd.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _unavailable(reason: str) -> None:
    if os.environ.get("QALB_REQUIRE_CLAMD"):
        pytest.fail(f"clamd is required (QALB_REQUIRE_CLAMD is set) but {reason}", pytrace=False)
    pytest.skip(f"ClamAV tests skipped: {reason} (set QALB_REQUIRE_CLAMD=1 to make this fail)")


def _answers_ping(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1)
            sock.connect(str(path))
            sock.sendall(b"zPING\0")
            return sock.recv(16).rstrip(b"\0") == b"PONG"
    except OSError:
        return False


def start_clamd(*, stream_max_length: str = "30M") -> Clamd:
    """A clamd of our own; `stream_max_length` is its StreamMaxLength (INSTREAM's size bound)."""
    if not CLAMD.exists():
        _unavailable(f"{CLAMD} is not installed (apt-get install clamav-daemon; `make setup-test` does it)")
    folder = Path(tempfile.mkdtemp(prefix="qalb-clamd-"))
    database = folder / "db"
    database.mkdir()
    (database / "test.hdb").write_text(f"{hashlib.md5(EICAR).hexdigest()}:{len(EICAR)}:{SIGNATURE}\n")  # nosec B324
    socket_path, port = folder / "clamd.sock", free_port()
    config = folder / "clamd.conf"
    config.write_text("\n".join([
        "Foreground yes",
        f"LocalSocket {socket_path}",
        "TCPAddr 127.0.0.1",
        f"TCPSocket {port}",
        f"DatabaseDirectory {database}",
        f"LogFile {folder / 'clamd.log'}",
        f"TemporaryDirectory {folder}",
        f"StreamMaxLength {stream_max_length}",
        "MaxThreads 4",
        "",
    ]))
    process = subprocess.Popen([str(CLAMD), "--config-file", str(config)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = Clamd(folder, process, socket_path, port)
    deadline = time.monotonic() + 30
    while not _answers_ping(socket_path):
        if process.poll() is not None or time.monotonic() > deadline:
            log = server.log()
            stop_clamd(server)
            _unavailable(f"clamd did not start: {log[-500:]}")
        time.sleep(0.02)
    return server


def stop_clamd(server: Clamd) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def clamd() -> Iterator[Clamd]:
    server = start_clamd()
    try:
        yield server
    finally:
        stop_clamd(server)


@pytest.fixture(scope="session")
def clamd_address(clamd: Clamd) -> str:
    """The session's clamd as QALB_CLAMD_ADDRESS spells it: `unix:/tmp/qalb-clamd-…/clamd.sock`."""
    return clamd.address
