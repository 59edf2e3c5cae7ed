"""Keep the gettext catalogs complete: `python -m generator messages`.

Extraction and update are Babel's own (`pybabel extract` / `update`); this
module adds what Babel leaves to us: the English catalog mirrors the source
strings so every language has an explicit entry, and `catalog_problems` lists
messages that are missing, untranslated, unused or have mismatched placeholders.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from .i18n import LANGUAGE_CODES, LOCALE_DIR, po_path

POT = LOCALE_DIR / "messages.pot"
SOURCE_LANGUAGE = "en"
_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%s")


def extract(root: Path, pot: Path = POT) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "--no-location", "--sort-output", "-k", "gettext:2", "-o", str(pot), "."],
                   cwd=root, check=True, capture_output=True)


def update_catalogs(root: Path) -> None:
    extract(root)
    for lang in LANGUAGE_CODES:
        command = "update" if po_path(lang).exists() else "init"
        extra = ["--no-fuzzy-matching", "--ignore-obsolete"] if command == "update" else []
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", command, "-i", str(POT),
                        "-d", str(LOCALE_DIR), "-D", "messages", "-l", lang, *extra],
                       cwd=root, check=True, capture_output=True)
    _mirror_source_language()


def _mirror_source_language() -> None:
    path = po_path(SOURCE_LANGUAGE)
    with path.open("rb") as fp:
        catalog = read_po(fp, locale=SOURCE_LANGUAGE)
    for message in catalog:
        if message.id and not message.string:
            message.string = message.id
    with path.open("wb") as fp:
        write_po(fp, catalog, width=100, omit_header=False)


def catalog_problems(root: Path) -> list[str]:
    """Every way the catalogs disagree with the code; empty when all is well."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        pot_path = Path(tmp) / "fresh.pot"
        extract(root, pot_path)
        with pot_path.open("rb") as fp:
            used = {m.id for m in read_po(fp) if m.id}
    problems = []
    for lang in LANGUAGE_CODES:
        with po_path(lang).open("rb") as fp:
            catalog = read_po(fp, locale=lang)
        known = {m.id: m for m in catalog if m.id}
        rel = po_path(lang).relative_to(root)
        for msgid in sorted(used - set(known)):
            problems.append(f"{rel}: missing message {msgid!r} (run `python -m generator messages`)")
        for msgid in sorted(set(known) - used):
            problems.append(f"{rel}: unused message {msgid!r} (run `python -m generator messages`)")
        for msgid, message in sorted(known.items()):
            if msgid not in used:
                continue
            if not message.string or message.fuzzy:
                problems.append(f"{rel}: message {msgid!r} has no translation")
            elif sorted(_PLACEHOLDER.findall(str(msgid))) != sorted(_PLACEHOLDER.findall(str(message.string))):
                problems.append(f"{rel}: message {msgid!r} has placeholders that differ from "
                                f"its translation {message.string!r}")
    return problems
