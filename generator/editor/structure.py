"""Adding, moving and deleting the items of a collection, and what an item's id is: proposed
from its English title, checked, and never changed once it exists (an id is part of the
item's web address; the edit page has no id field).

Each change goes through saving.write_checked: checked by the site's checker on a copy,
written and committed, or nothing at all (deleting a topic that questions still name stops
with the checker's error).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import LiteralScalarString
from ruamel.yaml.tokens import CommentToken

from generator.core.i18n import LANGUAGE_CODES
from generator.site.content import SLUG

from . import history
from .catalogue import Ref, Values, fields, find, load_file, sections
from .saving import COLLECTION_NAMES, ONE_AT_A_TIME, Outcome, item_placer, write_checked
from .yamlfile import styled

#: The sections whose items can be added here (a service needs its form, channels and kinds: by hand).
ADDABLE = {("faq", "questions"), ("faq", "topics"), ("charter", "rights"), ("charter", "duties"), ("channels", "-")}
#: Keys chosen from another collection: (collection, section) -> {key: (collection, section) of the choices}.
CHOICES: dict[tuple[str, str], dict[str, tuple[str, str]]] = {("faq", "questions"): {"topic": ("faq", "topics")}}
_SEARCHED = ("content", "forms")


def propose_id(title: str) -> str:
    """'How do I volunteer?' -> 'how-do-i-volunteer' (at most 6 words)."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", ascii_text)
    return "-".join(words[:6])


def id_problem(root: Path, ref: Ref) -> str | None:
    """"invalid" or "taken" for an id that cannot be used, else None."""
    if not SLUG.fullmatch(ref.item_id) or len(ref.item_id) > 60:
        return "invalid"
    _, data = load_file(root, ref.file)
    return "taken" if find(data, ref) is not None else None


def choices(root: Path, collection: str, section: str, lang: str) -> dict[str, list[tuple[str, str]]]:
    """Per key chosen from another collection, its (id, name in `lang`) choices."""
    found = {}
    for key, (other, other_section) in CHOICES.get((collection, section), {}).items():
        probe = Ref(other, other_section, "x")
        _, data = load_file(root, probe.file)
        found[key] = [(str(e.get(probe.spec.id_key)), str(e.get(lang) or e.get(probe.spec.id_key)))
                      for e in sections(data, probe) if isinstance(e, dict)]
    return found


def _new_entry(ref: Ref, keys: dict[str, str], typed: Values) -> CommentedMap:
    entry = CommentedMap()
    entry[ref.spec.id_key] = ref.item_id
    for key in CHOICES.get((ref.collection, ref.section), {}):
        entry[key] = keys.get(key, "")
    for lang in LANGUAGE_CODES:
        if not ref.spec.text:
            entry[lang] = styled(None, typed[lang][""].strip())
            continue
        block = CommentedMap()
        for field in fields(ref.spec):
            text = typed[lang].get(field.name, "").replace("\r\n", "\n").strip()
            if field.kind is list:
                block[field.name] = CommentedSeq([line.strip() for line in text.splitlines() if line.strip()])
            elif field.markdown and text:  # as the files write Markdown: a `|` block
                block[field.name] = LiteralScalarString(text + "\n")
            else:
                block[field.name] = styled(None, text)
        entry[lang] = block
    return entry


def add(root: Path, ref: Ref, keys: dict[str, str], typed: Values, *, name: str, email: str) -> Outcome:
    """A new item at the end of its section (a question: after the last one of its topic)."""
    with ONE_AT_A_TIME:
        if not history.is_repository(root):
            return Outcome("no-git")
        _, data = load_file(root, ref.file)
        items = sections(data, ref)
        if find(data, ref) is not None:
            return Outcome("conflict")
        at = len(items)
        topic = keys.get("topic")
        if topic:
            same = [i for i, e in enumerate(items) if isinstance(e, dict) and e.get("topic") == topic]
            at = same[-1] + 1 if same else at
        entry = _new_entry(ref, keys, typed)
        items.insert(at, entry)
        if at > 0:
            _make_room(items[at - 1], entry)
        return _write(root, ref, data, "added", name=name, email=email)


def move(root: Path, ref: Ref, step: int, *, name: str, email: str) -> Outcome:
    """The item one place up (-1) or down (+1) in its section."""
    with ONE_AT_A_TIME:
        if not history.is_repository(root):
            return Outcome("no-git")
        _, data = load_file(root, ref.file)
        items = sections(data, ref)
        entry = find(data, ref)
        where = next(i for i, e in enumerate(items) if e is entry) if entry is not None else -1
        other = where + step
        if where < 0 or not 0 <= other < len(items):
            return Outcome("unchanged")
        items[where], items[other] = items[other], items[where]
        word = "moved up" if step < 0 else "moved down"
        return _write(root, ref, data, word, name=name, email=email)


def delete(root: Path, ref: Ref, *, name: str, email: str) -> Outcome:
    with ONE_AT_A_TIME:
        if not history.is_repository(root):
            return Outcome("no-git")
        _, data = load_file(root, ref.file)
        items = sections(data, ref)
        entry = find(data, ref)
        if entry is None:
            return Outcome("unchanged")
        where = next(i for i, e in enumerate(items) if e is entry)
        if where > 0:
            _keep_trailing_comment(entry, items[where - 1])
        del items[where]
        return _write(root, ref, data, "deleted", name=name, email=email)


def _tail(node: Any) -> tuple[Any, Any]:
    """The mapping and key of an item's last value, where ruamel keeps the comment lines after it."""
    holder = key = None
    while isinstance(node, dict) and len(node):
        key = list(node)[-1]
        holder, node = node, node[key]
    return holder, key


def _make_room(previous: Any, entry: Any) -> None:
    """A blank line between the item before and the new one, and the comment lines that followed
    the item before (the next group's "# --- rights ---") after the new one. Only where both end
    in a `|` block, whose comment lines ruamel writes alike; else the new item follows directly."""
    holder, key = _tail(previous)
    new_holder, new_key = _tail(entry)
    if holder is None or new_holder is None or not isinstance(holder.get(key), LiteralScalarString) \
            or not isinstance(new_holder.get(new_key), LiteralScalarString):
        return
    slot = holder.ca.items.setdefault(key, [None, None, None, None])
    new_holder.ca.items.setdefault(new_key, [None, None, None, None])[2] = slot[2]
    slot[2] = CommentToken("\n", CommentMark(0), None)


def _keep_trailing_comment(deleted: Any, previous: Any) -> None:
    """The comment lines after a deleted item (such as the next topic's "# --- rights ---", which
    ruamel keeps on the item before them) moved to the item before it, so they stay."""
    holder, key = _tail(deleted)
    target, target_key = _tail(previous)
    if holder is None or target is None or not hasattr(holder, "ca") or not hasattr(target, "ca"):
        return
    token = holder.ca.items.get(key, [None, None, None, None])[2]
    if token is not None:
        slot = target.ca.items.setdefault(target_key, [None, None, None, None])
        slot[2] = token


def _write(root: Path, ref: Ref, data: Any, what: str, *, name: str, email: str) -> Outcome:
    return write_checked(root, ref.file, data, placer=item_placer(ref), name=name, email=email,
                         message=f"{COLLECTION_NAMES[ref.collection]}: {ref.item_id}, {what}")


@dataclass(frozen=True)
class Mention:
    file: str
    line: int
    text: str


def mentions(root: Path, ref: Ref) -> list[Mention]:
    """Where the item's id appears in content/ and forms/ besides its own id line: links to it,
    questions of a topic, services and forms naming a channel."""
    word = re.compile(rf"(?<![A-Za-z0-9_-]){re.escape(ref.item_id)}(?![A-Za-z0-9_-])")
    own = re.compile(rf"^\s*-?\s*{re.escape(ref.spec.id_key)}:\s*{re.escape(ref.item_id)}\s*$")
    found = []
    for folder in _SEARCHED:
        for path in sorted((root / folder).rglob("*")):
            if not path.is_file() or path.suffix not in (".yml", ".md") or path.name == "translations.lock.yml":
                continue
            rel = str(path.relative_to(root))
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if word.search(line) and not (rel == ref.file and own.match(line)):
                    found.append(Mention(rel, number, line.strip()[:160]))
    return found
