"""Saving one item: nothing is written unless the result passes the site's own checker, and
nothing typed is lost.

    1. the project folder must be a git repository (else refused, with the command that fixes it)
    2. the file changed since the page was opened? If this item did not change, the typed text is
       put onto the file as it is now (two editors saving different items both succeed); if it
       did, the save stops and the page shows both versions, the typed text kept
    3. the new file is checked in a temporary copy of content/ and forms/ (load_project, as
       `check` and `build` do): an error the project did not have before stops the save and is
       placed beside its field; warnings are shown and the save goes ahead
    4. the file is replaced atomically, the translation lock records the items now in step (an
       item with one language changed stays "needs review"), both are committed as the staff member;
       if git fails (another git command holding its lock), both files are put back as they were
"""
from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

from generator.core.i18n import LANGUAGE_CODES
from generator.core.problems import Problem
from generator.site.check import Project, load_project
from generator.site.translations import LOCK_FILE, UnknownKey, accept_translation, write_lock

from . import history, yamlfile
from .catalogue import Ref, Values, apply, field_lines, fields, find, load_file, values_of

Status = Literal["saved", "unchanged", "invalid", "conflict", "no-git", "git-failed", "unknown"]
COLLECTION_NAMES = {"services": "Services", "faq": "FAQ", "charter": "Charter", "channels": "Channels"}
LANGUAGE_WORDS = {"ar": "Arabic", "en": "English"}
ONE_AT_A_TIME = threading.Lock()  # saves of this process, one after the other
_CHECKED: dict[Path, tuple[str, Project]] = {}  # per project folder: the last check, by its files' digest


@dataclass
class Outcome:
    status: Status
    errors: list[tuple[str, str, Problem]] = field(default_factory=list)  # (lang, field or "", problem)
    warnings: list[Problem] = field(default_factory=list)
    commit: str | None = None
    current: Values | None = None  # the item as the file holds it now (after a conflict)
    changed: list[tuple[str, str]] = field(default_factory=list)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def item_digest(values: Values) -> str:
    return digest(json.dumps(values, ensure_ascii=False, sort_keys=True))


def describe(ref: Ref, changed: list[tuple[str, str]]) -> str:
    """The commit message: 'FAQ: how-to-volunteer, Arabic answer'."""
    parts = [f"{LANGUAGE_WORDS[lang]} {name or 'text'}" if lang else name for lang, name in changed]
    return f"{COLLECTION_NAMES[ref.collection]}: {ref.item_id}, {', '.join(parts)}"


def tree_digest(root: Path) -> str:
    """A digest of every file the checker reads (content/ and forms/), to know a check still holds."""
    hashed = hashlib.sha256()
    for folder in ("content", "forms"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                hashed.update(f"{path.relative_to(root)}\0".encode())
                hashed.update(hashlib.sha256(path.read_bytes()).digest())
    return hashed.hexdigest()


def checked(root: Path) -> Project:
    """The project as `check` sees it, checked again only when a file has changed since."""
    key = tree_digest(root)
    cached = _CHECKED.get(root)
    if cached is None or cached[0] != key:
        cached = (key, load_project(root))
        _CHECKED[root] = cached
    return cached[1]


def save(root: Path, ref: Ref, typed: Values, *, opened_file: str, opened_item: str, name: str, email: str,
         message: str | None = None, keys: dict[str, str] | None = None) -> Outcome:
    """The item's typed text (and `keys`: its choices, e.g. a question's topic) saved: steps 1-4."""
    with ONE_AT_A_TIME:
        if not history.is_repository(root):
            return Outcome("no-git")
        text, data = load_file(root, ref.file)
        entry = find(data, ref)
        if entry is None:
            return Outcome("conflict")
        if digest(text) != opened_file and item_digest(values_of(entry, ref.spec)) != opened_item:
            return Outcome("conflict", current=values_of(entry, ref.spec))
        changed = apply(entry, ref.spec, typed)
        for key, value in (keys or {}).items():
            if value and entry.get(key) != value:
                entry[key] = value
                changed.append(("", key))
        if not changed:
            return Outcome("unchanged")
        return write_checked(root, ref.file, data, placer=item_placer(ref), name=name, email=email,
                             message=message or describe(ref, changed), changed=changed)


def accept(root: Path, key: str, *, name: str, email: str, message: str) -> Outcome:
    """"The other language is still right": the lock records item `key` alone as in step, and
    is committed as the staff member ("unchanged" when it already was; "unknown": no such item)."""
    with ONE_AT_A_TIME:
        if not history.is_repository(root):
            return Outcome("no-git")
        lock = root / LOCK_FILE
        kept = lock.read_bytes() if lock.exists() else None
        try:
            if not accept_translation(root, key, checked(root).translation_hashes):
                return Outcome("unchanged")
        except UnknownKey:
            return Outcome("unknown")
        try:
            return Outcome("saved", commit=history.commit(root, [LOCK_FILE], message=message, name=name, email=email))
        except BaseException as failed:  # not committed: the lock goes back as it was
            if kept is None:
                lock.unlink(missing_ok=True)
            else:
                _replace_bytes(lock, kept)
            if isinstance(failed, history.GitError):
                return Outcome("git-failed")
            raise


#: Where the new errors of a changed file belong: (language, field, problem) each; ("", "") for the summary only.
Placer = Callable[[str, list[Problem]], list[tuple[str, str, Problem]]]


def write_checked(root: Path, file: str, data: Any, *, placer: Placer, message: str, name: str, email: str,
                  changed: list[tuple[str, str]] | None = None) -> Outcome:
    """Steps 3 and 4 (see the top) for one YAML file, as `write_texts`."""
    return write_texts(root, {file: yamlfile.dump(data)}, placer=placer, message=message, name=name, email=email,
                       changed=changed)


def write_texts(root: Path, texts: dict[str, str], *, placer: Placer, message: str, name: str, email: str,
                changed: list[tuple[str, str]] | None = None) -> Outcome:
    """Steps 3 and 4 (see the top): the changed files checked, written and committed, or not at all
    (`placer` gets the first file's new text). The caller holds `ONE_AT_A_TIME` (see `save`,
    structure.py, form_texts.py, prose.py)."""
    errors, warnings, after = _check(root, texts, placer)
    if errors:
        return Outcome("invalid", errors=errors, warnings=warnings, changed=changed or [])
    kept = {rel: (root / rel).read_bytes() for rel in (*texts, LOCK_FILE) if (root / rel).exists()}
    for rel, text in texts.items():
        _replace(root / rel, text)
    paths = list(texts)
    try:
        if write_lock(root, after.translation_hashes):
            paths.append(LOCK_FILE)
        commit = history.commit(root, paths, message=message, name=name, email=email)
    except BaseException as failed:  # not committed: the files go back as they were, so disk and history agree
        for rel, content in kept.items():
            _replace_bytes(root / rel, content)
        if isinstance(failed, history.GitError):
            return Outcome("git-failed", changed=changed or [])
        raise
    # The copy's check holds for the files now written (the lock only records what was in step).
    _CHECKED[root] = (tree_digest(root), after)
    return Outcome("saved", warnings=warnings, commit=commit, changed=changed or [])


def _replace(path: Path, text: str) -> None:
    _replace_bytes(path, text.encode("utf-8"))


def _replace_bytes(path: Path, content: bytes) -> None:
    """The file replaced at once (a reader sees the old or the new file, never half of one)."""
    tmp = path.with_name(f".{path.name}.saving")
    tmp.write_bytes(content)
    tmp.replace(path)


def _problem_key(problem: Problem) -> tuple[str, str, str]:
    return (problem.path, problem.code, problem.message)


def _check(root: Path, texts: dict[str, str], placer: Placer
           ) -> tuple[list[tuple[str, str, Problem]], list[Problem], Project]:
    """The new errors (placed on their fields), the warnings about this file, and the
    checked result, from a check of a temporary copy with the new file."""
    before = Counter(_problem_key(p) for p in checked(root).problems.errors)
    with tempfile.TemporaryDirectory(prefix="qalb-editor-") as tmp:
        copy = Path(tmp)
        for folder in ("content", "forms"):
            if (root / folder).is_dir():
                shutil.copytree(root / folder, copy / folder)
        for rel, text in texts.items():
            (copy / rel).write_text(text, encoding="utf-8")
        after = load_project(copy)
    new_errors = []
    for problem in after.problems.errors:
        key = _problem_key(problem)
        if before[key] > 0:
            before[key] -= 1
        else:
            new_errors.append(problem)
    placed = placer(next(iter(texts.values())), new_errors) if new_errors else []
    warnings = [p for p in after.problems.warnings if p.path in texts]
    return placed, warnings, after


def item_placer(ref: Ref) -> Placer:
    """Errors placed on the fields of one collection item (the new file read again only then)."""
    def place(new_text: str, problems: list[Problem]) -> list[tuple[str, str, Problem]]:
        entry = find(yamlfile.load(new_text), ref)
        lines = field_lines(entry, ref.spec) if entry is not None else {}
        return [(*_place(problem, ref, lines), problem) for problem in problems]
    return place


def _place(problem: Problem, ref: Ref, lines: dict[int, tuple[str, str]]) -> tuple[str, str]:
    """The (language, field) a problem of the checker is about, or ("", "") for the summary only."""
    if problem.path != ref.file:
        return "", ""
    lang, name = lines.get(problem.line, ("", ""))
    named = next((f.name for f in fields(ref.spec) if f.name and f'"{f.name}:"' in problem.message), None)
    if named is not None:  # "has no "answer:" under "en:"": the field the message names
        name = named
    elif name == "*":
        name = ""
    if not lang or f'"{lang}:"' not in problem.message:
        lang = next((code for code in LANGUAGE_CODES if f'"{code}:"' in problem.message), lang)
    return lang, name
