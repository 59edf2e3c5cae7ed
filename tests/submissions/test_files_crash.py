"""kill -9 while a submission's files are written and while it commits, both backends, real
processes (tests/support/upload_driver.py starts the endpoint's lifespan and stores a help
request with two sealed files through its FileStore and Writer). The next start's sweep
leaves no orphan file and no row without its files; a committed submission's files are
placed and read back whole."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from generator.core.config import Config
from generator.submissions.files import INCOMING, FileStore
from generator.submissions.secure_store import open_secure_store
from tests.support.upload_driver import CONTENTS

PROJECT = Path(__file__).resolve().parents[2]


def run_driver(root: Path, store_url: str, fault: str = "") -> tuple[int, list[dict[str, Any]]]:
    env = {**os.environ, "DATABASE_URL": store_url, "QALB_FILES_DIR": str(root / "files"),
           "QALB_ENDPOINT_FAULT": fault}
    done = subprocess.run([sys.executable, "-m", "tests.support.upload_driver", str(root)], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()]


def on_disk(root: Path) -> set[str]:
    return {str(p.relative_to(root / "files")) for p in (root / "files").rglob("*") if p.is_file()}


def killed(root: Path, store_url: str, fault: str) -> tuple[list[int], str]:
    """Run the driver until its fault point kills it: (what its start-up sweep did, its submission's
    reference), after checking that its two sealed files are left in its incoming folder."""
    code, said = run_driver(root, store_url, fault)
    assert code == -signal.SIGKILL, said
    reference = said[-1]["reference"]
    assert sorted(p.name for p in (root / "files" / INCOMING).rglob(f"{reference}.*")) == [
        f"{reference}.1", f"{reference}.2"]
    return said[0]["swept"], reference


def test_a_killed_upload_or_commit_leaves_its_files_with_their_row_or_neither(tmp_path: Path, store_url: str) -> None:
    # Killed once its files are sealed, before the writer: no row. The next start deletes them.
    swept, uploaded = killed(tmp_path, store_url, "upload-written")
    assert swept == [0, 0]
    # Killed after COMMIT, before its files are placed (and before it answers).
    swept, committed = killed(tmp_path, store_url, "after-commit:1")
    assert swept == [0, 2]
    # The next start places the committed one's files, then stores a submission whole.
    code, said = run_driver(tmp_path, store_url)
    assert code == 0, said
    assert said[0] == {"swept": [2, 0]}
    fresh = said[-1]["stored"]

    settings = Config(tmp_path, {"DATABASE_URL": store_url, "QALB_FILES_DIR": str(tmp_path / "files")}).endpoint
    store = open_secure_store(settings, {}, note=lambda text: None)
    files = FileStore(settings.files_dir)
    try:
        assert {s.reference for s in store.submissions(None, status=None)} == {committed, fresh}
        # No orphan: every file on disk is a row's, every row has its file, nothing is left incoming.
        rows = {f"{reference}/{a.number}": a for reference in (committed, fresh)
                for a in store.attachments_of(reference)}
        assert len(rows) == 4 and on_disk(tmp_path) == set(rows)
        for key, attachment in rows.items():
            with files.open(key.split("/")[0], attachment.number, store.codec.keys) as reader:
                content = reader.read()
            assert content == CONTENTS[attachment.number - 1]
            assert hashlib.sha256(content).hexdigest() == attachment.sha256
        assert not any((tmp_path / "files" / INCOMING).iterdir())
        assert uploaded not in {s.reference for s in store.submissions(None, status=None)}
    finally:
        store.close()
