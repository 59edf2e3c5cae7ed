#!/usr/bin/env python3
"""Editor benchmark (issue 31): save, preview and publish in a warm process.

As the workspace runs them: one Python process that has already built once
(imports loaded, `.build/` filled), then for each run one word of one FAQ
answer changes and we time `build_preview(root, folder)` and `publish(root)`
(build into a new folder + switch the `site` link), the functions the content
editor calls; publish twice, in full (`incremental=False`: every page rendered, as
before generator/site/incremental.py) and incrementally (as the editor publishes). On the real content and on a synthetic project with N FAQ
entries and N services (bench/build.py's, ~600 words a language each).
The editor's save (check + write + commit: bench/editor_save.py alone) is timed
here too, on projects made git repositories. `--faq N` adds N FAQ questions to a
copy of the real content (the real pages beside them), as communications staff
would; `--profile` prints where one warm publish spends its time (cProfile).

    .venv/bin/python bench/editor.py            # real content and N=1000, 5 runs each
    .venv/bin/python bench/editor.py --quick    # real content, 2 runs (the test suite)
    .venv/bin/python bench/editor.py --runs 3 --faq 1000 --profile
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
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

from generator.editor import saving
from generator.editor.catalogue import Ref, find, load_file, values_of
from generator.site.publishing import build_preview, publish

TARGETS = {"save_s": 0.3, "preview_s": 1.5, "publish_s": 1.0}  # publish: the incremental one, as the editor runs it
SAVED = Ref("faq", "questions", "how-to-volunteer")


def git_repository(root: Path) -> None:
    """The project made a git repository of its own, as the editor needs it to save."""
    for command in (["init", "--quiet"], ["add", "content", "forms"],
                    ["-c", "user.name=Bench", "-c", "user.email=bench@example.org", "commit", "--quiet", "-m", "start"]):
        subprocess.run(["git", "-C", str(root), *command], check=True)  # nosec B603 B607


def faq_project(root: Path, count: int) -> Path:
    """A copy of the real content with `count` more FAQ questions (the first one's texts, numbered)."""
    copy_project(root)
    faq = root / "content" / "faq.yml"
    text = faq.read_text(encoding="utf-8")
    first = text.index("  - anchor: ")
    second = text.index("  - anchor: ", first + 1)
    block = text[first:second]
    anchor = block.split("\n", 1)[0].removeprefix("  - anchor: ")
    added = "".join(block.replace(f"anchor: {anchor}", f"anchor: bench-question-{n}", 1)
                    .replace("؟\n", f" ({n})؟\n", 1).replace("?\n", f" ({n})?\n", 1) for n in range(1, count + 1))
    faq.write_text(text[:second] + added + text[second:], encoding="utf-8")
    return root


def save_once(root: Path, run: int) -> float:
    """One save of one FAQ answer as the workspace makes it; seconds."""
    text, data = load_file(root, SAVED.file)
    now = values_of(find(data, SAVED), SAVED.spec)
    typed = {lang: dict(fields) for lang, fields in now.items()}
    typed["en"]["answer"] = now["en"]["answer"] + f" Thank you ({run})."
    started = time.perf_counter()
    outcome = saving.save(root, SAVED, typed, opened_file=saving.digest(text), opened_item=saving.item_digest(now),
                          name="Bench", email="bench@example.org")
    if outcome.status != "saved":
        raise SystemExit(f"save: {outcome.status} {outcome.errors}")
    return time.perf_counter() - started


def profile_publish(root: Path, top: int = 25) -> str:
    """Where one warm publish spends its time: cProfile's functions by cumulative time."""
    _edit(root, 99)
    profiler = cProfile.Profile()
    profiler.enable()
    publish(root)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def _edit(root: Path, run: int) -> None:
    """Add one word to the first line of the first FAQ answer (so each build has something to do)."""
    faq = root / "content" / "faq.yml"
    text = faq.read_text(encoding="utf-8")
    at = text.index("answer: |\n") + len("answer: |\n")
    end = text.index("\n", at)
    faq.write_text(f"{text[:end]} {run}{text[end:]}", encoding="utf-8")


def _cpu_seconds() -> float:
    """CPU time of this process and of its children waited for (the build's language workers):
    less moved by other processes' load than the wall time."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def cold_build(root: Path, out: Path) -> float:
    """The CLI's `build` in a fresh process, for comparison under the same load."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "generator", "--root", str(root), "build", "--site-dir", str(out)],
                   check=True, capture_output=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    return time.perf_counter() - started


def measure(root: Path, runs: int) -> dict[str, list[float]]:
    git_repository(root)
    times: dict[str, list[float]] = {"cold_build_s": [cold_build(root, root / ".build" / "cold")],
                                     "save_s": [], "preview_s": [], "publish_full_s": [], "publish_s": [],
                                     "publish_full_cpu_s": [], "publish_cpu_s": []}
    save_once(root, 0)  # the warm-up of the save: the check of the files as they are
    outcome = publish(root)  # the warm-up: imports, .build/, the first site folder
    if not outcome.ok:
        raise SystemExit("\n".join(str(p) for p in outcome.problems))
    preview = root / ".build" / "editor-preview"
    for run in range(1, runs + 1):
        times["save_s"].append(save_once(root, run))
        _edit(root, run)
        started = time.perf_counter()
        problems = build_preview(root, preview)
        times["preview_s"].append(time.perf_counter() - started)
        if any(p.severity == "error" for p in problems):
            raise SystemExit("\n".join(str(p) for p in problems))
        # Before (every page rendered: the build before incremental.py) and after (unchanged pages
        # copied from the current site), each after its own one-word edit, alternating under the same load.
        for key, incremental in (("publish_full_s", False), ("publish_s", True)):
            if incremental:
                _edit(root, 1000 + run)
            cpu = _cpu_seconds()
            outcome = publish(root, incremental=incremental)
            if not outcome.ok:
                raise SystemExit("\n".join(str(p) for p in outcome.problems))
            times[key].append(outcome.seconds)
            times[key.replace("_s", "_cpu_s")].append(_cpu_seconds() - cpu)
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
    parser.add_argument("-n", type=int, action="append", help="synthetic FAQ/services size")
    parser.add_argument("--faq", type=int, action="append", help="FAQ questions added to the real content "
                        "(default 1000 when no -n)")
    parser.add_argument("--profile", action="store_true", help="profile one warm publish of each project")
    args = parser.parse_args(argv)
    runs = 2 if args.quick else args.runs
    sizes = [] if args.quick else (args.n or [])
    faqs = [] if args.quick else (args.faq or ([] if args.n else [1000]))
    print(f"Machine: {machine()}, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        real = copy_project(Path(tmp) / "real")
        print(_row(f"Real content ({runs} runs, warm process)", measure(real, runs)), flush=True)
        if args.profile:
            print(profile_publish(real), flush=True)
        for count in faqs:
            root = faq_project(Path(tmp) / f"faq{count}", count)
            print(_row(f"Real content + {count} FAQ questions ({runs} runs, warm process)", measure(root, runs)),
                  flush=True)
            if args.profile:
                print(profile_publish(root), flush=True)
        for n in sizes:
            root = synthetic_project(Path(tmp) / f"n{n}", n)
            print(_row(f"N={n} ({runs} runs, warm process)", measure(root, runs)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
