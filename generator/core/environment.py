"""Reading settings from environment variables: the parsers each package's
settings module uses, so every package reads its variables in one place and
refuses a value it cannot understand with a message naming the variable.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping


class SettingsError(ValueError):
    """A setting has a value we refuse to guess about."""


def path_setting(root: Path, text: str) -> Path | None:
    """A file setting: empty means the default (None), relative means inside the project folder."""
    text = text.strip()
    return (root / text) if text and not Path(text).is_absolute() else (Path(text) if text else None)


def positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    if not raw.strip().isdigit() or int(raw) < 1:
        raise SettingsError(f'{name} must be a whole number above 0; got "{raw}".')
    return int(raw)


def absolute_url(env: Mapping[str, str], name: str) -> str:
    """An absolute http(s) URL ending in "/", or "" when the variable is unset."""
    text = env.get(name, "").strip()
    if text and not re.fullmatch(r"https?://[^/\s]+(/\S*)?", text):
        raise SettingsError(f'{name} must be an absolute http(s) URL; got "{text}".')
    return text if not text or text.endswith("/") else text + "/"
