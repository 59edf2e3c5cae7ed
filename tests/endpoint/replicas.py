"""Replicas as real processes (`python -m generator endpoint`, or `staff serve`) for the replica tests."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from generator import PROJECT_ROOT
from tests.support.fixtures import default_tls_context
from tests.support.postgres import free_port


class Replica:
    """One endpoint process on a free port of 127.0.0.1, its output in a file beside the test's data."""

    def __init__(self, root: Path, database_url: str, folder: Path, *, command: tuple[str, ...] = ("endpoint",),
                 ready: str = "/api/health", **env: str) -> None:
        self.port, self.ready = free_port(), ready
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"endpoint-{self.port}.log"  # a file, not a pipe nobody reads: it could fill
        environment = {**os.environ, "DATABASE_URL": database_url, "QALB_RATE_LIMIT": "off",
                       "QALB_SITE_DIR": str(folder / "no-site"), "PYTHONPATH": str(PROJECT_ROOT), **env}
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "generator", "--root", str(root), *command, "--host", "127.0.0.1",
                 "--port", str(self.port)], cwd=PROJECT_ROOT, env=environment, stdout=output,
                stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{self.url}{self.ready}", timeout=1, verify=default_tls_context()).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"the endpoint on port {self.port} did not start (exit "
                                     f"{self.process.returncode}): {self.output()[-3000:]}")
            time.sleep(0.05)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=20)


def start_together(root: Path, database_url: str, folder: Path, *envs: dict[str, str]) -> list[Replica]:
    """Replicas started at the same moment, each waited for until it answers (or fails the test)."""
    replicas = [Replica(root, database_url, folder, **env) for env in envs]
    try:
        for replica in replicas:
            replica.wait_ready()
    except BaseException:
        for replica in replicas:
            replica.stop()
        raise
    return replicas


def script_post(client: httpx.Client, url: str, form_id: str, answers: dict[str, Any], key: str) -> httpx.Response:
    """A script's post (JSON answer, 201) carrying an Idempotency-Key."""
    return client.post(f"{url}/api/forms/{form_id}", data=answers,
                       headers={"Origin": url, "Accept": "application/json", "Idempotency-Key": key})
