"""A small, real file system for disk-full tests: a tmpfs of a given size mounted by the test
(as root, which CI and `make test` run as), unmounted afterwards. Writing past its size fails
with ENOSPC exactly as a full disk does."""
from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path
from typing import Iterator

import pytest


@contextlib.contextmanager
def small_disk(path: Path, size: str = "1m") -> Iterator[Path]:
    """`path` (made if missing) as a tmpfs of `size` (mount's words: "1m", "512k") while inside."""
    if os.geteuid() != 0:
        pytest.skip("a disk-full test mounts a small tmpfs, which needs root (CI runs as root)")
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)
