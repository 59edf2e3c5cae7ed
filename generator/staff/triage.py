"""What the list of requests says about each one, so it can be triaged without opening it:
the form's summary answers (`summary:` in the form file), choice answers as their labels in
the account's language, and staff by name (accounts store e-mail addresses: looked up when
shown, so a rename shows the new name).

The answers are decrypted for the rows of the page shown only (store.inbox_answers) and
kept nowhere; the filters by choice read report_values (`report: true` single choices).
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from babel.lists import format_list

from generator.forms import Form, not_asked

from .context import StaffContext


def summary_texts(form: Form, answers: Mapping[str, Any], lang: str) -> list[str]:
    """The summary answers of one request, each as shown ("" for one not given or not asked)."""
    conditional = any(form.field(name).relevant is not None for name in form.summary)
    skipped = not_asked(form, dict(answers)) if conditional else set()  # judged only when it can matter
    texts = []
    for name in form.summary:
        field = form.field(name)
        value = answers.get(name)
        if name in skipped or value in (None, "", []):
            texts.append("")
            continue
        labels = {str(option.value): option.label.get(lang, str(option.value)) for option in field.options}
        items = value if isinstance(value, list) else [value]
        text = format_list([labels.get(str(item), str(item)) for item in items], locale=lang)
        texts.append(text)
    return texts


def summary_headings(form: Form, lang: str) -> list[str]:
    """The column heading of each summary answer: its field's label."""
    return [str(form.field(name).label.get(lang, name)) for name in form.summary]


def choice_filters(form: Form, lang: str) -> list[dict[str, Any]]:
    """The single choices the list may be filtered by (`report: true`, counted in report_values):
    [{name, label, options: [(value, label)]}]."""
    return [{"name": f.name, "label": f.label.get(lang, f.name),
             "options": [(str(o.value), o.label.get(lang, str(o.value))) for o in f.options]}
            for f in form.fields if f.report and f.type == "string" and f.options]


def chosen(form: Form, params: Mapping[str, str]) -> list[tuple[str, str]]:
    """The (field, value) filters asked for in the query (`?f.support_kind=financial`), known values only."""
    found = []
    for choice in choice_filters(form, "en"):
        value = params.get(f"f.{choice['name']}", "")
        if value in dict(choice["options"]):
            found.append((choice["name"], value))
    return found


async def page_answers(ctx: StaffContext, form: Form, ids: Sequence[int]) -> Mapping[int, Mapping[str, Any]]:
    """The answers of the rows of one page, only when the form has a summary."""
    if not form.summary or not ids:
        return {}
    return await ctx.run(ctx.store.inbox_answers, list(ids))
