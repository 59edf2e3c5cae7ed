"""From a schema field to a component call: which macro, with which parameters.

This is where Table Schema meets HTML. The mapping, and why:

* `required` -> `required` (on each radio of a group; never on a checkbox of a
  group, where it would demand every box). `minLength`/`maxLength` ->
  `minlength`/`maxlength`, `pattern` -> `pattern` (browsers anchor it
  themselves), `minimum`/`maximum` -> `min`/`max` on date inputs only: HTML
  forbids them on text inputs.
* integer/number -> a text input with `inputmode` numeric/decimal, never
  `type=number`, which refuses Arabic-Indic digits and would lose what was typed.
* the form has `novalidate`: the attributes describe the field (to assistive
  technology and the keyboard) while our messages, in the page's language,
  decide what is wrong.
* phone, e-mail and ID inputs get `dir="ltr"` and `spellcheck="false"`.
* a file field (`ui.control: file`) -> `<input type="file" multiple accept=...>`, its limits
  said in the hint in the page's language and handed to files.js (never a value: a browser
  cannot be given files back, so a form shown again asks for them again).
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from markupsafe import Markup

from generator.core.i18n import numbering_system

from .error_texts import catalog, file_hint, file_message
from .model import FILE_EXTENSIONS, FormField

#: ui.control -> the component (folder under templates/components/) that draws it.
COMPONENTS = {
    "input": "input", "tel": "input", "textarea": "textarea", "radios": "radios", "select": "select",
    "checkboxes": "checkboxes", "checkbox": "checkbox", "date": "date", "file": "file",
}
TEXTAREA_ROWS = 5


def _as_text(value: Any) -> str | None:
    """A posted or typed value as the control shows it again."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return _as_text(value[0]) if value else None
    return str(value)


def control_params(field: FormField, lang: str, value: Any, error: str | None,
                   digits: str = "default") -> tuple[str, dict[str, Any]]:
    """The component name and its `params` for one field in one language; `digits`:
    content/settings.yml's arabic_digits (a file field's limits are numbers in its hint)."""
    _ = catalog(lang).gettext
    c = field.constraints
    # GOV.UK marks the optional questions, not the required ones; a lone tick
    # box is a statement, not a question, so it never says "(optional)".
    optional = not field.required and field.control != "checkbox"
    suffix = _("(optional)")  # outside the f-string, where pybabel extract can see it
    label = f"{field.label[lang]} {suffix}" if optional else field.label[lang]
    params: dict[str, Any] = {"id": field.id, "name": field.name, "label": {"text": label}}
    if field.hint:
        params["hint"] = {"text": field.hint[lang]}
    if error:
        params["errorMessage"] = {"text": error}
    # A follow-up (`relevant:`) is required only when it applies, which the markup cannot say.
    attributes: dict[str, Any] = {"required": field.required and field.relevant is None}
    control = field.control

    if control == "file":
        params.update(_file_params(field, lang, digits))
    elif control in ("radios", "select", "checkboxes"):
        params["items"] = [{"value": _as_text(o.value), "text": o.label[lang]} for o in field.options]
        if control == "select":
            params["items"].insert(0, {"value": "", "text": _("Select an option")})
        if control == "checkboxes":
            attributes = {}  # `required` on each box would demand them all
            chosen = value if isinstance(value, (list, tuple)) else ([] if value is None else [value])
            params["value"] = [_as_text(v) for v in chosen]
        else:
            params["value"] = _as_text(value)
    elif control == "checkbox":
        params["value"] = "true"
        params["checked"] = value is True or _as_text(value) == "true"
    else:
        params["value"] = _as_text(value)
        if control == "date":
            attributes.update(min=c.get("minimum"), max=c.get("maximum"))
        if field.type == "string":
            attributes.update(minlength=c.get("minLength"), maxlength=c.get("maxLength"))
            if control != "textarea":  # textarea has no pattern attribute
                attributes["pattern"] = c.get("pattern")
        if control == "tel":
            params["type"] = "tel"
        elif field.format == "email":
            params["type"] = "email"
        if control == "textarea":
            params["rows"] = field.rows or TEXTAREA_ROWS
        params["inputmode"] = field.effective_inputmode if field.effective_inputmode != "email" else None
        params["autocomplete"] = field.autocomplete
        if field.ltr:
            attributes.update(dir="ltr", spellcheck="false")
    if control == "select" and field.autocomplete:  # a city list, say
        params["autocomplete"] = field.autocomplete
    params["attributes"] = {key: value for key, value in attributes.items() if value is not None}
    return COMPONENTS[control], params


def _file_params(field: FormField, lang: str, digits: str) -> dict[str, Any]:
    """A file field's hint (its own words, then its limits), `accept` and files.js's settings."""
    assert field.files is not None
    _ = catalog(lang).gettext
    limits = field.files
    said = file_hint(limits, lang, digits)
    own = field.hint[lang] if field.hint else ""
    limits_html = Markup('<span class="qalb-file-limits">%s</span>') % said
    hint = Markup("%s %s") % (own, limits_html) if own else limits_html
    script = {
        "maxFile": limits.max_file_bytes, "maxTotal": limits.max_total_bytes, "maxFiles": limits.max_files,
        "types": list(limits.accept),
        "endings": [ending for media_type in limits.accept for ending in FILE_EXTENSIONS[media_type]],
        "lang": lang, "numbers": numbering_system(lang, digits),
        "words": {
            "tooLarge": file_message(limits, "file-too-large", lang, digits),
            "tooMany": file_message(limits, "files-too-many", lang, digits),
            "totalTooLarge": file_message(limits, "files-too-large", lang, digits),
            "type": file_message(limits, "file-type", lang, digits),
            "empty": file_message(limits, "file-empty", lang, digits),
            "chosen": _("Files chosen:"),
            "fileTooLarge": _("too large"),
            "fileType": _("not a kind this form takes"),
            "fileEmpty": _("empty"),
            "megabytes": _("%(size)s MB"),
            "kilobytes": _("%(size)s KB"),
            "error": _("Error:"),
        },
    }
    return {"hint": {"html": hint}, "accept": limits.accept_attribute, "multiple": limits.max_files > 1,
            "script": json.dumps(script, ensure_ascii=False, sort_keys=True)}
