"""The served site folder as a symlink to its latest build, switched atomically.

`site` is a symbolic link to `site-<stamp>`, a folder built whole beside it. A
new build is renamed into its own `site-<stamp>`, then a new link is renamed over
`site` (rename(2) replaces it in one step), so a web server that resolves `site`
per request (generator/web/sitefiles.py) always finds a complete site: the old
one or the new one, never half of each nor none. The build before the current
one is kept (a request that resolved the old link can still read its files);
older ones are removed.

One build switches a folder at a time: `switch_lock` holds an exclusive
advisory lock (flock) on `.site-publish.lock` beside it, waited for or refused.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import re
import shutil
from pathlib import Path
from typing import Iterator


class Busy(Exception):
    """Another build is switching this site folder (raised when not waiting)."""


def lock_path(site_dir: Path) -> Path:
    return site_dir.with_name(f".{site_dir.name}-publish.lock")


@contextlib.contextmanager
def switch_lock(site_dir: Path, *, wait: bool = True) -> Iterator[None]:
    """Hold the one-at-a-time lock of `site_dir`; `Busy` when taken and `wait` is False."""
    path = lock_path(site_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise Busy(str(site_dir)) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def is_locked(site_dir: Path) -> bool:
    """True while a build holds the lock (so a caller can say it is waiting)."""
    try:
        with switch_lock(site_dir, wait=False):
            return False
    except Busy:
        return True


def _pattern(site_dir: Path) -> re.Pattern[str]:
    return re.compile(re.escape(site_dir.name) + r"-\d{8}T\d{12}Z\Z")


def new_stamp() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def current_build(site_dir: Path) -> Path | None:
    """The build folder `site_dir` links to (None when it is not a link)."""
    if not site_dir.is_symlink():
        return None
    return site_dir.parent / os.readlink(site_dir)


def stamp(site_dir: Path) -> str:
    """What changes exactly when a build is switched in: the link's target name ("" without one).
    One readlink(2): cheap enough to ask per request."""
    try:
        return os.readlink(site_dir)
    except OSError:
        return ""


def switch_in(built: Path, site_dir: Path) -> Path:
    """Move the finished build `built` beside `site_dir` and point `site_dir` at it; returns
    the folder it now links to. Call under `switch_lock`."""
    parent = site_dir.parent
    if site_dir.exists() and not site_dir.is_symlink():
        # A site built before builds were switched by link: moved aside once (a moment without
        # a site, the only one), then kept as the build one back.
        site_dir.rename(parent / f"{site_dir.name}-{new_stamp()}")
    target = parent / f"{site_dir.name}-{new_stamp()}"
    built.rename(target)
    link = parent / f".{site_dir.name}.link-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
    link.symlink_to(target.name)  # relative: the folder can be moved or mounted elsewhere whole
    os.replace(link, site_dir)
    _prune(site_dir, keep=target)
    return target


def _prune(site_dir: Path, *, keep: Path) -> None:
    """Remove every build of `site_dir` but the current one and the newest one before it."""
    pattern = _pattern(site_dir)
    builds = sorted(p for p in site_dir.parent.iterdir() if pattern.match(p.name) and p != keep)
    for old in builds[:-1]:
        shutil.rmtree(old, ignore_errors=True)
