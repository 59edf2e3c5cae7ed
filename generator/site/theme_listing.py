"""The theme's files listed once per process, not on every build.

Each build, MkDocs lists every file of the theme's template folders to find the
static ones it copies (`Files.add_files_from_theme`): Material's folder holds
~14,500 files, nearly all icons under `.icons/`, and listing and filtering them
was about a third of a warm build's MkDocs time. MkDocs never copies a hidden
file or anything in a hidden folder (its filter's first patterns, `.*` and
`*/.*`), so this listing leaves them out, and keeps the installed theme's folders
from the first time it walks them (a long-lived process: the workspace; the
build forks its language workers after `remember`). The project's own
templates/overrides is listed afresh each time. Loading templates is Jinja's
own: only `list_templates` differs. tests/site/test_theme_listing.py checks that
MkDocs finds the same files with it as without.
"""
from __future__ import annotations

from typing import Any

import jinja2

_LISTED: dict[str, list[str]] = {}


def _hidden(name: str) -> bool:
    return name.startswith(".") or "/." in name


def _visible(folder: str) -> list[str]:
    return [name for name in jinja2.FileSystemLoader(folder).list_templates() if not _hidden(name)]


def remember(folders: list[str]) -> None:
    """List the installed theme's `folders` now (before the build forks its workers)."""
    for folder in folders:
        if folder not in _LISTED:
            _LISTED[folder] = _visible(folder)


class ThemeLoader(jinja2.FileSystemLoader):
    def __init__(self, folders: list[str], installed: list[str]) -> None:
        super().__init__(folders)
        self.installed = installed

    def list_templates(self) -> list[str]:
        names: set[str] = set()
        for folder in self.searchpath:
            if folder in self.installed:
                remember([folder])
                names.update(_LISTED[folder])
            else:
                names.update(_visible(folder))
        return sorted(names)


def install(theme: Any) -> None:
    """Make `theme.get_env()` (MkDocs' Theme) give environments that list through ThemeLoader:
    its folders but the project's custom_dir are the installed theme's."""
    make_env = theme.get_env
    installed = [str(folder) for folder in theme.dirs if folder != theme.custom_dir]

    def get_env() -> jinja2.Environment:
        env: jinja2.Environment = make_env()
        env.loader = ThemeLoader([str(folder) for folder in theme.dirs], installed)
        return env

    theme.get_env = get_env
