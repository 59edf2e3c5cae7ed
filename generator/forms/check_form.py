"""Reading and checking one form file as a whole: form-level keys, texts, rules.

The fields themselves are checked in `check_field.py`. A form is built only
when its file has no error at all: the site and the endpoint must never
disagree about a half-valid form.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from frictionless import FrictionlessException, Schema

from generator.core.problems import N_, Phrase, Problems, Term, closest, language_term
from generator.core.yamlsource import LineDict, LineList, load_yaml_file

from .check_field import check_field
from .check_notify import check_notify
from .check_relevance import check_conditions, check_stops
from .check_report import MAX_REPORT_FIELDS
from .check_summary import check_summary
from .check_workflow import check_response_days, check_workflow
from .checker import KEBAB_RE, Checker
from .durations import duration_text
from .fields import build_readers
from .model import LANGS, Form, FormField, Rule
from .staff_wording import needs_staff_label

TOP_KEYS = ("id", "version", "retention_days", "response_days", "title", "intro", "received", "after_submit",
            "privacy", "privacy_updated", "schema", "rules", "stop_if", "workflow", "summary", "notify")
OPTIONAL_TOP_KEYS = ("rules", "stop_if", "response_days", "workflow", "summary", "notify", "received",
                     "privacy_updated")
TEXT_KEYS = ("title", "intro", "received", "after_submit", "privacy")
RULE_KEYS = ("code", "one_of", "required", "when")
#: Written in form-level texts where the retention period goes; filled in from
#: `retention_days`, so the period shown and the period purged cannot differ.
RETENTION = "{retention}"


def read_form_file(path: Path, *, rel: str, problems: Problems) -> Form | None:
    errors_before = len(problems.errors)
    data = load_yaml_file(path, rel=rel, problems=problems)
    if len(problems.errors) > errors_before:  # invalid YAML, a duplicate key, ...
        return None
    c = Checker(rel, problems)
    if not isinstance(data, LineDict):
        c.error(1, "invalid-form", N_('A form file is made of "key: value" lines, starting with "id: %(stem)s"; '
                                      "see forms/help-request.yml for a complete example."), stem=path.stem)
        return None
    c.unknown_keys(data, TOP_KEYS, Term(N_("The form file")))
    c.missing_keys(data, [key for key in TOP_KEYS if key not in OPTIONAL_TOP_KEYS], Term(N_("The form file")))
    form_id = data.get("id")
    if "id" in data and form_id != path.stem:
        c.error(data.line_of("id"), "id-mismatch",
                N_('The id "%(form_id)s" differs from the file name "%(name)s": they must be the same, because the '
                   "id is the form's address (/forms/%(stem)s/). Write \"id: %(stem)s\" or rename the file."),
                form_id=form_id, name=path.name, stem=path.stem)
    if not KEBAB_RE.match(path.stem):
        c.error(1, "invalid-value", N_('The file name "%(name)s" must be lower-case Latin letters, digits and '
                                       "hyphens (such as \"help-request.yml\"): it becomes the form's address."),
                name=path.name)
    version = c.whole_number(data, "version", '"version"', minimum=1) if "version" in data else None
    retention = c.whole_number(data, "retention_days", '"retention_days"', minimum=1) \
        if "retention_days" in data else None
    texts = {key: c.text(data, key, Phrase(N_('The form\'s "%(key)s"'), key=key)) for key in TEXT_KEYS if key in data}
    privacy_updated = _check_date(c, data, "privacy_updated") if "privacy_updated" in data else None
    _check_retention_shown(c, data, texts.get("privacy"))
    rules_raw = data.get("rules", [])
    fields, descriptor, names = _check_schema(c, data, _rule_codes(rules_raw))
    rules = _check_rules(c, data, rules_raw, fields, names)
    stops = check_stops(c, data, fields) if "stop_if" in data else ()
    workflow = check_workflow(c, data)
    summary = check_summary(c, data, fields)
    response_days = check_response_days(c, data)
    notify = check_notify(c, data, fields)
    if workflow is not None:  # staff enter requests for forms with a workflow (staff_wording.py)
        _check_staff_labels(c, fields)
    elif "workflow" not in data:
        _check_no_files(c, fields)
    if c.errors or len(problems.errors) > errors_before:
        return None
    assert version is not None and retention is not None and descriptor is not None
    try:
        schema = Schema.from_descriptor(descriptor)
        readers = build_readers(descriptor)
    except FrictionlessException as exc:  # checked field by field already; a last guard
        c.error(data.line_of("schema"), "invalid-schema", N_("frictionless says the schema is not valid: %(exc)s."),
                exc=exc)
        return None
    shown = {key: {lang: _fill(text, retention, lang) for lang, text in value.items()}
             for key, value in texts.items() if value}
    return Form(
        id=form_id, version=version, retention_days=retention, title=shown["title"], intro=shown["intro"],
        after_submit=shown["after_submit"], privacy=shown["privacy"], schema=schema, descriptor=descriptor,
        fields=fields, rules=rules, stops=stops, notify=notify, path=rel, readers=readers, workflow=workflow,
        response_days=response_days, received=shown.get("received", {}), privacy_updated=privacy_updated,
        summary=summary,
    )


def _check_staff_labels(c: Checker, fields: list[FormField]) -> None:
    for field in fields:
        if languages := needs_staff_label(field):
            c.warning(field.line, "no-staff-label",
                      N_('Field "%(name)s" speaks to the applicant (%(languages)s), but staff fill this form in for '
                         'them on the phone: add "staff_label:" under "ui", the label in the third person in '
                         'Arabic and English ("The applicant\'s full name").'),
                      name=field.name, languages=", ".join(languages))


def _check_no_files(c: Checker, fields: list[FormField]) -> None:
    """Files are received for a case: without a workflow nobody on the staff side asks for them or handles them."""
    for field in fields:
        if field.files is not None:
            c.error(field.line, "file-without-workflow",
                    N_('Field "%(name)s" takes files, but this form has no "workflow": files are received for a '
                       "case that staff handle. Add a workflow (see forms/help-request.yml), or remove the field."),
                    name=field.name)


def _check_date(c: Checker, data: LineDict, key: str) -> dt.date | None:
    """A date written as YYYY-MM-DD (YAML may already have read it as one)."""
    value = data.get(key)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        c.error(data.line_of(key), "invalid-value",
                N_('"%(key)s" must be a date written as YYYY-MM-DD, such as 2026-12-07; found %(value)s.'),
                key=key, value=repr(value))
        return None


def retention_text(days: int, lang: str) -> str:
    """"two years" / "سنتين", "six months (180 days)": the period in words (durations.py).

    Western digits, like the rest of the form texts; the site may localise them.
    """
    return duration_text(days, lang)


def _fill(text: str, days: int, lang: str) -> str:
    return text.replace(RETENTION, retention_text(days, lang))


def _check_retention_shown(c: Checker, data: LineDict, privacy: dict[str, str] | None) -> None:
    if not privacy:
        return
    for lang in LANGS:
        if RETENTION not in privacy[lang]:
            c.error(data["privacy"].line_of(lang), "missing-retention",
                    N_("The %(language)s privacy text must say how long submissions are kept by writing "
                       '"%(retention)s" where the period goes; it is filled in from retention_days.'),
                    language=language_term(lang), retention=RETENTION)


def _check_schema(c: Checker, data: LineDict, rule_codes: dict[str, list[str]]
                  ) -> tuple[list[FormField], dict | None, set[str]]:
    """The checked fields, the clean Table Schema, and every field name seen."""
    schema = data.get("schema")
    if "schema" not in data or c.mapping(schema, data.line_of("schema"), Term(N_('The "schema"'))) is None:
        return [], None, set()
    c.unknown_keys(schema, ("fields",), Term(N_('The "schema"')))
    raw_fields: LineList = schema.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        c.error(schema.line_of("fields"), "invalid-schema",
                N_('The "schema" needs "fields:", a list of fields each starting with "- name: ...".'))
        return [], None, set()
    fields: list[FormField] = []
    descriptors: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    counted: list[LineDict] = []  # the fields with report: true, in order
    checked_fields: list[tuple[LineDict, FormField]] = []
    for index, raw in enumerate(raw_fields):
        line = raw_fields.line_of(index)
        name = raw.get("name") if isinstance(raw, LineDict) else None
        if isinstance(name, str) and name in seen:
            c.error(raw.line_of("name"), "duplicate-field",
                    N_('There is already a field "%(name)s" (line %(seen)s). Field names must differ.'),
                    name=name, seen=seen[name])
            continue
        if isinstance(name, str):
            seen[name] = raw.line_of("name")
        checked = check_field(c, raw, line, rule_codes.get(name or "", []))
        if checked:
            checked_fields.append((raw, checked[0]))
            descriptors.append(checked[1])
            if checked[0].report:
                counted.append(raw)
    fields = check_conditions(c, checked_fields)
    if len(counted) > MAX_REPORT_FIELDS:
        raw = counted[MAX_REPORT_FIELDS]
        c.error(raw.line_of("report"), "report-too-many",
                N_('Field "%(name)s" is field number %(value)s with "report: true", but reports can count at most '
                   '%(max_report_fields)s fields of a form (over the limit: %(items)s). Remove "report: true" from '
                   "the fields that reports need least."),
                name=raw['name'], value=MAX_REPORT_FIELDS + 1, max_report_fields=MAX_REPORT_FIELDS,
                items=", ".join(str(r["name"]) for r in counted[MAX_REPORT_FIELDS:]))
    return fields, {"fields": descriptors}, set(seen)


def _rule_codes(rules: Any) -> dict[str, list[str]]:
    """Rule codes by the field that reports them, read leniently (checked later)
    so that a field's messages for its rules count as known while fields are checked."""
    codes: dict[str, list[str]] = {}
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, dict) or not isinstance(rule.get("code"), str):
            continue
        if isinstance(rule.get("required"), str):
            codes.setdefault(rule["required"], []).append(rule["code"])
        elif isinstance(rule.get("one_of"), list) and rule["one_of"]:
            codes.setdefault(str(rule["one_of"][0]), []).append(rule["code"])
    return codes


def _check_rules(c: Checker, data: LineDict, rules: LineList, fields: list[FormField],
                 names_seen: set[str]) -> tuple[Rule, ...]:
    if not isinstance(rules, list):
        c.error(data.line_of("rules"), "invalid-value",
                N_('"rules" must be a list, each item starting with "- code: ...".'))
        return ()
    by_name = {f.name: f for f in fields}
    result = []
    for index, rule in enumerate(rules):
        line = rules.line_of(index)
        if c.mapping(rule, line, Term(N_("Each rule"))) is None:
            continue
        c.unknown_keys(rule, RULE_KEYS, Term(N_("A rule")))
        conditional = "required" in rule or "when" in rule
        required = ("code", "required", "when") if conditional else ("code", "one_of")
        if not c.missing_keys(rule, required, Term(N_("A rule"))):
            continue
        code = rule["code"]
        if not isinstance(code, str) or not KEBAB_RE.match(code):
            c.error(rule.line_of("code"), "invalid-rule",
                    N_('The rule code "%(code)s" must be lower-case words joined by hyphens, such as '
                       '"contact-required".'), code=code)
        if conditional and "one_of" in rule:
            c.error(rule.line_of("one_of"), "invalid-rule",
                    N_('A rule has either "one_of" or "required" with "when", not both: make it two rules.'))
            continue
        checked = (_conditional_rule(c, rule, by_name, names_seen) if conditional
                   else _one_of_rule(c, rule, by_name, names_seen))
        if checked is not None:
            result.append(Rule(code=str(code), **checked))
    return tuple(result)


def _optional_field(c: Checker, rule: LineDict, key: str, name: Any, by_name: dict[str, FormField],
                    names_seen: set[str], why: Term) -> bool:
    field = by_name.get(name) if isinstance(name, str) else None
    if name not in names_seen:
        c.error(rule.line_of(key), "invalid-rule",
                N_('The rule names a field "%(name)s" that this form does not have.%(suggestion)s'),
                name=name, suggest=closest(str(name), names_seen))
        return False
    if field is not None and field.required:
        c.error(rule.line_of(key), "invalid-rule", N_('The field "%(name)s" is required, so %(why)s: make it '
                                                      "optional or remove the rule."), name=name, why=why)
        return False
    return True


def _one_of_rule(c: Checker, rule: LineDict, by_name: dict[str, FormField], names_seen: set[str]) -> dict | None:
    names = rule["one_of"]
    if not isinstance(names, list) or len(names) < 2:
        c.error(rule.line_of("one_of"), "invalid-rule",
                N_('"one_of" lists two or more fields, at least one of which must be answered: "one_of: [mobile, '
                   'email]".'))
        return None
    for name in names:
        _optional_field(c, rule, "one_of", name, by_name, names_seen,
                        Term(N_('"one of" it and others is always met')))
    return {"one_of": tuple(str(n) for n in names)}


def _conditional_rule(c: Checker, rule: LineDict, by_name: dict[str, FormField],
                      names_seen: set[str]) -> dict | None:
    """`required: mobile` + `when: {reply_by: phone}`."""
    required, when = rule["required"], rule["when"]
    ok = _optional_field(c, rule, "required", required, by_name, names_seen, Term(N_("the rule can never apply")))
    if not isinstance(when, LineDict) or not when:
        c.error(rule.line_of("when"), "invalid-rule",
                N_('"when" names the answers that make the field required, such as "when: {reply_by: phone}".'))
        return None
    conditions = []
    for name, value in when.items():
        field = by_name.get(name)
        if name not in names_seen:
            c.error(when.line_of(name), "invalid-rule",
                    N_('"when" names a field "%(name)s" that this form does not have.%(suggestion)s'),
                    name=name, suggest=closest(str(name), names_seen))
            ok = False
        elif field is not None and field.options and value not in [o.value for o in field.options]:
            choices = ", ".join(str(o.value) for o in field.options)
            c.error(when.line_of(name), "invalid-rule",
                    N_('"%(name)s" can never be "%(value)s": its choices are %(choices)s.'),
                    name=name, value=value, choices=choices)
            ok = False
        conditions.append((str(name), value))
    return {"required": str(required), "when": tuple(conditions)} if ok else None
