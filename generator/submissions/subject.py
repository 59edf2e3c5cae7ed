"""Subject requests: find, hand over, or delete everything one person sent.

A person asks (by the contact form, quoting a national ID, mobile or e-mail)
to see or delete their data. Staff run `python -m generator subject
find|export|delete --national-id ... --mobile ... --email ...`; the values
are normalised and hashed with the lookup key (identifiers.py) and matched
against `submission_lookups`, so no identifier is ever stored or searched in
clear.

`export` writes two files a staff member can hand over: an HTML page, each
submission labelled in the language it was sent in (Arabic right to left,
with the form's own field labels and choice names), to read and print; and
the same data as JSON, for the right to take one's data elsewhere. Both are
created readable by their owner only.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from babel.lists import format_list

from generator.core import i18n

from .export_files import FilesWriter, folder_sink
from .records import Attachment, Submission

if TYPE_CHECKING:
    from .crypto import DataKeys
    from .files import FileStore
    from .store import Store


def search_values(national_id: Iterable[str] = (), mobile: Iterable[str] = (),
                  email: Iterable[str] = ()) -> list[tuple[str, str]]:
    return ([("national_id", v) for v in national_id] + [("mobile", v) for v in mobile]
            + [("email", v) for v in email])


def find(store: Store, values: list[tuple[str, str]]) -> list[Submission]:
    return store.find_by_digests(store.indexer.search(values))


def delete(store: Store, subs: list[Submission], files: FileStore | None = None) -> int:
    """Delete the submissions, then (the deletion committed) their files' bytes."""
    count = store.delete_references([sub.reference for sub in subs])
    if files is not None:
        for sub in subs:
            files.delete(sub.reference)
    return count


def _when(at: dt.datetime) -> str:
    return at.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _text(form: Any, lang: str, key: str) -> str:
    value = getattr(form, key, None) if form is not None else None
    return value.get(lang) or value.get(i18n.DEFAULT_LANGUAGE.code, "") if isinstance(value, dict) else ""


def readable_answers(sub: Submission, form: Any) -> list[tuple[str, str]]:
    """(label, value) in the submission's language, in the form's field order."""
    lang = sub.language
    fields = {f.name: f for f in form.fields} if form is not None else {}
    order = [name for name in fields if name in sub.answers] + [n for n in sub.answers if n not in fields]
    rows = []
    for name in order:
        value, field = sub.answers[name], fields.get(name)
        if value is None or value == "" or value == []:
            continue
        options = {str(o.value): o.label.get(lang, str(o.value)) for o in field.options} if field else {}
        if isinstance(value, bool):
            shown = i18n.gettext(lang, "Yes") if value else i18n.gettext(lang, "No")
        elif isinstance(value, list):
            shown = format_list([options.get(str(v), str(v)) for v in value], locale=lang)  # "A, B and C"
        else:
            shown = options.get(str(value), str(value))
        rows.append((field.label.get(lang, name) if field else name, shown))
    return rows


def _state_text(form: Any, state_id: str | None, lang: str, key: str = "public") -> str:
    workflow = getattr(form, "workflow", None)
    if workflow is None or state_id is None:
        return state_id or ""
    try:
        return str(getattr(workflow.state(state_id), key).get(lang, state_id))
    except KeyError:  # a state the form file no longer has
        return state_id


def case_history(sub: Submission, form: Any, events: list[Any]) -> list[dict[str, str]]:
    """The case's steps as the applicant may read them: when, and the public wording of each
    state (and of a decline's reason). Never who did it, and never the internal notes."""
    lang, steps = sub.language, []
    workflow = getattr(form, "workflow", None)
    for event in events:
        if event.kind != "state":
            continue
        step = {"at": event.at.strftime("%Y-%m-%dT%H:%M:%SZ"), "state": event.to_state,
                "state_text": _state_text(form, event.to_state, lang)}
        if event.reason and workflow is not None:
            try:
                step["reason_text"] = workflow.reason(event.reason).public.get(lang, event.reason)
            except KeyError:
                step["reason_text"] = event.reason
        steps.append(step)
    return steps


def _section(sub: Submission, form: Any, history: list[dict[str, str]] | None = None,
             files: list[dict[str, Any]] | None = None) -> str:
    lang = sub.language
    direction = i18n.language(lang).direction
    title = _text(form, lang, "title") or sub.form_id
    rows = [(i18n.gettext(lang, "Reference number"), sub.reference),
            (i18n.gettext(lang, "Sent on"), _when(sub.submitted_at)), *readable_answers(sub, form)]
    if isinstance(sub.consent.get("given_at"), str):  # the consent boxes themselves are among the answers
        rows.append((i18n.gettext(lang, "Consent recorded at"), sub.consent["given_at"]))
    if sub.case_state is not None:
        rows.append((i18n.gettext(lang, "Where the request stands"), _state_text(form, sub.case_state, lang)))
        for step in history or []:
            text = step["state_text"] + (f" ({step['reason_text']})" if "reason_text" in step else "")
            rows.append((step["at"].replace("T", " ").replace("Z", " UTC"), text))
    cells = "".join(f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>" for label, value in rows)
    label = html.escape(i18n.gettext(lang, "File"))
    for item in files or []:  # each file beside this page, under files/
        cells += (f'<tr><th>{label}</th><td><a href="{html.escape(item["path"])}">'
                  f'<bdi dir="auto">{html.escape(item["name"])}</bdi></a></td></tr>')
    return (f'<section lang="{lang}" dir="{direction}"><h2>{html.escape(title)}</h2>'
            f"<table>{cells}</table></section>")


def export(subs: list[Submission], forms: Mapping[str, Any], out_dir: Path,
           now: dt.datetime | None = None, organisation: Mapping[str, str] | None = None,
           events: Mapping[str, list[Any]] | None = None,
           attachments: Mapping[str, list[Attachment]] | None = None, files: FileStore | None = None,
           keys: DataKeys | None = None) -> list[Path]:
    """Write `subject-data.html` and `subject-data.json` into out_dir; return their paths.
    `organisation`: its name per language (content/settings.yml), for the title; `events`:
    each case's history by reference (store.case_events without notes), for its steps;
    `attachments`: each submission's files by reference, written (with `files` and `keys`)
    under out_dir/files/ and listed in files.csv, as the Data Package export does."""
    histories = {s.reference: case_history(s, forms.get(s.form_id), (events or {}).get(s.reference, []))
                 for s in subs}
    out_dir.mkdir(parents=True, exist_ok=True)
    listed: dict[str, list[dict[str, Any]]] = {}
    written = []
    if files is not None and keys is not None and any((attachments or {}).values()):
        writer = FilesWriter(files, keys, out_dir, folder_sink(out_dir))
        try:
            listed = {s.reference: writer.add(s.reference, (attachments or {}).get(s.reference, [])) for s in subs}
        finally:
            writer.close()
        written.append(writer.csv_path)
    now = now or dt.datetime.now(dt.timezone.utc)
    lang = max(subs, key=lambda s: s.submitted_at).language if subs else i18n.DEFAULT_LANGUAGE.code
    direction = i18n.language(lang).direction
    nothing = html.escape(i18n.gettext(lang, "We hold no submissions with these details."))
    body = "".join(_section(sub, forms.get(sub.form_id), histories[sub.reference], listed.get(sub.reference))
                   for sub in subs) \
        or f"<p>{nothing}</p>"
    name = (organisation or {}).get(lang) or i18n.gettext(lang, "the Association")
    title = html.escape(i18n.gettext(lang, "Your data held by %(organisation)s", organisation=name))
    intro = html.escape(i18n.gettext(
        lang, "This is a copy of everything you sent through the website's forms that is still kept in its "
        "form system."))
    prepared = html.escape(i18n.gettext(lang, "Prepared on %(time)s", time=_when(now)))
    page = (f'<!doctype html><html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">'
            f"<title>{title}</title><style>body{{font-family:sans-serif;max-width:50em;margin:2em auto}}"
            "table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;padding:.4em;"
            "text-align:start;vertical-align:top}th{width:35%}</style></head>"
            f"<body><h1>{title}</h1><p>{intro}</p><p>{prepared}</p>{body}</body></html>")
    data = {"prepared_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "submissions": [{
        "reference": s.reference, "form": s.form_id, "form_title": _text(forms.get(s.form_id), s.language, "title"),
        "language": s.language, "submitted_at": s.submitted_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": s.status, "consent": s.consent, "answers": s.answers,
        **({"files": listed[s.reference]} if listed.get(s.reference) else {}),
        **({"case": {"state": s.case_state, "state_text": _state_text(forms.get(s.form_id), s.case_state, s.language),
                     "since": s.state_since.strftime("%Y-%m-%dT%H:%M:%SZ") if s.state_since else None,
                     "steps": histories[s.reference]}} if s.case_state else {})} for s in subs]}
    for name, text in (("subject-data.html", page),
                       ("subject-data.json", json.dumps(data, ensure_ascii=False, indent=2))):
        path = out_dir / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # personal data: owner only
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        written.append(path)
    return written
