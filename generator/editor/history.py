"""The project folder's git history: every save is a commit, an item's versions are the
commits that touched its file. `git` runs with fixed argument lists (no shell); a path or a
commit id comes only from our own list of files or from git's own output (checked below).
(bandit's B404/B603/B607 are answered here: git, fixed argument lists, never a shell.)
"""
from __future__ import annotations

import re
import subprocess  # nosec B404
from dataclasses import dataclass
from pathlib import Path

FIX_COMMAND = "git init && git add content forms && git commit -m 'Content before the editor'"
_COMMIT = re.compile(r"[0-9a-f]{40}")


class GitError(RuntimeError):
    pass


def _git(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,  # nosec B603 B607
                          env=env, check=False)
    if done.returncode != 0:
        raise GitError(done.stderr.strip() or f"git {args[0]} failed")
    return done.stdout


def is_repository(root: Path) -> bool:
    """True when the project folder is the top of a git work tree (not merely inside another one)."""
    try:
        top = _git(root, "rev-parse", "--show-toplevel").strip()
    except (GitError, OSError):
        return False
    return Path(top).resolve() == root.resolve()


def commit(root: Path, paths: list[str], *, message: str, name: str, email: str) -> str:
    """Commit exactly these files as this staff member; the new commit's id."""
    author = f"{name} <{email}>"
    _git(root, "add", "--", *paths)
    _git(root, "-c", f"user.name={name}", "-c", f"user.email={email}", "commit", "--quiet", "--no-verify",
         f"--author={author}", "-m", message, "--", *paths)
    return _git(root, "rev-parse", "HEAD").strip()


def head(root: Path) -> str:
    """The id of the project's last commit."""
    return _git(root, "rev-parse", "HEAD").strip()


@dataclass(frozen=True)
class Version:
    commit: str
    author: str
    date: str  # ISO 8601, as git wrote it
    message: str


def versions(root: Path, rel: str, limit: int = 50) -> list[Version]:
    """The commits that changed the file, newest first."""
    out = _git(root, "log", f"--max-count={limit}", "--format=%H%x1f%an%x1f%aI%x1f%s", "--", rel)
    found = []
    for line in out.splitlines():
        parts = line.split("\x1f")
        if len(parts) == 4 and _COMMIT.fullmatch(parts[0]):
            found.append(Version(*parts))
    return found


def file_at(root: Path, commit_id: str, rel: str) -> str | None:
    """The file as it was at a commit (a full id from `versions`), or None."""
    if not _COMMIT.fullmatch(commit_id):
        return None
    try:
        return _git(root, "show", f"{commit_id}:{rel}")
    except GitError:
        return None
