#!/usr/bin/env python3
"""The content editor's save (issue 31): check + write + commit, in a warm process, on a copy
of the real content made into a git repository, as generator/editor/saving.py does it for
the workspace. Each save changes one FAQ answer (alternating two texts), so every save writes
and commits. Prints the median and the slowest; the target is under 300 ms median.

    .venv/bin/python bench/editor_save.py               # 20 saves
    .venv/bin/python bench/editor_save.py --saves 5     # quick
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess  # nosec B404
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from generator.editor import saving  # noqa: E402
from generator.editor.catalogue import Ref, find, load_file, values_of  # noqa: E402

TARGET_MS = 300


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--saves", type=int, default=20)
    args = parser.parse_args()
    ref = Ref("faq", "questions", "how-to-volunteer")
    with tempfile.TemporaryDirectory(prefix="qalb-bench-editor-") as tmp:
        root = Path(tmp)
        for folder in ("content", "forms"):
            shutil.copytree(REPO / folder, root / folder)
        for command in (["init", "--quiet"], ["add", "content", "forms"],
                        ["-c", "user.name=Bench", "-c", "user.email=bench@example.org", "commit", "--quiet", "-m", "start"]):
            subprocess.run(["git", "-C", str(root), *command], check=True)  # nosec B603 B607
        times = []
        for number in range(args.saves + 1):  # the first warms the process up and is not counted
            text, data = load_file(root, ref.file)
            now = values_of(find(data, ref), ref.spec)
            typed = {lang: dict(fields) for lang, fields in now.items()}
            typed["en"]["answer"] = now["en"]["answer"] + (" Thank you." if number % 2 == 0 else "")
            if number % 2 == 1:
                typed["en"]["answer"] = now["en"]["answer"].removesuffix(" Thank you.")
            started = time.perf_counter()
            outcome = saving.save(root, ref, typed, opened_file=saving.digest(text),
                                  opened_item=saving.item_digest(now), name="Bench", email="bench@example.org")
            elapsed = (time.perf_counter() - started) * 1000
            assert outcome.status == "saved", outcome.status
            if number:
                times.append(elapsed)
    median = statistics.median(times)
    print(f"Saves (check + write + commit), warm process: {len(times)}")
    print(f"Median: {median:.0f} ms; slowest: {max(times):.0f} ms")
    print(f"Target median < {TARGET_MS} ms: {median:.0f} ms -> {'PASS' if median < TARGET_MS else 'MISS'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
