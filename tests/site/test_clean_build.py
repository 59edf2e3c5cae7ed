"""Issue 35 (item 8): a build of a fresh copy of the project changes no file it was given.

`build` records the translation hashes in content/translations.lock.yml; a
committed lock that is stale for any item makes every fresh clone's first
build rewrite a tracked file. The copy shares the font cache (.build/fonts, ignored
by git, as a machine that built once has it) so the test costs one build.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from tests.conftest import copy_project

# What the build may write: its output (the `site` link, the `site-<time>` folder it points
# to, the lock of one build at a time) and its cache, all in .gitignore.
WRITTEN = ("site", ".build", ".site-publish.lock")


def written(name: str) -> bool:
    return name in (*WRITTEN, "node_modules") or name.startswith("site-")


def snapshot(root: Path) -> dict[str, str]:
    return {str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*"))
            if path.is_file() and not written(path.relative_to(root).parts[0])}


def test_a_build_of_a_fresh_copy_changes_no_file_it_was_given(tmp_path):
    from generator.site.build import build_site

    project = copy_project(tmp_path / "project")  # with the machine's font cache
    before = snapshot(project)
    build_site(project)  # as `make build` does: into <root>/site, recording translations
    after = snapshot(project)
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    assert changed == [], ("the build changed files of the project (for content/translations.lock.yml: "
                           "run `python -m generator build` and commit the lock)")
    assert (project / "site" / "index.html").exists()
