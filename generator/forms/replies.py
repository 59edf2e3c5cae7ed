"""Reply templates (content/replies.yml): what a caseworker starts from when writing to
an applicant from the case page (issue 33, item 6), per form and language.

    help-request:                 # a form id (a form with a workflow)
      - id: what-we-need          # lower-case words with hyphens, unique in the form
        state: waiting-for-applicant   # optional: offered first while the case is in this state
        name: {ar: ..., en: ...}  # what the caseworker picks from
        text:                     # the message; $reference and $state are filled in
          ar: ...
          en: ...

$reference is the request's reference, $state the public wording of its state (the
form's workflow `public:`). The text is filled with string.Template, so any other
`$word` is a mistake the checker reports; `$$` writes a dollar sign. A template holds
no answer, and the filled text is only a start: the caseworker edits it before sending.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from generator.core.problems import N_, Problems
from generator.core.yamlsource import LineDict, LineList, load_yaml_file

from .model import LANGS, Text

REL = "content/replies.yml"
PLACEHOLDERS = ("reference", "state")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Reply:
    id: str
    name: Text
    text: Text
    state: str | None = None


def fill(text: str, *, reference: str, state: str) -> str:
    """The template's text with $reference and $state filled in."""
    return string.Template(text).safe_substitute(reference=reference, state=state)


def load_replies(root: Path, forms: Mapping[str, Any], problems: Problems) -> dict[str, tuple[Reply, ...]]:
    """{form id: its templates}, every mistake reported with its line ({} without the file)."""
    path = root / REL
    if not path.is_file():
        return {}
    data = load_yaml_file(path, rel=REL, problems=problems)
    if data is None:
        return {}
    if not isinstance(data, LineDict):
        problems.error(REL, 1, "invalid-value", N_("The reply templates are written as form ids, each with a list "
                                                   "of templates."))
        return {}
    found: dict[str, tuple[Reply, ...]] = {}
    for form_id, items in data.items():
        form = forms.get(form_id)
        if form is None or form.workflow is None:
            problems.error(REL, data.line_of(form_id), "unknown-reference",
                           N_('"%(form)s" is not a form with a workflow: replies are sent from a case.'),
                           form=form_id)
            continue
        if not isinstance(items, LineList):
            problems.error(REL, data.line_of(form_id), "invalid-value",
                           N_('The replies of "%(form)s" are a list: start each with "- id:".'), form=form_id)
            continue
        replies = [_reply(item, items.line_of(i), form, problems) for i, item in enumerate(items)]
        found[form_id] = tuple(r for r in replies if r is not None)
    return found


def _reply(item: Any, line: int, form: Any, problems: Problems) -> Reply | None:
    if not isinstance(item, LineDict) or not isinstance(item.get("id"), str) or not _ID.match(item["id"]):
        problems.error(REL, line, "invalid-value",
                       N_('Each reply needs an "id" of lower-case words joined by hyphens, such as "what-we-need".'))
        return None
    reply_id, ok = item["id"], True
    for key in item:
        if key not in ("id", "state", "name", "text"):
            problems.error(REL, item.line_of(key), "unknown-key",
                           N_('The reply "%(id)s" has an unknown key "%(key)s": use id, state, name, text.'),
                           id=reply_id, key=key)
            ok = False
    state = item.get("state")
    if state is not None and state not in {s.id for s in form.workflow.states}:
        problems.error(REL, item.line_of("state"), "unknown-state",
                       N_('The reply "%(id)s" names the state "%(state)s", which the form\'s workflow does not '
                          'have.'), id=reply_id, state=state)
        ok = False
    texts: dict[str, dict[str, str]] = {}
    for key in ("name", "text"):
        value = item.get(key)
        if not isinstance(value, LineDict) or any(not isinstance(value.get(lang), str) or not value[lang].strip()
                                                  for lang in LANGS):
            problems.error(REL, item.line_of(key) if key in item else line, "missing-translation",
                           N_('The reply "%(id)s" needs "%(key)s" in Arabic and English (ar: and en:).'),
                           id=reply_id, key=key)
            ok = False
            continue
        texts[key] = {lang: str(value[lang]) for lang in LANGS}
        for lang in LANGS:
            for name in _placeholders(texts[key][lang]) - set(PLACEHOLDERS):
                problems.error(REL, value.line_of(lang), "unknown-placeholder",
                               N_('The reply "%(id)s" uses "$%(name)s", which is not filled in: use $reference or '
                                  '$state (and $$ for a dollar sign).'), id=reply_id, name=name)
                ok = False
    if not ok:
        return None
    return Reply(id=reply_id, name=texts["name"], text=texts["text"], state=state)


def _placeholders(text: str) -> set[str]:
    pattern = string.Template.pattern
    return {m.group("named") or m.group("braced") or "" for m in pattern.finditer(text)
            if m.group("named") or m.group("braced") or m.group("invalid") is not None}
