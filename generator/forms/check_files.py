"""Checking a file field: `ui.control: file` on a Table Schema `array`, its limits under `ui.files`.

    - name: medical_reports
      type: array
      ui:
        control: file
        files: {accept: [pdf, jpeg, png], max_file_mb: 10, max_files: 5, max_total_mb: 25}

The stored answer is the list of the stored files' numbers (the attachments table), so the
schema the readers and an export use is `array` of `integer` (added here: the form file
does not write it). Every limit is required: the endpoint counts them while it reads an
upload, and a field without them would take whatever a visitor sends.

Codes: missing-file-limits, unknown-file-type, invalid-file-limit (here), file-without-workflow
(check_form.py: the form as a whole), and the shared invalid-value (a constraint other than
"required", an "arrayItem", a "relevant:" condition, "files" on another control).
"""
from __future__ import annotations

from generator.core.problems import N_, Phrase, closest
from generator.core.yamlsource import LineDict

from .checker import Checker, Where
from .model import FILE_TYPES, MB, FileLimits

FILES_KEYS = ("accept", "max_file_mb", "max_files", "max_total_mb")
#: The most a form may ask for: a request's reports, photographed or scanned, fit well within
#: these, and the endpoint holds every upload to a form's own limits anyway.
MAX_FILE_MB, MAX_TOTAL_MB, MAX_FILES = 50, 100, 20
#: The stored answer's schema: the numbers of the submission's files.
ARRAY_ITEM = {"type": "integer"}


def check_file_field(c: Checker, raw: LineDict, ui: LineDict, constraints: LineDict,
                     where: Where) -> FileLimits | None:
    """The limits of a field shown as `control: file`, or None (problems reported)."""
    ok = True
    for key in constraints:
        if key != "required":
            ok = False
            c.error(constraints.line_of(key), "invalid-value",
                    N_('%(where)s takes files: its only constraint is "required"; its limits go under ui.files '
                       '(accept, max_file_mb, max_files, max_total_mb), not "%(key)s".'), where=where, key=key)
    if "arrayItem" in raw:
        ok = False
        c.error(raw.line_of("arrayItem"), "invalid-value",
                N_('%(where)s takes files, so it has no "arrayItem": remove it (the files are stored apart, '
                   "and the answer keeps only their numbers)."), where=where)
    if "relevant" in raw:
        ok = False
        c.error(raw.line_of("relevant"), "invalid-value",
                N_('%(where)s takes files, so it is always asked: a "relevant:" condition would drop its answer '
                   "while the files it names are kept. Remove the condition, and say in the hint when to attach "
                   "them."), where=where)
    files = ui.get("files")
    if not isinstance(files, LineDict):
        c.error(ui.line_of("files") if "files" in ui else ui.line_of("control"), "missing-file-limits",
                N_("%(where)s takes files but has no limits. Add under ui:\n  files: {accept: [pdf, jpeg, png], "
                   "max_file_mb: 10, max_files: 5, max_total_mb: 25}"), where=where)
        return None
    c.unknown_keys(files, FILES_KEYS, Phrase(N_('The "files" of field "%(name)s"'), name=raw["name"]))
    missing = [key for key in FILES_KEYS if key not in files]
    if missing:
        c.error(files.line, "missing-file-limits",
                N_('%(where)s: "files" has no %(items)s. Write all four: accept, max_file_mb, max_files, '
                   "max_total_mb."), where=where, items=", ".join(missing))
        return None
    accept = _accept(c, files, where)
    size = _whole(c, files, "max_file_mb", MAX_FILE_MB, where)
    count = _whole(c, files, "max_files", MAX_FILES, where)
    total = _whole(c, files, "max_total_mb", MAX_TOTAL_MB, where)
    if size is not None and total is not None and total < size:
        c.error(files.line_of("max_total_mb"), "invalid-file-limit",
                N_('%(where)s: "max_total_mb" (%(total)s) is less than one file may be ("max_file_mb": %(size)s). '
                   "Make the total at least as large."), where=where, total=total, size=size)
        return None
    if not ok or accept is None or size is None or count is None or total is None:
        return None
    return FileLimits(accept=accept, max_file_bytes=size * MB, max_total_bytes=total * MB, max_files=count)


def _accept(c: Checker, files: LineDict, where: Where) -> tuple[str, ...] | None:
    words = files["accept"]
    if not isinstance(words, list) or not words or len(set(map(str, words))) != len(words):
        c.error(files.line_of("accept"), "invalid-value",
                N_('%(where)s: "accept" lists the kinds of file taken, each once, such as "accept: [pdf, jpeg, '
                   'png]". Known kinds: %(items)s.'), where=where, items=", ".join(FILE_TYPES))
        return None
    result = []
    for word in words:
        if word not in FILE_TYPES:
            c.error(files.line_of("accept"), "unknown-file-type",
                    N_('%(where)s: "%(word)s" is not a kind of file these forms take.%(suggestion)s Known kinds: '
                       "%(items)s."), where=where, word=word, items=", ".join(FILE_TYPES),
                    suggest=closest(str(word), FILE_TYPES))
            continue
        result.append(FILE_TYPES[word])
    return tuple(result) if len(result) == len(words) else None


def _whole(c: Checker, files: LineDict, key: str, ceiling: int, where: Where) -> int | None:
    value = files[key]
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= ceiling:
        return value
    c.error(files.line_of(key), "invalid-file-limit",
            N_('%(where)s: "%(key)s" must be a whole number from 1 to %(ceiling)s, not %(value)s.'),
            where=where, key=key, ceiling=ceiling, value=repr(value))
    return None
