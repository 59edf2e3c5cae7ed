"""`python -m generator endpoint` in a process of its own, for the tests that kill it (crash,
upload and notification faults): started on 127.0.0.1 and returned once /api/health answers."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from generator import PROJECT_ROOT
from tests.support.fixtures import default_tls_context


def run_endpoint(root: Path, env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """The endpoint on 127.0.0.1:`port` with these settings over this process's environment, its
    output appended to `log` (a file, not a pipe nobody reads: it could fill and block)."""
    with log.open("ab") as output:
        process = subprocess.Popen([sys.executable, "-m", "generator", "--root", str(root), "endpoint",
                                    "--host", "127.0.0.1", "--port", str(port)], cwd=PROJECT_ROOT,
                                   env={**os.environ, **env, "PYTHONPATH": str(PROJECT_ROOT)},
                                   stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1, verify=default_tls_context()).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"endpoint did not start: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.05)
