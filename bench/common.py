"""Helpers shared by the benchmarks: the machine, project copies, measuring a command.

A measured command runs under a small Python wrapper process, so its wall time
and `getrusage(RUSAGE_CHILDREN).ru_maxrss` (the largest single process of the
whole tree, once every process in it has been waited for) belong to that run
alone. While it runs, this process also samples the tree from /proc and keeps
the peak of the summed RSS and PSS: our build forks two MkDocs workers that run
at the same time, so the largest process alone understates what it needs.
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# What a project folder holds (as tests/conftest.py copies it); node_modules is linked.
PROJECT_PARTS = ("content", "forms", "templates", "mkdocs.yml", "babel.cfg")

_WRAPPER = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.call(sys.argv[2:])
wall = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as out:
    json.dump({"wall": wall, "maxrss_kb": usage.ru_maxrss, "user": usage.ru_utime,
               "sys": usage.ru_stime, "code": code}, out)
"""


def machine() -> dict[str, str]:
    model = "?"
    mem_kb = 0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": model,
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "os": _os_name(),
        "python": platform.python_version(),
    }


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.platform()


def load_note() -> str:
    """The load average, with a warning when other work shares the CPUs."""
    one, five, _ = os.getloadavg()
    busy = one > 0.5
    return (f"load average {one:.2f} (1 min), {five:.2f} (5 min)"
            + (" - WARNING: other processes are using the CPUs; timings will be noisy" if busy else ""))


def copy_project(target: Path, *, skip: tuple[str, ...] = ()) -> Path:
    """A private copy of the real project (paths in `skip`, relative to the root, left out)."""
    target.mkdir(parents=True, exist_ok=True)
    skipped = {REPO / s for s in skip}

    def ignore(folder: str, names: list[str]) -> list[str]:
        return [n for n in names if Path(folder, n) in skipped]

    for name in PROJECT_PARTS:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, target / name)
    (target / "node_modules").symlink_to(REPO / "node_modules")
    return target


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds of the whole tree
    maxrss_mb: float  # largest single process of the tree (getrusage)
    tree_rss_mb: float  # peak of the summed RSS of the tree (sampled)
    tree_pss_mb: float  # peak of the summed PSS of the tree (sampled; shared pages counted once)
    walls: list[float] = field(default_factory=list)  # every timed run (for a median: its spread)


class MeasureError(RuntimeError):
    pass


def measure(cmd: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None,
            interval: float = 0.05) -> Run:
    """Run `cmd` once in a fresh wrapper process; raise MeasureError if it fails."""
    with tempfile.TemporaryDirectory(prefix="qalb-measure-") as tmp:
        result_file = Path(tmp) / "result.json"
        log_file = Path(tmp) / "log.txt"
        with open(log_file, "wb") as log:
            proc = subprocess.Popen([sys.executable, "-c", _WRAPPER, str(result_file), *cmd],
                                    stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd)
            sampler = _TreeSampler(proc.pid, interval)
            sampler.start()
            proc.wait()
            sampler.stop()
        log_text = log_file.read_text(encoding="utf-8", errors="replace")
        if proc.returncode != 0 or not result_file.exists():
            raise MeasureError(f"{' '.join(cmd)} failed:\n{log_text[-4000:]}")
        result = json.loads(result_file.read_text())
        if result["code"] != 0:
            raise MeasureError(f"{' '.join(cmd)} exited {result['code']}:\n{log_text[-4000:]}")
    return Run(wall=result["wall"], cpu=result["user"] + result["sys"],
               maxrss_mb=result["maxrss_kb"] / 1024,
               tree_rss_mb=sampler.peak_rss_kb / 1024, tree_pss_mb=sampler.peak_pss_kb / 1024)


class _TreeSampler(threading.Thread):
    """Peak summed RSS/PSS of the descendants of `root` (the wrapper itself excluded)."""

    def __init__(self, root: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.peak_rss_kb = self.peak_pss_kb = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self._sample()
            self._done.wait(self.interval)

    def stop(self) -> None:
        self._done.set()
        self.join()

    def _sample(self) -> None:
        rss = pss = 0
        for pid in _descendants(self.root):
            try:
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
            except (OSError, ValueError):
                continue  # exited meanwhile
        self.peak_rss_kb = max(self.peak_rss_kb, rss)
        self.peak_pss_kb = max(self.peak_pss_kb, pss)


def _descendants(root: int) -> list[int]:
    found: list[int] = []
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                children = Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                found.append(child)
                todo.append(child)
    return found


def median_run(runs: list[Run]) -> Run:
    """Median wall and CPU time; memory fields are the maximum over all runs."""
    return Run(wall=statistics.median(r.wall for r in runs), cpu=statistics.median(r.cpu for r in runs),
               maxrss_mb=max(r.maxrss_mb for r in runs), tree_rss_mb=max(r.tree_rss_mb for r in runs),
               tree_pss_mb=max(r.tree_pss_mb for r in runs), walls=[r.wall for r in runs])


def tree_stats(folder: Path) -> dict[str, int]:
    """Pages (HTML files that are not redirect stubs) and bytes of a built site.

    Search bytes: a JSON search index (search_index.json) or Pagefind's pagefind/ folders.
    """
    pages = html_bytes = total = search = 0
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        size = path.stat().st_size
        total += size
        if path.suffix == ".html":
            if size < 2048 and b'http-equiv="refresh"' in path.read_bytes():
                continue  # Hugo's redirect from /ar/ to /
            pages += 1
            html_bytes += size
        if path.name == "search_index.json" or "pagefind" in path.parts:
            search += size
    return {"pages": pages, "html_bytes": html_bytes, "search_bytes": search, "total_bytes": total}
