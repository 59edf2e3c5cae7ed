"""Preview and publish: what the content editor calls, and `python -m generator publish`.

`build_preview` builds the saved files into a folder of its own (never the
project's site/, never the translation lock). `publish` builds into a new
folder beside site/ and switches site/ to it (`switch.py`: one rename, so a
visitor gets the old site or the new one, never half of one); a build with
errors publishes nothing. One publish at a time: a second waits for the first,
or with `wait=False` is refused at once. After a good build the publish command
(QALB_PUBLISH_COMMAND: rsync, git push, an object-store copy) runs, still under
the lock, and its output and exit status come back in the outcome.

A running endpoint or workspace notices a publish by `switch.stamp(site_dir)`
(one readlink per request): docs/deploy.md, "Publishing".
"""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from generator.core.problems import N_, ContentError, Problem, make

from . import switch
from .build import build_site, build_under_lock

#: How long the publish command may run before it is stopped (seconds).
COMMAND_TIMEOUT = 600.0


@dataclass(frozen=True)
class PublishOutcome:
    ok: bool
    #: The errors that stopped it, or a good build's warnings.
    problems: list[Problem] = field(default_factory=list)
    #: Site paths of the pages that changed or are new, both languages ("faq/", "en/faq/").
    changed: list[str] = field(default_factory=list)
    #: The publish command's output (stdout and stderr as they came) and exit status;
    #: status None: no command was set (or it did not run).
    command_output: str = ""
    command_status: int | None = None
    #: Refused because another publish was running (only with wait=False).
    busy: bool = False
    seconds: float = 0.0


def build_preview(root: Path, out_dir: Path) -> list[Problem]:
    """Build the saved files into `out_dir`; the errors (then `out_dir` is left as it was), or the
    warnings of a good build."""
    root = root.resolve()
    if Path(os.path.abspath(out_dir)) == root / "site":
        raise ValueError("a preview is never built into the project's site/: publish does that")
    try:
        report = build_site(root, site_dir=out_dir, record_translations=False, incremental=True)
    except ContentError as exc:
        return list(exc.problems)
    return list(report.warnings)


def publish(root: Path, *, site_dir: Path | None = None, command: tuple[str, ...] = (), wait: bool = True,
            strict: bool = False, timeout: float = COMMAND_TIMEOUT, date: dt.date | None = None,
            incremental: bool = True) -> PublishOutcome:
    """Build and switch `site_dir` (the project's site/ by default), then run `command`;
    `strict`: warnings (placeholders not filled in) stop it too, as `build --strict`;
    `incremental`: pages unchanged since the current site are copied from it (incremental.py)."""
    started = time.perf_counter()
    root = root.resolve()
    site_dir = Path(os.path.abspath(site_dir or root / "site"))
    try:
        with switch.switch_lock(site_dir, wait=wait):
            try:
                report = build_under_lock(root, site_dir, strict=strict, record_translations=True,
                                          date=date or dt.datetime.now(dt.timezone.utc).date(),
                                          incremental=incremental)
            except ContentError as exc:
                return PublishOutcome(False, list(exc.problems), seconds=time.perf_counter() - started)
            changed = changed_pages(report.previous, report.current or site_dir)
            output, status = run_command(command, root, timeout) if command else ("", None)
    except switch.Busy:
        busy = make(str(site_dir.name), 1, "publish-busy",
                    N_("Another publish is running: nothing was published. Try again when it has finished."))
        return PublishOutcome(False, [busy], busy=True, seconds=time.perf_counter() - started)
    return PublishOutcome(status in (None, 0), list(report.warnings), changed, output, status,
                          seconds=time.perf_counter() - started)


def changed_pages(before: Path | None, after: Path) -> list[str]:
    """The pages (`index.html` folders, as site paths) of `after` that `before` lacks or differs in."""
    changed = []
    for page in sorted(after.rglob("index.html")):
        rel = page.relative_to(after)
        old = before / rel if before else None
        if old is None or not old.is_file() or old.read_bytes() != page.read_bytes():
            folder = rel.parent.as_posix()
            changed.append("" if folder == "." else folder + "/")
    return changed


def run_command(command: tuple[str, ...], root: Path, timeout: float) -> tuple[str, int]:
    """Run the publish command in the project folder; (its output, its exit status)."""
    try:
        done = subprocess.run(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=timeout, check=False)
    except FileNotFoundError:
        return f"{command[0]}: command not found", 127
    except subprocess.TimeoutExpired as exc:
        output = exc.output.decode("utf-8", "replace") if exc.output else ""
        return output + f"\n(stopped after {timeout:.0f} s)", -1
    return done.stdout.decode("utf-8", "replace"), done.returncode
