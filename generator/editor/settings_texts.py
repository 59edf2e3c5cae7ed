"""The organisation settings the editor may fill in (content/settings.yml `organisation:`):
name, short name, phone, WhatsApp, e-mail, address, opening hours, licence number, what to
prepare (a list of lines per language) and the social accounts. An empty value is a
placeholder on the site; the page marks it so. Numbers typed in Arabic-Indic digits are
written with 0-9. The site address, digits, endpoint and working days stay in the file.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedSeq

from generator.core.i18n import LANGUAGE_CODES, to_western_digits
from generator.core.organisation import LIST_KEYS, ORGANISATION_KEYS, SETTINGS_FILE
from generator.core.problems import Problem

from . import history
from .catalogue import load_file
from .saving import ONE_AT_A_TIME, Outcome, write_checked
from .yamlfile import styled

DIGIT_KEYS = ("phone", "whatsapp", "licence_number")
ONE = ""  # the "language" of a value that has one form in both languages


@dataclass
class Setting:
    key: str  # "phone", "address", "social.x"
    node: Any  # the mapping holding the value(s)
    languages: tuple[str, ...]  # LANGUAGE_CODES for a translated value, (ONE,) for one plain value
    name: str  # the key in `node`, for one plain value

    @property
    def is_list(self) -> bool:
        return self.key in LIST_KEYS

    def text(self, lang: str) -> str:
        value = self.node.get(lang if lang != ONE else self.name)
        if isinstance(value, list):
            return "\n".join(str(v) for v in value)
        return "" if value is None else str(value).strip()


def settings(data: Any) -> list[Setting]:
    org = data.get("organisation") if isinstance(data, dict) else None
    if not isinstance(org, dict):
        return []
    found = []
    for key, translated in ORGANISATION_KEYS.items():
        value = org.get(key)
        if key == "social":
            for network in (value or {}):
                found.append(Setting(f"social.{network}", value, (ONE,), str(network)))
        elif translated and isinstance(value, dict):
            found.append(Setting(key, value, LANGUAGE_CODES, key))
        elif not translated and key in org:
            found.append(Setting(key, org, (ONE,), key))
    return found


def digest(found: list[Setting]) -> str:
    values = [[s.key, {lang: s.text(lang) for lang in s.languages}] for s in found]
    return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()[:20]


def apply(found: list[Setting], typed: dict[str, dict[str, str]]) -> list[tuple[str, str]]:
    changed = []
    for setting in found:
        for lang in setting.languages:
            new = typed.get(setting.key, {}).get(lang, "").replace("\r\n", "\n").strip()
            if setting.key in DIGIT_KEYS:
                new = to_western_digits(new)
            if not setting.is_list:
                new = " ".join(new.split())
            if new == setting.text(lang):
                continue
            target = lang if lang != ONE else setting.name
            if setting.is_list:
                setting.node[target] = CommentedSeq([line.strip() for line in new.splitlines() if line.strip()])
            else:
                setting.node[target] = styled(setting.node.get(target), new)
            changed.append((lang, setting.key))
    return changed


def _placer(new_text: str, problems: list[Problem]) -> list[tuple[str, str, Problem]]:
    from .yamlfile import load

    lines: dict[int, tuple[str, str]] = {}
    for setting in settings(load(new_text)):
        for lang in setting.languages:
            target = lang if lang != ONE else setting.name
            if target in setting.node:
                lines[setting.node.lc.key(target)[0] + 1] = (lang, setting.key)
    return [(*lines.get(p.line, ("", "")), p) if p.path == SETTINGS_FILE else ("", "", p) for p in problems]


def save(root: Path, typed: dict[str, dict[str, str]], *, opened: str, name: str, email: str) -> Outcome:
    """Saved as the form texts are (form_texts.py): the settings page is one item."""
    with ONE_AT_A_TIME:
        if not history.is_repository(root):
            return Outcome("no-git")
        _, data = load_file(root, SETTINGS_FILE)
        found = settings(data)
        if digest(found) != opened:
            return Outcome("conflict")
        changed = apply(found, typed)
        if not changed:
            return Outcome("unchanged")
        parts = [f"{'Arabic ' if lang == 'ar' else 'English ' if lang == 'en' else ''}{key}" for lang, key in changed]
        return write_checked(root, SETTINGS_FILE, data, placer=_placer, name=name, email=email,
                             message=f"Settings: {', '.join(parts)}", changed=changed)
