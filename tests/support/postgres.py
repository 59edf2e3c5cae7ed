"""A throwaway PostgreSQL server for the tests: initdb into a temp folder, start on a
free port of 127.0.0.1 with its socket in that folder, stop and delete at the end.

Missing PostgreSQL skips the PostgreSQL tests, unless QALB_REQUIRE_POSTGRES is
set (CI sets it): then it is a failure, so CI never passes by skipping.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _unavailable(reason: str) -> None:
    if os.environ.get("QALB_REQUIRE_POSTGRES"):
        pytest.fail(f"PostgreSQL is required (QALB_REQUIRE_POSTGRES is set) but {reason}")
    pytest.skip(f"PostgreSQL tests skipped: {reason} (set QALB_REQUIRE_POSTGRES=1 to make this fail)")


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@dataclass
class Postgres:
    port: int
    folder: Path
    bin_dir: Path
    run_as: list[str]
    given_back: list[str] = field(default_factory=list)  # databases of finished tests

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """An empty database for one test: one a finished test gave back, emptied, or a new one.

        CREATE DATABASE copies ~8 MB: a third of a second each, and minutes at the end to
        delete the ~170 copies of a full run. Dropping the one schema everything lives in
        takes milliseconds. A database given back that anything is still connected to is
        left alone: whatever holds the connection may still be using it.
        """
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            connected = {row[0] for row in conn.execute("SELECT datname FROM pg_stat_activity")}
            for url in self.given_back:
                if url.rsplit("/", 1)[1] not in connected:
                    self.given_back.remove(url)
                    with psycopg.connect(url, autocommit=True) as emptied:
                        emptied.execute("DROP SCHEMA public CASCADE")
                        emptied.execute("CREATE SCHEMA public")
                    return url
            name = "t_" + uuid.uuid4().hex[:12]
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def give_back(self, url: str) -> None:
        """A finished test's database, for new_database to empty and hand out again."""
        self.given_back.append(url)

    def pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.run_as, str(self.bin_dir / "pg_ctl"), "-D", str(self.folder / "data"), *args],
                              capture_output=True, text=True, timeout=60)


def start_postgres() -> Postgres:
    bin_dir = _bin_dir()
    if bin_dir is None:
        _unavailable("initdb was not found (apt-get install postgresql)")
    assert bin_dir is not None
    if os.geteuid() == 0:
        # initdb refuses to run as root: run the server as the postgres user.
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("there is no postgres user to run the server as")
        run_as = ["runuser", "-u", "postgres", "--"]
    else:
        run_as = []
    folder = Path(tempfile.mkdtemp(prefix="qalb-pg-"))
    if run_as:
        shutil.chown(folder, "postgres", "postgres")
    init = subprocess.run([*run_as, str(bin_dir / "initdb"), "-D", str(folder / "data"), "-A", "trust",
                           "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"],
                          capture_output=True, text=True, timeout=120)
    if init.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        _unavailable(f"initdb failed: {init.stderr.strip()[-500:]}")
    server = Postgres(free_port(), folder, bin_dir, run_as)
    started = server.pg_ctl("-l", str(folder / "log"), "-w", "-o",
                            f"-p {server.port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=on", "start")
    if started.returncode != 0:
        log = (folder / "log").read_text(errors="replace") if (folder / "log").exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        _unavailable(f"pg_ctl start failed: {started.stderr.strip()} {log[-500:]}")
    return server


def stop_postgres(server: Postgres) -> None:
    server.pg_ctl("-m", "immediate", "-w", "stop")  # no shutdown checkpoint: the folder is deleted next
    shutil.rmtree(server.folder, ignore_errors=True)
