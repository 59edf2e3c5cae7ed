"""What the MkDocs hooks need from the build that started them.

MkDocs loads hooks as plain modules, with no way to hand them objects; the
build sets `CURRENT` before it forks the per-language builds, which inherit it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.core.organisation import Settings

from .incremental import Outcome, Plan


@dataclass
class BuildState:
    settings: Settings = field(default_factory=Settings)
    forms: dict[str, Any] = field(default_factory=dict)
    root: Path = Path()  # the project
    cache_dir: Path | None = None  # the project's .build/: compiled theme templates are kept there
    synonyms: dict[str, list[list[str]]] = field(default_factory=dict)  # lang -> the search's synonym groups
    date: dt.date | None = None  # the date the site carries (the sitemaps); None: MkDocs' own (today)
    plans: dict[str, Plan] = field(default_factory=dict)  # lang -> pages the build may copy (incremental.py)
    outcome: Outcome | None = None  # set in a language's worker by its build: what it rendered and copied


CURRENT = BuildState()
