"""What changed in one language since the two were last in step: the translation lock keeps
only a hash of each language's text then, so the file's git history is searched, newest first,
for the version whose text has that hash; the item's text there is compared with now.
"""
from __future__ import annotations

import difflib
import tempfile
from pathlib import Path
from typing import Any

from generator.core.problems import Problems
from generator.site.content import load_content
from generator.site.translations import read_lock, translation_hashes

from . import history, yamlfile
from .catalogue import Ref, fields, find, values_of

SEARCHED_VERSIONS = 30


def _hashes_at(text: str, ref: Ref) -> dict[str, str]:
    """The lock's hashes of the item in this text of its file (loaded as `check` loads it)."""
    with tempfile.TemporaryDirectory(prefix="qalb-editor-review-") as tmp:
        path = Path(tmp) / ref.file
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
        return translation_hashes(load_content(Path(tmp), Problems())).get(ref.lock_key, {})


def since_in_step(root: Path, ref: Ref, changed: str, now_text: str) -> dict[str, Any] | None:
    """The version where `changed` (the language that moved on) was last in step, and the diff of
    each of its fields from there to now; None when the history does not reach it."""
    recorded = read_lock(root).get(ref.lock_key)
    if not isinstance(recorded, dict) or changed not in recorded:
        return None
    for version in history.versions(root, ref.file, limit=SEARCHED_VERSIONS):
        text = history.file_at(root, version.commit, ref.file)
        if text is None or _hashes_at(text, ref).get(changed) != recorded[changed]:
            continue
        old_entry, now_entry = find(yamlfile.load(text), ref), find(yamlfile.load(now_text), ref)
        if old_entry is None or now_entry is None:
            return None
        old, now = values_of(old_entry, ref.spec)[changed], values_of(now_entry, ref.spec)[changed]
        diffs = []
        for field in fields(ref.spec):
            if old[field.name] != now[field.name]:
                lines = difflib.unified_diff(old[field.name].splitlines(), now[field.name].splitlines(),
                                             lineterm="", n=1)
                diffs.append({"lang": changed, "field": field.name, "lines": list(lines)[2:]})
        return {"commit": version.commit, "diffs": diffs}
    return None
