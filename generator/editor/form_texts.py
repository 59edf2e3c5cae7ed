"""The texts of a form file that the editor may change: the form's title, introduction,
received heading, after-submit message and privacy text, and each field's label, hint, error
messages and choice labels. Never a name, a type, a constraint or anything else.

A text shared through a YAML anchor (`required: &kind-choose {...}`, `enum: *kind-choose`) is
one object in the loaded file: it is shown once, naming every place that uses it, and written
once, so the anchor and its aliases stay. A field's label and the privacy text are what the
privacy notice's version hashes (forms/model.py `notice_version`): the page says so beside them.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.core.i18n import LANGUAGE_CODES
from generator.core.problems import Problem
from generator.forms.check_form import TEXT_KEYS

from . import history
from .catalogue import load_file
from .saving import ONE_AT_A_TIME, Outcome, write_checked
from .yamlfile import styled

MARKDOWN_KEYS = ("intro", "after_submit", "privacy")
FIELD_PARTS = ("label", "hint")


@dataclass
class Unit:
    """One text in both languages: where it is, what it is, and the places sharing it."""

    key: str  # "title", "fields/name/label", "fields/kind/errors/required", "fields/kind/options/enquiry"
    node: Any  # the {ar, en} mapping in the loaded file
    kind: str  # "form", "label", "hint", "error", "option"
    part: str  # the form text's key, the error's code or the choice's value
    field_name: str = ""  # the form field's name
    anchor: str = ""  # the YAML anchor's name, when shared
    also: list[str] = field(default_factory=list)  # the other error codes using the same text

    @property
    def markdown(self) -> bool:
        return self.kind == "form" and self.part in MARKDOWN_KEYS

    @property
    def in_notice(self) -> bool:
        """Changing it makes a new privacy-notice version."""
        return self.kind == "label" or (self.kind == "form" and self.part == "privacy")

    def text(self, lang: str) -> str:
        value = self.node.get(lang) if isinstance(self.node, dict) else None
        return "" if value is None else str(value).strip()


def units(data: Any) -> list[Unit]:
    found: list[Unit] = []
    seen: dict[int, Unit] = {}
    for key in TEXT_KEYS:
        if isinstance(data.get(key), dict):
            found.append(Unit(key, data[key], "form", key))
    fields_ = ((data.get("schema") or {}).get("fields") or []) if isinstance(data, dict) else []
    for spec in fields_:
        ui = spec.get("ui") if isinstance(spec, dict) else None
        if not isinstance(ui, dict):
            continue
        name = str(spec.get("name"))
        for part in FIELD_PARTS:
            if isinstance(ui.get(part), dict):
                found.append(Unit(f"fields/{name}/{part}", ui[part], part, part, name))
        for group, kind in (("errors", "error"), ("options", "option")):
            for code, node in (ui.get(group) or {}).items():
                if not isinstance(node, dict):
                    continue
                if id(node) in seen:  # an alias of an anchored text already listed
                    seen[id(node)].also.append(str(code))
                    continue
                marker: Any = getattr(node, "anchor", None)
                anchor = marker.value if marker is not None else None
                unit = Unit(f"fields/{name}/{group}/{code}", node, kind, str(code), name, anchor or "")
                seen[id(node)] = unit
                found.append(unit)
    return found


def digest(found: list[Unit]) -> str:
    values = [[u.key, {lang: u.text(lang) for lang in LANGUAGE_CODES}] for u in found]
    return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()[:20]


def form_file(form_id: str) -> str:
    return f"forms/{form_id}.yml"


def apply(found: list[Unit], typed: dict[str, dict[str, str]]) -> list[tuple[str, str]]:
    """The typed texts put in place (one line unless Markdown); the (language, unit key) changed."""
    changed = []
    for unit in found:
        for lang in LANGUAGE_CODES:
            new = typed.get(unit.key, {}).get(lang, "").replace("\r\n", "\n").strip()
            if not unit.markdown:
                new = " ".join(new.split())
            if new != unit.text(lang):
                unit.node[lang] = styled(unit.node.get(lang), new)
                changed.append((lang, unit.key))
    return changed


def _placer(file: str) -> Any:
    def place(new_text: str, problems: list[Problem]) -> list[tuple[str, str, Problem]]:
        from .yamlfile import load

        lines: dict[int, tuple[str, str]] = {}
        for unit in units(load(new_text)):
            for lang in LANGUAGE_CODES:
                if lang in unit.node:
                    lines[unit.node.lc.key(lang)[0] + 1] = (lang, unit.key)
        return [(*lines.get(p.line, ("", "")), p) if p.path == file else ("", "", p) for p in problems]
    return place


def save(root: Path, form_id: str, typed: dict[str, dict[str, str]], *, opened: str, name: str,
         email: str) -> Outcome:
    """Saved as a collection item is (saving.py), the whole form's texts being the item: a text
    changed since the page was opened stops the save."""
    file = form_file(form_id)
    with ONE_AT_A_TIME:
        if not history.is_repository(root):
            return Outcome("no-git")
        _, data = load_file(root, file)
        found = units(data)
        if digest(found) != opened:
            return Outcome("conflict")
        changed = apply(found, typed)
        if not changed:
            return Outcome("unchanged")
        parts = [f"{'Arabic' if lang == 'ar' else 'English'} {key.replace('fields/', '').replace('/', ' ')}"
                 for lang, key in changed]
        return write_checked(root, file, data, placer=_placer(file), name=name, email=email,
                             message=f"Form {form_id}: {', '.join(parts)}", changed=changed)
