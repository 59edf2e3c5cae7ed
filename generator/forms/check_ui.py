"""Checking the `ui:` part of a field: how it is asked, in each language.

`ui:` is a custom key inside each Table Schema field (Table Schema allows
them and frictionless keeps them), so a field's type, constraints, label and
messages sit together where staff edit them. Missing words are errors, not
English fall-backs: an Arabic page must never show an English label.
"""
from __future__ import annotations

import re
from typing import Any

from generator.core.problems import N_, Phrase, closest
from generator.core.yamlsource import LineDict

from .check_files import check_file_field
from .checker import Checker, Where, empty
from .model import CONSTRAINTS, CONTROLS, Option

ERROR_CODES = ("required", "type") + CONSTRAINTS[1:]
UI_KEYS = ("label", "hint", "errors", "options", "control", "autocomplete", "inputmode", "rows", "sensitive",
           "staff_label", "files")
INPUTMODES = ("none", "text", "decimal", "numeric", "tel", "search", "email", "url")
AUTOCOMPLETE = (
    "on", "off", "name", "honorific-prefix", "given-name", "additional-name", "family-name",
    "honorific-suffix", "nickname", "email", "username", "organization-title", "organization",
    "street-address", "address-line1", "address-line2", "address-line3", "address-level1",
    "address-level2", "address-level3", "address-level4", "country", "country-name",
    "postal-code", "bday", "bday-day", "bday-month", "bday-year", "sex", "tel",
    "tel-country-code", "tel-national", "tel-area-code", "tel-local", "tel-extension", "url", "language",
)
#: A hint that makes the answer optional ("if you know it"): on a required field a
#: person who does not know is stuck (issue 35).
#: Arabic is read without its diacritics («إن عُرف» is «إن عرف»); "if available" is
#: «إن وُجد» / «إن توفّر».
IF_YOU_KNOW = {
    "en": re.compile(r"\bif (?:you|they) know\b|\bif (?:known|available)\b", re.I),
    "ar": re.compile(r"(?<!\S)(?:إن|إذا|لو)\s+(?:(?:كنت\s+)?(?:تعرف|تعلم|عرفت|علمت)|عرف|علم|وجد|توفر"
                     r"|كانت?\s+(?:معروف|معلوم|متوفر|متاح))"),
}
_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u0640]")
RADIOS_UP_TO = 5  # more choices than this become a select unless `control` says otherwise
RANGE_UP_TO = 10  # a numeric range shown as choices (ratings) has at most this many


def check_ui(c: Checker, raw: LineDict, constraints: LineDict, choices: list | None,
             rule_codes: tuple[str, ...]) -> dict[str, Any] | None:
    """The FormField settings from `ui:`, or None when something is missing."""
    name = raw["name"]
    where = Phrase(N_('Field "%(name)s"'), name=name)
    ui = raw.get("ui")
    if not isinstance(ui, LineDict) or "label" not in ui:
        c.error(raw.line_of("ui"), "missing-label",
                N_("%(where)s has no label. Add under it:\n  ui:\n    label:\n      ar: ...\n      en: ..."),
                where=where)
        return None
    c.unknown_keys(ui, UI_KEYS, Phrase(N_('The "ui" of field "%(name)s"'), name=name))
    label = c.text(ui, "label", Phrase(N_('The label of field "%(name)s"'), name=name))
    hint = c.text(ui, "hint", Phrase(N_('The hint of field "%(name)s"'), name=name)) if "hint" in ui else None
    staff_label = c.text(ui, "staff_label", Phrase(N_('The staff label of field "%(name)s"'), name=name)) \
        if "staff_label" in ui else None
    if hint and constraints.get("required") is True:
        _check_required_hint(c, ui, hint, name)
    control = _control(c, raw, ui, constraints, choices, where)
    if control in ("radios", "select") and choices is None:  # a range, such as ratings 1 to 5
        choices = list(range(constraints["minimum"], constraints["maximum"] + 1))
    options = _options(c, ui, choices, name) if control else ()
    errors = _errors(c, raw, ui, constraints, name, rule_codes)
    settings = _settings(c, ui, control, where)
    files = check_file_field(c, raw, ui, constraints, where) if control == "file" else None
    if control not in ("file", None) and "files" in ui:
        c.error(ui.line_of("files"), "invalid-value",
                N_('%(where)s has "files" but is not shown as a file field: write "control: file" (on a field of '
                   'type array), or remove "files".'), where=where)
        return None
    if label is None or control is None or settings is None or (control == "file" and files is None):
        return None
    return dict(label=label, hint=hint, errors=errors, options=options, control=control, staff_label=staff_label,
                files=files, **settings)


def _check_required_hint(c: Checker, ui: LineDict, hint: dict[str, str], name: str) -> None:
    for lang, says_optional in IF_YOU_KNOW.items():
        if says_optional.search(_MARKS.sub("", hint.get(lang, ""))):
            c.error(ui.line_of("hint"), "optional-hint",
                    N_('Field "%(name)s" is required, but its hint says "if you know" (%(lang)s): a person who '
                       'does not know cannot send the form. Either make the field optional (remove "required: '
                       'true") or change the hint to say what to write when they do not know.'),
                    name=name, lang=lang)
            return


def choices_of(c: Checker, raw: LineDict, constraints: LineDict, where: Where) -> list | None:
    """The values a person chooses from, as the schema reads them; None if free input."""
    if raw["type"] == "array":
        ui = raw.get("ui")
        if isinstance(ui, LineDict) and ui.get("control") == "file":
            return None  # files, not choices (check_files.py)
        item = raw.get("arrayItem")
        item_constraints = item.get("constraints") if isinstance(item, LineDict) else None
        enum = item_constraints.get("enum") if isinstance(item_constraints, LineDict) else None
        if not isinstance(item, LineDict) or item.get("type") != "string" \
                or not isinstance(enum, list) or not enum:
            c.error(raw.line_of("arrayItem"), "invalid-choices",
                    N_("%(where)s is a list of choices and needs them written as:\n  arrayItem:\n    type: "
                       "string\n    constraints:\n      enum: [first, second, ...]"), where=where)
            return None
        return list(enum)
    enum = constraints.get("enum")
    if raw["type"] not in ("string", "integer", "number"):
        return None  # a boolean's "enum: [true]" is a rule, not choices
    if isinstance(enum, list):
        if not enum:
            c.error(constraints.line_of("enum"), "invalid-schema", N_('%(where)s: "enum" lists no values.'),
                    where=where)
            return None
        return list(enum)
    return None


def _control(c: Checker, raw: LineDict, ui: LineDict, constraints: LineDict, choices: list | None,
             where: Where) -> str | None:
    kind = raw["type"]
    control = ui.get("control")
    if control is None:
        if choices is not None and kind != "array":
            return "radios" if len(choices) <= RADIOS_UP_TO else "select"
        return {"boolean": "checkbox", "date": "date", "array": "checkboxes"}.get(kind, "input")
    allowed = CONTROLS[kind]
    if control not in allowed:
        c.error(ui.line_of("control"), "invalid-control",
                N_('%(where)s is of type "%(kind)s", which can be shown as: %(items)s — not '
                   '"%(control)s".%(suggestion)s'),
                where=where, kind=kind, items=", ".join(allowed), control=control,
                suggest=closest(str(control), allowed))
        return None
    if control in ("radios", "select") and choices is None:
        low, high = constraints.get("minimum"), constraints.get("maximum")
        if kind == "string" or not (isinstance(low, int) and isinstance(high, int) and 0 <= high - low < RANGE_UP_TO):
            if kind == "string":
                c.error(ui.line_of("control"), "invalid-control",
                        N_('%(where)s is shown as %(control)s but has no choices: give it "enum: [...]" under '
                           "constraints."), where=where, control=control)
            else:
                c.error(ui.line_of("control"), "invalid-control",
                        N_('%(where)s is shown as %(control)s but has no choices: give it "enum: [...]" under '
                           'constraints, or a "minimum" and "maximum" at most %(range)s apart.'),
                        where=where, control=control, range=RANGE_UP_TO)
            return None
    if control in ("tel", "textarea") and choices is not None:
        c.error(ui.line_of("control"), "invalid-control",
                N_('%(where)s has choices ("enum"), so it is shown as radios or select, not %(control)s.'),
                where=where, control=control)
        return None
    return str(control)  # one of CONTROLS[kind]


def _options(c: Checker, ui: LineDict, choices: list | None, name: str) -> tuple[Option, ...]:
    """Choice labels, in the order written under `ui.options`: that is the order shown."""
    where = Phrase(N_('Field "%(name)s"'), name=name)
    if choices is None:
        if "options" in ui:
            c.error(ui.line_of("options"), "invalid-value",
                    N_('%(where)s has "options" but no choices; remove them or give the field an "enum".'),
                    where=where)
        return ()
    options = ui.get("options")
    if not isinstance(options, LineDict):
        c.error(ui.line_of("options"), "missing-option-label",
                N_("%(where)s has choices but no labels for them. Add under ui:\n  options:\n    <choice>:\n      "
                   "ar: ...\n      en: ..."), where=where)
        return ()
    by_key = {str(value): value for value in choices}  # YAML keys arrive as text
    result = []
    for key in options:
        if key not in by_key:
            c.error(options.line_of(key), "unknown-key",
                    N_('%(where)s has a label for "%(key)s", which is not one of its choices.%(suggestion)s '
                       "Choices: %(items)s."),
                    where=where, key=key, items=', '.join(by_key), suggest=closest(key, by_key))
            continue
        label = c.text(options, key,
                       Phrase(N_('The label of choice "%(key)s" of field "%(name)s"'), key=key, name=name))
        if label:
            result.append(Option(by_key[key], label))
    for key in by_key:
        if key not in options:
            c.error(ui.line_of("options"), "missing-option-label",
                    N_('%(where)s: the choice "%(key)s" has no label. Add under options:\n  %(key)s:\n    ar: '
                       "...\n    en: ..."), where=where, key=key)
    return tuple(result)


def used_codes(raw: LineDict, constraints: LineDict) -> list[str]:
    """The error codes this field can produce, so each has a message.

    Every constraint written, plus `type` where typing can produce a value the
    type rejects (a number, a date, an e-mail address).
    """
    ui = raw.get("ui")
    if raw["type"] == "array" and isinstance(ui, LineDict) and ui.get("control") == "file":
        # A file field's other checks (too large, wrong kind, ...) are said by the form itself (error_texts.py).
        return ["required"] if constraints.get("required") is True else []
    codes = [key for key, value in constraints.items()
             if key in CONSTRAINTS and value is not None and value is not False]  # others: reported already
    if raw["type"] in ("integer", "number", "date") or raw.get("format") in ("email", "uri", "uuid"):
        codes.insert(1 if "required" in codes else 0, "type")
    item = raw.get("arrayItem")
    if isinstance(item, LineDict) and isinstance(item.get("constraints"), LineDict):
        codes += [key for key in item["constraints"] if key not in codes]
    return codes


def _errors(c: Checker, raw: LineDict, ui: LineDict, constraints: LineDict, name: str,
            rule_codes: tuple[str, ...]) -> dict[str, dict[str, str]]:
    where = Phrase(N_('Field "%(name)s"'), name=name)
    known = ERROR_CODES + rule_codes
    used = used_codes(raw, constraints) + list(rule_codes)
    messages = ui.get("errors") if "errors" in ui else empty(ui.line)
    what = Phrase(N_('The "errors" of field "%(name)s"'), name=raw["name"])
    if c.mapping(messages, ui.line_of("errors"), what) is None:
        return {}
    result = {}
    for code in messages:
        if code not in known:
            c.error(messages.line_of(code), "unknown-key",
                    N_('%(where)s has a message for "%(code)s", which is not an error code.%(suggestion)s Codes: '
                       "%(items)s."),
                    where=where, code=code, items=', '.join(known), suggest=closest(code, known))
            continue
        text = c.text(messages, code,
                      Phrase(N_('The "%(code)s" message of field "%(name)s"'), code=code, name=raw["name"]))
        if text:
            result[code] = text
        if code not in used:
            c.warning(messages.line_of(code), "unused-error-message",
                      N_('%(where)s never checks "%(code)s", so this message is never shown. Remove it.'),
                      where=where, code=code)
    for code in used:
        if code not in messages:
            c.error(ui.line_of("errors"), "missing-error-message",
                    N_('%(where)s checks "%(code)s" but has no message for it. Add under ui.errors:\n  %(code)s:\n '
                       "   ar: ...\n    en: ..."), where=where, code=code)
    return result


def _settings(c: Checker, ui: LineDict, control: str | None, where: Where) -> dict | None:
    ok = True
    inputmode, autocomplete, rows = ui.get("inputmode"), ui.get("autocomplete"), ui.get("rows")
    if inputmode is not None and inputmode not in INPUTMODES:
        ok = False
        c.error(ui.line_of("inputmode"), "invalid-value", N_('%(where)s: "inputmode: %(inputmode)s" is not one of: '
                                                             "%(items)s.%(suggestion)s"),
                where=where, inputmode=inputmode, items=", ".join(INPUTMODES),
                suggest=closest(str(inputmode), INPUTMODES))
    token = str(autocomplete).split()[-1] if autocomplete else None
    if autocomplete is not None and token not in AUTOCOMPLETE:
        ok = False
        c.error(ui.line_of("autocomplete"), "invalid-value",
                N_('%(where)s: "autocomplete: %(autocomplete)s" is not a value browsers know.%(suggestion)s'),
                where=where, autocomplete=autocomplete, suggest=closest(str(token), AUTOCOMPLETE))
    if rows is not None and (control != "textarea" or not isinstance(rows, int) or not 2 <= rows <= 30):
        ok = False
        c.error(ui.line_of("rows"), "invalid-value",
                N_('%(where)s: "rows" is for a textarea only, and is a whole number from 2 to 30.'), where=where)
    sensitive = ui.get("sensitive", False)
    if not isinstance(sensitive, bool):
        ok = False
        c.error(ui.line_of("sensitive"), "invalid-value",
                N_('%(where)s: "sensitive" must be true (the privacy notice then marks the field as sensitive '
                   'data, such as an ID number or health details) or false, not "%(sensitive)s".'),
                where=where, sensitive=sensitive)
    return {"inputmode": inputmode, "autocomplete": autocomplete, "rows": rows,
            "sensitive": sensitive} if ok else None
