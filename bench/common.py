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
from typing import Callable, TypeVar

REPO = Path(__file__).resolve().parents[1]
T = TypeVar("T")

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

    Search bytes: the JSON search indexes (Hugo's search_index.json, our search/index.json).
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
        if path.name == "search_index.json" or path.parts[-2:] == ("search", "index.json"):
            search += size
    return {"pages": pages, "html_bytes": html_bytes, "search_bytes": search, "total_bytes": total}


# --- help-request answers (bench/endpoint.py, bench/validate.py) ----------------

_AR_FIRST = ("سارة", "محمد", "نورة", "عبدالله", "فاطمة", "خالد", "ريم", "فهد", "هيا", "سلطان", "منيرة", "تركي")
_AR_FAMILY = ("القحطاني", "العتيبي", "الشهري", "الدوسري", "الغامدي", "الزهراني", "المطيري", "الحربي", "العنزي")
_EN_FIRST = ("Sara", "Mohammed", "Noura", "Abdullah", "Fatimah", "Khalid", "Reem", "Fahad", "Haya", "Sultan")
_EN_FAMILY = ("Al-Qahtani", "Al-Otaibi", "Al-Shehri", "Al-Dosari", "Al-Ghamdi", "Al-Zahrani", "Al-Mutairi")
_CITIES = ("الرياض", "جدة", "مكة المكرمة", "المدينة المنورة", "الدمام", "أبها", "تبوك", "حائل", "بريدة",
           "Riyadh", "Jeddah", "Dammam", "Abha", "Khobar")
_RELATIONS = ("self", "parent", "child", "spouse", "sibling", "other-relative", "other")
_SUPPORT = ("financial", "devices-medicine", "treatment-travel", "other")
_AR_TEXT = ("المريض يعاني من قصور في عضلة القلب ويحتاج إلى متابعة دورية في المستشفى وأدوية شهرية "
            "لا تغطيها التأمينات والأسرة لا تستطيع تحمل تكاليف السفر إلى الرياض للعلاج وقد أوصى "
            "الطبيب بجهاز لمراقبة ضغط الدم ونرجو من الجمعية دراسة الطلب والمساعدة في أقرب وقت").split()
_EN_TEXT = ("the patient has heart failure and needs regular follow up at the hospital and monthly "
            "medicine that insurance does not cover the family cannot pay for travel to Riyadh for "
            "treatment and the doctor recommended a blood pressure monitor please study the request").split()
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def help_request_answers(count: int, seed: int = 7) -> list[dict[str, str]]:
    """`count` different valid answers to forms/help-request.yml, as a browser posts them
    (every field present, "" when left empty; no `lang`). Deterministic for a seed.

    They vary the way real posts do: Arabic or English, optional fields empty or
    filled, IDs and mobiles sometimes in Arabic-Indic digits or grouped with
    spaces (the endpoint normalises those), descriptions of 40 to ~1,500 characters.
    """
    import random

    rng = random.Random(seed)
    out: list[dict[str, str]] = []

    def digits(text: str, groups: tuple[int, ...] | None) -> str:
        if groups:  # "050 123 4567", "1 234 567 890"
            cuts = [sum(groups[:k]) for k in range(len(groups) + 1)]
            text = " ".join(text[a:b] for a, b in zip(cuts, cuts[1:]))
        return text.translate(_ARABIC_INDIC) if rng.random() < 0.3 else text

    for i in range(count):
        arabic = rng.random() < 0.7
        first, family = (_AR_FIRST, _AR_FAMILY) if arabic else (_EN_FIRST, _EN_FAMILY)
        words = _AR_TEXT if arabic else _EN_TEXT
        relation = rng.choice(_RELATIONS)
        national_id = rng.choice("12") + "".join(rng.choice("0123456789") for _ in range(9))
        mobile = "".join(rng.choice("0123456789") for _ in range(8))
        mobile = ("05" if rng.random() < 0.8 else "+9665") + mobile

        def text(low: int, high: int, words: tuple[str, ...] | list[str] = words) -> str:
            return " ".join(rng.choice(words) for _ in range(rng.randint(low, high)))

        support = rng.choice(_SUPPORT)
        out.append({
            "applicant_name": f"{rng.choice(first)} {rng.choice(first)} {rng.choice(family)}",
            "national_id": digits(national_id, (1, 3, 3, 3) if rng.random() < 0.2 else None),
            "mobile": digits(mobile, (3, 3, 4) if rng.random() < 0.2 and mobile.startswith("05") else None),
            "email": f"user{i}@example.org" if rng.random() < 0.5 else "",
            "city": rng.choice(_CITIES),
            "relation": relation,
            "patient_name": "" if relation == "self" else f"{rng.choice(first)} {rng.choice(family)}",
            "heart_condition": text(3, 40)[:500],
            "support_kind": support,
            # Asked only for "other" support (its `relevant:`); a browser without JavaScript posts it empty.
            "support_other": text(3, 30)[:300] if support == "other" else "",
            "description": text(8, 240)[:2000],
            "declaration": "true",
            "consent": "true",
        })
    return out


def fs_type(path: Path) -> str:
    """The file system type (ext4, tmpfs, ...) holding `path`: fsync is free on tmpfs."""
    best, kind = "", "?"
    target = str(Path(path).resolve())
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            parts = line.split()
            inside = len(parts) > 2 and (target == parts[1] or target.startswith(parts[1].rstrip("/") + "/"))
            if inside and len(parts[1]) >= len(best):
                best, kind = parts[1], parts[2]
    except OSError:
        pass
    return kind


BACKENDS = ("sqlite", "postgresql", "both")


def on_backends(which: str, sqlite_file: Path, run: Callable[[str, str], T]) -> list[T]:
    """`run(name, store_url)` on SQLite (a file at `sqlite_file`), on PostgreSQL (a server
    started for it and stopped after), or both, as `--backend` (one of BACKENDS) says."""
    runs = []
    if which in ("sqlite", "both"):
        runs.append(run("SQLite", f"sqlite:///{sqlite_file}"))
    if which in ("postgresql", "both"):
        from tests.support.postgres import start_postgres, stop_postgres

        server = start_postgres()
        try:
            runs.append(run("PostgreSQL", server.new_database()))
        finally:
            stop_postgres(server)
    return runs
