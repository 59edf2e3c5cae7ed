#!/usr/bin/env python3
"""Editor benchmark (issue 31): preview and publish in a warm process.

As the workspace runs them: one Python process that has already built once
(imports loaded, `.build/` filled), then for each run one word of one FAQ
answer changes and we time `build_preview(root, folder)` and `publish(root)`
(build into a new folder + switch the `site` link), the functions the content
editor calls. On the real content and on a synthetic project with N FAQ
entries and N services (bench/build.py's, ~600 words a language each).
(The editor's save, check + write + commit, is measured by its own part.)

    .venv/bin/python bench/editor.py            # real content and N=1000, 5 runs each
    .venv/bin/python bench/editor.py --quick    # real content, 2 runs (the test suite)
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))
from build import synthetic_project
from common import copy_project, machine

from generator.site.publishing import build_preview, publish

TARGETS = {"preview_s": 1.5, "publish_s": 1.0}


def _edit(root: Path, run: int) -> None:
    """Add one word to the first line of the first FAQ answer (so each build has something to do)."""
    faq = root / "content" / "faq.yml"
    text = faq.read_text(encoding="utf-8")
    at = text.index("answer: |\n") + len("answer: |\n")
    end = text.index("\n", at)
    faq.write_text(f"{text[:end]} {run}{text[end:]}", encoding="utf-8")


def cold_build(root: Path, out: Path) -> float:
    """The CLI's `build` in a fresh process, for comparison under the same load."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "generator", "--root", str(root), "build", "--site-dir", str(out)],
                   check=True, capture_output=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    return time.perf_counter() - started


def measure(root: Path, runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"cold_build_s": [cold_build(root, root / ".build" / "cold")],
                                     "preview_s": [], "publish_s": []}
    outcome = publish(root)  # the warm-up: imports, .build/, the first site folder
    if not outcome.ok:
        raise SystemExit("\n".join(str(p) for p in outcome.problems))
    preview = root / ".build" / "editor-preview"
    for run in range(1, runs + 1):
        _edit(root, run)
        started = time.perf_counter()
        problems = build_preview(root, preview)
        times["preview_s"].append(time.perf_counter() - started)
        if any(p.severity == "error" for p in problems):
            raise SystemExit("\n".join(str(p) for p in problems))
        outcome = publish(root)
        if not outcome.ok:
            raise SystemExit("\n".join(str(p) for p in outcome.problems))
        times["publish_s"].append(outcome.seconds)
    return times


def _row(label: str, times: dict[str, list[float]]) -> str:
    parts = [label]
    for key, values in times.items():
        median = statistics.median(values)
        target = TARGETS.get(key)
        verdict = f"; target < {target:.1f} s: {'met' if median < target else 'NOT met'}" if target else ""
        parts.append(f"{key.removesuffix('_s')} median {median:.2f} s "
                     f"(min {min(values):.2f}, max {max(values):.2f}{verdict})")
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="real content only, 2 runs")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("-n", type=int, action="append", help="synthetic FAQ/services size (default 1000)")
    args = parser.parse_args(argv)
    runs = 2 if args.quick else args.runs
    sizes = [] if args.quick else (args.n or [1000])
    print(f"Machine: {machine()}, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        real = copy_project(Path(tmp) / "real")
        print(_row(f"Real content ({runs} runs, warm process)", measure(real, runs)), flush=True)
        for n in sizes:
            root = synthetic_project(Path(tmp) / f"n{n}", n)
            print(_row(f"N={n} ({runs} runs, warm process)", measure(root, runs)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
