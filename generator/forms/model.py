"""Form definitions: what a checked `forms/<id>.yml` becomes (a leaf: it imports
nothing else of the package).

`load_forms(root, problems)` (loading.py) reads every `forms/*.yml`, checks it (see
check_form.py, check_field.py and check_ui.py) and returns the valid forms by
id. A form with any error is left out, so the build and the endpoint never
serve half a form; every problem is reported as
`forms/<file>:<line>: [<code>] <message>`.

Problem codes (stable: staff search for them, tests assert them):

  invalid-yaml            the file is not valid YAML
  duplicate-key           a key written twice in the same item
  encoding                the file is not saved as UTF-8
  unreadable              the file cannot be read at all
  invalid-form            the file is not a mapping of `key: value` lines
  unknown-key             a key this format does not know (with did-you-mean)
  missing-key             a required key is absent (id, version, schema, name, ...)
  invalid-value           a value of the wrong kind (version not a whole number, ...)
  id-mismatch             `id` differs from the file name
  missing-translation     a text lacks its Arabic or English version
  missing-retention       the privacy text does not show `{retention}`
  invalid-schema          frictionless rejects the Table Schema (its reason is quoted)
  unknown-type            a field type Table Schema does not define
  unsupported-type        a Table Schema type these forms cannot ask for
  unsupported-constraint  a Table Schema constraint these forms do not check
  invalid-name            a field name unusable as an HTML name/id
  reserved-name           a field name the form itself posts or stores (lang, privacy_notice, ...)
  duplicate-field         two fields share a name
  missing-label           a field has no `ui.label`
  missing-max-length      a string field has no `maxLength`
  missing-error-message   a constraint (or type check) the field uses has no message
  unused-error-message    (warning) a message for a check the field never makes
  invalid-pattern         a pattern Python cannot compile or browsers would read differently
  invalid-control         `ui.control` does not suit the field's type or constraints
  invalid-choices         an `array` field without `arrayItem` string choices
  missing-option-label    a choice without a label
  consent-not-true        a required tick box that would accept "false"
  invalid-rule            a form-level rule with a bad code, an unknown field or a required one
  optional-hint           a required field whose hint says "if you know it" (check_ui.py)
  unknown-state           a workflow state's `next` names no state (check_workflow.py)
  unreachable-state       no path from the first state leads to a state
  no-closed-state         no state of the workflow is closed
  reopen-closed-state     the workflow's `reopen_to` names a closed state
  duplicate-state         two states share an id
  missing-reasons         a state needs a reason but the workflow lists none
  invalid-email           an address in `notify.staff` that is not an e-mail address
  missing-email-field     `notify.applicant: true` on a form that asks for no e-mail address
  invalid-webhook         a webhook in `notify.webhooks` without a usable name, URL or events
  insecure-webhook        a webhook that would carry answers or contact details over plain http
  report-not-countable    `report: true` on a field that is not a choice or rating, or that is personal
  report-too-many         more than 8 fields of a form have `report: true` (reported on the 9th)
  invalid-condition       a `relevant:` that is not a test, an unknown operator, an operand of the wrong kind
  condition-unknown-field a condition names a field the form does not have (check_relevance.py)
  condition-later-field   a condition names this field or one after it: only earlier answers decide
  condition-unknown-option a condition names a choice code the field does not have
  condition-wrong-type    an operator that does not fit the field's type (`gte` on text, `equals` on tick boxes)
  condition-too-deep      `all:` / `any:` inside another one (one level only)
  condition-never-relevant a required field whose condition no answers can meet
  summary-unknown-field   `summary:` names a field the form does not have (check_summary.py)
  invalid-stop            a `stop_if:` rule without a usable code, `when:` or bilingual `message:`
  missing-file-limits     a file field (`ui.control: file`) without `ui.files` or one of its limits (check_files.py)
  unknown-file-type       `ui.files.accept` names a type these forms do not take (with did-you-mean)
  invalid-file-limit      a file limit that is not a whole number from 1 to its ceiling, or a total below one file
  file-without-workflow   a file field on a form with no workflow (nobody on the staff side would handle it)
  no-staff-label          (warning) a field of a form with a workflow whose label speaks to the applicant
                          ("your", "I", اسمك، أُقرّ) without a third-person `ui.staff_label` (staff_wording.py)
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable, Mapping

from frictionless import Schema

from generator.core.languages import LANGUAGE_CODES

from .relevance import Condition
from .workflow import Workflow

#: Prefix of every control's HTML id (`f-<name>`): keeps field names such as
#: `name` or `email` from colliding with ids the site's own pages use.
FIELD_PREFIX = "f-"

#: The honeypot's posted name. Not in any schema (the endpoint checks it before
#: reading a submission); a name that browser autofill has no reason to target
#: and that no form field may take (see `reserved-name`).
HONEYPOT_FIELD = "qalb_hp_extra"

#: Hidden fields every form posts beside its own: the page's language (the
#: Referer is no guide when the site and the endpoint are on different hosts)
#: and the version of the privacy notice the page linked to.
LANG_FIELD = "lang"
NOTICE_FIELD = "privacy_notice"
#: And the post's key, filled per page load by the form's script (form-key.js) and
#: empty without JavaScript: a post sent again with it is stored once (db/post_keys.py).
KEY_FIELD = "post_key"
#: Names no form field may take: the hidden fields, the honeypot, and
#: "reference", the column every submission has in the store and the export.
RESERVED_NAMES = (LANG_FIELD, NOTICE_FIELD, KEY_FIELD, HONEYPOT_FIELD, "reference")

#: A privacy notice version as `Form.notice_version` writes it: "<form version>-<8 hex digits>".
NOTICE_VERSION_RE = re.compile(r"[1-9][0-9]{0,8}-[0-9a-f]{8}\Z")

#: The languages every text must have, in the order they are checked.
LANGS = LANGUAGE_CODES

#: The Table Schema types a person can answer in a web form, and the controls
#: (`ui.control`) that suit each (the default is chosen in check_ui.py).
CONTROLS: dict[str, tuple[str, ...]] = {
    "string": ("input", "tel", "textarea", "radios", "select"),
    "integer": ("input", "radios", "select"),
    "number": ("input", "radios", "select"),
    "boolean": ("checkbox",),
    "date": ("date",),
    "array": ("checkboxes", "file"),
}
#: The words a form file's `ui.files.accept` may use, and the media type each stands for
#: (detected from a file's bytes by the endpoint, never from its name).
FILE_TYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
#: The file names' endings a file chooser offers for each media type (`accept` lists both,
#: so phones offer the camera and the gallery, and desktop choosers filter by name).
FILE_EXTENSIONS = {"application/pdf": (".pdf",), "image/jpeg": (".jpg", ".jpeg"), "image/png": (".png",)}
#: The error codes of a file field, raised by the endpoint while it reads an upload; their
#: words are built in (error_texts.py), with the field's limits filled in.
FILE_ERROR_CODES = ("file-too-large", "files-too-many", "files-too-large", "file-type", "file-unsafe",
                    "file-infected", "file-damaged", "file-empty")
MB = 1024 * 1024  # a form file's "MB": what phones and Windows show as MB
#: The Table Schema constraints forms check, each with its own message.
CONSTRAINTS = ("required", "minLength", "maxLength", "pattern", "minimum", "maximum", "enum")

Text = Mapping[str, str]  # {"ar": ..., "en": ...}
CellReader = Callable[[Any], "tuple[Any, dict[str, str] | None]"]


@dataclass(frozen=True)
class Option:
    """One choice of a radio group, select or checkbox group."""

    value: Any  # typed as the schema reads it: str, or int for ratings
    label: Text


@dataclass(frozen=True)
class Rule:
    """A form-level check across fields (Table Schema has none). Two kinds:

    `one_of`: at least one of these optional fields must be answered; the error
    `code` is reported on the first of them, with that field's message.
    `required` + `when`: this optional field must be answered when every field
    in `when` has the given answer (e.g. a mobile number when the person asked
    to be called back); the error is reported on it, with its message.
    """

    code: str
    one_of: tuple[str, ...] = ()
    required: str = ""
    when: tuple[tuple[str, Any], ...] = ()

    @property
    def reported_on(self) -> str:
        """The field that shows this rule's error."""
        return self.required or self.one_of[0]


@dataclass(frozen=True)
class Stop:
    """A form-level `stop_if:` rule: answers that end the form early (the service is not for
    this person), with the form's own words for why. Shown on the last field the condition names."""

    code: str
    condition: Condition
    message: Text

    @property
    def reported_on(self) -> str:
        return self.condition.tests[-1].field


@dataclass(frozen=True)
class FileLimits:
    """`ui.files` of a file field (check_files.py): what may be attached, and how much."""

    accept: tuple[str, ...]  # media types, e.g. ("application/pdf", "image/jpeg", "image/png")
    max_file_bytes: int
    max_total_bytes: int
    max_files: int

    @property
    def accept_attribute(self) -> str:
        """The HTML `accept`: the media types first (a phone then offers its camera), then the endings."""
        endings = [ending for media_type in self.accept for ending in FILE_EXTENSIONS[media_type]]
        return ",".join([*self.accept, *endings])


@dataclass(frozen=True)
class FormField:
    """A schema field plus how it is asked: the `ui:` part of the form file."""

    name: str
    type: str  # Table Schema type: string, integer, number, boolean, date, array
    format: str
    constraints: Mapping[str, Any]
    label: Text
    hint: Text | None
    errors: Mapping[str, Text]  # frictionless error code (or rule code) -> message
    options: tuple[Option, ...]  # for radios, select and checkboxes
    control: str  # input, tel, textarea, radios, select, checkboxes, checkbox, date, file
    autocomplete: str | None = None
    inputmode: str | None = None
    rows: int | None = None
    sensitive: bool = False  # `ui.sensitive`: marked as such on the privacy notice (ID numbers, health)
    #: `report: true` beside `ui:`: a choice or rating the staff reports count, stored
    #: beside the encrypted answers (check_report.py; submissions/db/report_values.py).
    report: bool = False
    #: `identifier: name` beside `ui:`: the answer is a person's name, its words indexed as
    #: keyed hashes for the staff search (submissions/identifiers.py); None: not a name.
    identifier: str | None = None
    #: `relevant:` beside `ui:`: when the question is asked (relevance.py); None: always.
    relevant: Condition | None = None
    line: int = 1
    #: `ui.staff_label`: the label on the staff's phone-entry form, in the third person
    #: ("The applicant's full name"), where the public one speaks to the applicant (staff_wording.py).
    staff_label: Text | None = None
    #: `ui.files`: set exactly when `control` is "file" (a Table Schema array of the stored
    #: files' numbers, never names or bytes).
    files: FileLimits | None = None

    @property
    def id(self) -> str:
        return FIELD_PREFIX + self.name

    @property
    def required(self) -> bool:
        return bool(self.constraints.get("required"))

    @property
    def effective_inputmode(self) -> str | None:
        """The virtual keyboard to ask for: explicit, or implied by the type."""
        if self.inputmode:
            return self.inputmode
        if self.control == "tel":
            return "tel"
        if self.format == "email":
            return "email"
        if self.control == "input" and self.type in ("integer", "number"):
            return "numeric" if self.type == "integer" else "decimal"
        return None

    @cached_property  # asked for every answer of every submission; the field never changes
    def digits(self) -> bool:
        """Whether Arabic-Indic and Persian digits typed here are read as 0-9.

        True for numbers and for the strings people type digits into (phone,
        ID): the same fields that get a numeric keyboard.
        """
        return self.type in ("integer", "number") or self.effective_inputmode in ("numeric", "decimal", "tel")

    @property
    def is_email(self) -> bool:
        """An e-mail address (`format: email`): where a confirmation can be sent."""
        return self.type == "string" and self.format == "email"

    @property
    def ltr(self) -> bool:
        """Phone numbers, e-mail addresses and ID numbers read left to right,
        even inside Arabic text: `dir="ltr"` keeps `+966...` from turning into
        `...966+` on right-to-left pages."""
        return self.format == "email" or self.effective_inputmode in ("numeric", "decimal", "tel", "email")


#: What a webhook may be told of: a new submission, a change of its case's state.
WEBHOOK_EVENTS = ("submitted", "state_changed")


@dataclass(frozen=True)
class Webhook:
    """One receiver of signed JSON posts (`notify.webhooks` in the form file, check_notify.py;
    docs/webhooks.md). The signing secret is never here: it is read from the file named by
    QALB_WEBHOOK_<NAME>_SECRET_FILE (generator/core/config.py)."""

    name: str  # lower-case letters, digits and hyphens: names the secret's variable
    url: str  # https://..., or http:// on the loopback only (a gateway on this machine)
    events: tuple[str, ...] = WEBHOOK_EVENTS
    include_contact: bool = False  # the applicant's mobile number and e-mail address
    include_answers: bool = False  # every answer; sent only over https

    @property
    def secret_variable(self) -> str:
        return f"QALB_WEBHOOK_{self.name.upper().replace('-', '_')}_SECRET_FILE"


@dataclass(frozen=True)
class Notify:
    """Who is told by e-mail of a new submission (`notify:` in the form file, check_notify.py).

    `staff`: shared mailboxes told of every submission (never its answers), in
    `staff_language`; `applicant`: a confirmation to the e-mail address the
    person gave, in their language. Without `notify:` nobody but the staff
    accounts with alerts on is told.
    """

    staff: tuple[str, ...] = ()
    staff_language: str = "ar"
    applicant: bool = False
    #: Signed JSON posts to other systems (an SMS or WhatsApp gateway, a CRM).
    webhooks: tuple[Webhook, ...] = ()


@dataclass
class Form:
    id: str
    version: int
    retention_days: int
    title: Text
    intro: Text  # Markdown
    after_submit: Text  # Markdown
    privacy: Text  # Markdown, with {retention} already filled in
    schema: Schema  # the form's Table Schema, as written (no `ui:` keys)
    descriptor: dict[str, Any]  # the same, as a plain JSON-able dict
    fields: list[FormField]
    rules: tuple[Rule, ...] = ()
    stops: tuple[Stop, ...] = ()  # `stop_if:` (check_relevance.py)
    notify: Notify = Notify()
    path: str = ""  # forms/<id>.yml, for messages
    readers: dict[str, CellReader] = dataclasses.field(default_factory=dict, repr=False)  # built once, at load
    #: What happens to a submission after it arrives (workflow.py); None: no case handling.
    workflow: Workflow | None = None
    #: The internal target for an answer, in days (calendar or working days: submissions/cases.py).
    response_days: int | None = None
    #: The confirmation page's heading ("We received your request"); empty: the interface's own words.
    received: Text = dataclasses.field(default_factory=dict)
    #: The day the privacy notice's text last changed, shown on the notice in words.
    privacy_updated: dt.date | None = None
    #: `summary:` the answers the staff list shows beside each request (check_summary.py).
    summary: tuple[str, ...] = ()

    @cached_property
    def notice_version(self) -> str:
        """The version of this form's privacy notice, the same for the site and the endpoint.

        The form's version plus a short hash of everything the notice page
        shows from the form file (the privacy text in both languages, the
        period, each field's label and whether it is sensitive): any edit to
        those gives a new version, without anyone having to remember a number.
        Settings such as the phone number are not part of it: they say how to
        reach the Association, not what is done with the data.
        """
        shown = {
            "privacy": self.privacy,
            "retention_days": self.retention_days,
            "fields": [[f.name, f.label, f.sensitive] for f in self.fields],
        }
        digest = hashlib.sha256(json.dumps(shown, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        return f"{self.version}-{digest.hexdigest()[:8]}"

    @cached_property
    def reading_plan(self) -> tuple[tuple[FormField, CellReader, Any, bool], ...]:
        """What fields.read_submission walks for every post, made once: each field with its
        reader, its condition (None: always asked) and whether it is required when asked but
        left to us by its reader (a follow-up's schema has no "required": relevance.py)."""
        return tuple((f, self.readers[f.name], f.relevant, f.required and f.relevant is not None)
                     for f in self.fields)

    @property
    def file_fields(self) -> tuple[FormField, ...]:
        """The fields that take files (`ui.control: file`), in form order."""
        return tuple(f for f in self.fields if f.files is not None)

    @property
    def consent_fields(self) -> list[str]:
        """Declarations and consents: required tick boxes that must be true."""
        return [f.name for f in self.fields if f.type == "boolean" and f.required]

    def field(self, name: str) -> FormField:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(f"form {self.id!r} has no field {name!r}; it has {[f.name for f in self.fields]}")
