"""Checking the `ui:` part of a field: how it is asked, in each language.

`ui:` is a custom key inside each Table Schema field (Table Schema allows
them and frictionless keeps them), so a field's type, constraints, label and
messages sit together where staff edit them. Missing words are errors, not
English fall-backs: an Arabic page must never show an English label.
"""
from __future__ import annotations

import re
from typing import Any

from generator.core.problems import did_you_mean
from generator.core.yamlsource import LineDict

from .checker import Checker, empty
from .model import CONSTRAINTS, CONTROLS, Option

ERROR_CODES = ("required", "type") + CONSTRAINTS[1:]
UI_KEYS = ("label", "hint", "errors", "options", "control", "autocomplete", "inputmode", "rows", "sensitive")
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
    where = f'Field "{name}"'
    ui = raw.get("ui")
    if not isinstance(ui, LineDict) or "label" not in ui:
        c.error(raw.line_of("ui"), "missing-label",
                f'{where} has no label. Add under it:\n  ui:\n    label:\n      ar: ...\n      en: ...')
        return None
    c.unknown_keys(ui, UI_KEYS, f'The "ui" of field "{name}"')
    label = c.text(ui, "label", f'The label of field "{name}"')
    hint = c.text(ui, "hint", f'The hint of field "{name}"') if "hint" in ui else None
    if hint and constraints.get("required") is True:
        _check_required_hint(c, ui, hint, name)
    control = _control(c, raw, ui, constraints, choices, where)
    if control in ("radios", "select") and choices is None:  # a range, such as ratings 1 to 5
        choices = list(range(constraints["minimum"], constraints["maximum"] + 1))
    options = _options(c, ui, choices, name) if control else ()
    errors = _errors(c, raw, ui, constraints, name, rule_codes)
    settings = _settings(c, ui, control, where)
    if label is None or control is None or settings is None:
        return None
    return dict(label=label, hint=hint, errors=errors, options=options, control=control, **settings)


def _check_required_hint(c: Checker, ui: LineDict, hint: dict[str, str], name: str) -> None:
    for lang, says_optional in IF_YOU_KNOW.items():
        if says_optional.search(_MARKS.sub("", hint.get(lang, ""))):
            c.error(ui.line_of("hint"), "optional-hint",
                    f'Field "{name}" is required, but its hint says "if you know" ({lang}): a person who does '
                    f'not know cannot send the form. Either make the field optional (remove "required: true") '
                    f'or change the hint to say what to write when they do not know.')
            return


def choices_of(c: Checker, raw: LineDict, constraints: LineDict, where: str) -> list | None:
    """The values a person chooses from, as the schema reads them; None if free input."""
    if raw["type"] == "array":
        item = raw.get("arrayItem")
        item_constraints = item.get("constraints") if isinstance(item, LineDict) else None
        enum = item_constraints.get("enum") if isinstance(item_constraints, LineDict) else None
        if not isinstance(item, LineDict) or item.get("type") != "string" \
                or not isinstance(enum, list) or not enum:
            c.error(raw.line_of("arrayItem"), "invalid-choices",
                    f'{where} is a list of choices and needs them written as:\n  arrayItem:\n    type: string\n'
                    "    constraints:\n      enum: [first, second, ...]")
            return None
        return list(enum)
    enum = constraints.get("enum")
    if raw["type"] not in ("string", "integer", "number"):
        return None  # a boolean's "enum: [true]" is a rule, not choices
    if isinstance(enum, list):
        if not enum:
            c.error(constraints.line_of("enum"), "invalid-schema", f'{where}: "enum" lists no values.')
            return None
        return list(enum)
    return None


def _control(c: Checker, raw: LineDict, ui: LineDict, constraints: LineDict, choices: list | None,
             where: str) -> str | None:
    kind = raw["type"]
    control = ui.get("control")
    if control is None:
        if choices is not None and kind != "array":
            return "radios" if len(choices) <= RADIOS_UP_TO else "select"
        return {"boolean": "checkbox", "date": "date", "array": "checkboxes"}.get(kind, "input")
    allowed = CONTROLS[kind]
    if control not in allowed:
        c.error(ui.line_of("control"), "invalid-control",
                f'{where} is of type "{kind}", which can be shown as: {", ".join(allowed)} — not "{control}".'
                f"{did_you_mean(str(control), allowed)}")
        return None
    if control in ("radios", "select") and choices is None:
        low, high = constraints.get("minimum"), constraints.get("maximum")
        if kind == "string" or not (isinstance(low, int) and isinstance(high, int) and 0 <= high - low < RANGE_UP_TO):
            c.error(ui.line_of("control"), "invalid-control",
                    f'{where} is shown as {control} but has no choices: give it "enum: [...]" under constraints'
                    + ("" if kind == "string" else f', or a "minimum" and "maximum" at most {RANGE_UP_TO} apart')
                    + ".")
            return None
    if control in ("tel", "textarea") and choices is not None:
        c.error(ui.line_of("control"), "invalid-control",
                f'{where} has choices ("enum"), so it is shown as radios or select, not {control}.')
        return None
    return str(control)  # one of CONTROLS[kind]


def _options(c: Checker, ui: LineDict, choices: list | None, name: str) -> tuple[Option, ...]:
    """Choice labels, in the order written under `ui.options`: that is the order shown."""
    where = f'Field "{name}"'
    if choices is None:
        if "options" in ui:
            c.error(ui.line_of("options"), "invalid-value",
                    f'{where} has "options" but no choices; remove them or give the field an "enum".')
        return ()
    options = ui.get("options")
    if not isinstance(options, LineDict):
        c.error(ui.line_of("options"), "missing-option-label",
                f'{where} has choices but no labels for them. Add under ui:\n  options:\n    <choice>:\n'
                "      ar: ...\n      en: ...")
        return ()
    by_key = {str(value): value for value in choices}  # YAML keys arrive as text
    result = []
    for key in options:
        if key not in by_key:
            c.error(options.line_of(key), "unknown-key",
                    f'{where} has a label for "{key}", which is not one of its choices.'
                    f"{did_you_mean(key, by_key)} Choices: {', '.join(by_key)}.")
            continue
        label = c.text(options, key, f'The label of choice "{key}" of field "{name}"')
        if label:
            result.append(Option(by_key[key], label))
    for key in by_key:
        if key not in options:
            c.error(ui.line_of("options"), "missing-option-label",
                    f'{where}: the choice "{key}" has no label. Add under options:\n  {key}:\n    ar: ...\n    en: ...')
    return tuple(result)


def used_codes(raw: LineDict, constraints: LineDict) -> list[str]:
    """The error codes this field can produce, so each has a message.

    Every constraint written, plus `type` where typing can produce a value the
    type rejects (a number, a date, an e-mail address).
    """
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
    where = f'Field "{name}"'
    known = ERROR_CODES + rule_codes
    used = used_codes(raw, constraints) + list(rule_codes)
    messages = ui.get("errors") if "errors" in ui else empty(ui.line)
    if c.mapping(messages, ui.line_of("errors"), f'The "errors" of field "{raw["name"]}"') is None:
        return {}
    result = {}
    for code in messages:
        if code not in known:
            c.error(messages.line_of(code), "unknown-key",
                    f'{where} has a message for "{code}", which is not an error code.{did_you_mean(code, known)} '
                    f"Codes: {', '.join(known)}.")
            continue
        text = c.text(messages, code, f'The "{code}" message of field "{raw["name"]}"')
        if text:
            result[code] = text
        if code not in used:
            c.warning(messages.line_of(code), "unused-error-message",
                      f'{where} never checks "{code}", so this message is never shown. Remove it.')
    for code in used:
        if code not in messages:
            c.error(ui.line_of("errors"), "missing-error-message",
                    f'{where} checks "{code}" but has no message for it. Add under ui.errors:\n'
                    f"  {code}:\n    ar: ...\n    en: ...")
    return result


def _settings(c: Checker, ui: LineDict, control: str | None, where: str) -> dict | None:
    ok = True
    inputmode, autocomplete, rows = ui.get("inputmode"), ui.get("autocomplete"), ui.get("rows")
    if inputmode is not None and inputmode not in INPUTMODES:
        ok = False
        c.error(ui.line_of("inputmode"), "invalid-value", f'{where}: "inputmode: {inputmode}" is not one of: '
                f"{', '.join(INPUTMODES)}.{did_you_mean(str(inputmode), INPUTMODES)}")
    token = str(autocomplete).split()[-1] if autocomplete else None
    if autocomplete is not None and token not in AUTOCOMPLETE:
        ok = False
        c.error(ui.line_of("autocomplete"), "invalid-value",
                f'{where}: "autocomplete: {autocomplete}" is not a value browsers know.'
                f"{did_you_mean(str(token), AUTOCOMPLETE)}")
    if rows is not None and (control != "textarea" or not isinstance(rows, int) or not 2 <= rows <= 30):
        ok = False
        c.error(ui.line_of("rows"), "invalid-value",
                f'{where}: "rows" is for a textarea only, and is a whole number from 2 to 30.')
    sensitive = ui.get("sensitive", False)
    if not isinstance(sensitive, bool):
        ok = False
        c.error(ui.line_of("sensitive"), "invalid-value",
                f'{where}: "sensitive" must be true (the privacy notice then marks the field as sensitive data, '
                f'such as an ID number or health details) or false, not "{sensitive}".')
    return {"inputmode": inputmode, "autocomplete": autocomplete, "rows": rows,
            "sensitive": sensitive} if ok else None
