"""One stored submission, and the conversion of typed answers to JSON and back.

The form reader returns typed Python values (dates, Decimals, booleans); the
store keeps answers as JSON. Values JSON can hold natively stay as they are;
the rest are written with frictionless' own cell writer for the field, so the
export can read them back with the same field and get the same value.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal, Mapping

from generator.forms.model import NOTICE_VERSION_RE

Status = Literal["accepted", "suspected-spam"]
STATUSES: tuple[Status, ...] = ("accepted", "suspected-spam")


#: Who added a file: the applicant with the form, from the status page, or a staff e-mail.
ADDED_BY_APPLICANT = "applicant"
ADDED_BY_STATUS_PAGE = "status-page"
SCAN_RESULTS = ("clean", "unscanned")


@dataclass(frozen=True, kw_only=True)
class Attachment:
    """One stored file of a submission (its bytes sealed on disk: files.py, sealed.py)."""

    number: int  # 1, 2, ... per submission, never reused
    field: str  # the form field's name
    name: str  # the file name as sent, cleaned (no path, no control characters, <= 200 characters); stored encrypted
    media_type: str  # detected from the bytes
    size: int  # bytes stored (after an image's re-encoding)
    sha256: str  # hex digest of the stored plaintext
    scan: str  # "clean" | "unscanned"
    key_id: str  # the data key the file is sealed with
    added_by: str = ADDED_BY_APPLICANT  # "applicant" | "status-page" | a staff e-mail
    added_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        if self.number < 1:
            raise ValueError(f"an attachment's number starts at 1, not {self.number}")
        if self.scan not in SCAN_RESULTS:
            raise ValueError(f"scan must be one of {SCAN_RESULTS}, not {self.scan!r}")


@dataclass(frozen=True, kw_only=True)
class Submission:
    reference: str
    form_id: str
    form_version: str
    language: str
    submitted_at: dt.datetime  # timezone-aware, UTC
    consent: dict[str, Any]  # see consent_record
    status: Status
    answers: dict[str, Any]  # JSON-ready values keyed by field name
    id: int | None = None
    # Case handling (submissions/cases.py): None for a form without a workflow.
    case_state: str | None = None
    state_since: dt.datetime | None = None
    due_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    assigned_to: str | None = None
    case_version: int = 0
    priority: str = "normal"  # "normal" | "urgent": set by the caseworker, urgent first in lists
    #: How the request arrived: "website", or a channel of content/channels.yml when staff entered it.
    channel: str = "website"
    entered_by: str | None = None  # the staff member who entered a request from another channel
    #: The post's key as `post_digest` makes it, when it carried one: a retry is stored once (db/post_keys.py).
    post_key: str | None = None
    #: The files sent with it (stored by insert_batch in its transaction; bytes placed after COMMIT).
    attachments: tuple[Attachment, ...] = ()

    def __post_init__(self) -> None:
        if self.submitted_at.tzinfo is None:
            raise ValueError("submitted_at must be timezone-aware (UTC)")
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {self.status!r}")


def post_digest(form_id: str, key: str, answers: Mapping[str, Any], lookup_key: Any = None) -> str:
    """What is stored of a post's key: a digest of the form, the key and the answers (JSON-ready),
    so the same key with other answers (a page sent again after an edit) is another post. Keyed
    with the lookup key (crypto.LookupKey) when the store has one, as the identifiers' hashes are:
    a copy of the database alone cannot test guessed answers against it (a script's keys may be
    guessable). A lookup key rotated within a day makes a retry of an older post a new post."""
    text = json.dumps([form_id, key, answers], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if lookup_key is not None:
        return str(lookup_key.digest("post", text))
    return hashlib.sha256(text.encode()).hexdigest()


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def json_ready(schema: Any, row: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values from the form reader -> values `json.dumps` accepts, by field."""
    fields = {field.name: field for field in schema.fields}
    result: dict[str, Any] = {}
    for name, value in row.items():
        if value is None or isinstance(value, (str, bool, int, float)) or (
                isinstance(value, (list, dict)) and _is_plain_json(value)):
            result[name] = value
        elif name in fields:
            text, notes = fields[name].write_cell(value)
            result[name] = text if not notes else str(value)
        else:
            result[name] = str(value)
    return result


def _is_plain_json(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def consent_record(consent_fields: list[str], answers: Mapping[str, Any], at: dt.datetime, *,
                   language: str | None = None, notice: str | None = None,
                   posted_notice: Any = None) -> dict[str, Any]:
    """What the person agreed to, when, in which language and under which privacy notice.

    {"fields": {name: true}, "given_at": ISO time, "notice_version": ..., "language": ...}.
    A form without tick boxes records no "given_at" (nothing was given) but
    still the notice shown. `notice` is the form's current notice version and
    `posted_notice` the one the person's page carried (see `notice_shown`);
    without `notice` (older callers) the record is fields and time only.
    """
    given = {name: answers.get(name) is True for name in consent_fields}
    record: dict[str, Any] = {"fields": given}
    if given:
        record["given_at"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    elif notice is None:
        return {}
    if notice is not None:
        record.update(notice_shown(notice, posted_notice))
    if language is not None:
        record["language"] = language
    return record


def notice_shown(current: str, posted: Any) -> dict[str, str]:
    """The privacy notice version to record: the one the person's page carried.

    A page kept in a cache can carry an older version than the site shows now;
    that older notice is the one the person read and agreed to, so it is what
    is recorded, with the current one beside it for whoever reviews it. Only
    the shape is checked (old versions are not kept anywhere to compare with):
    a made-up value changes nothing but the sender's own record. A missing or
    malformed value (a script, a hand-made post) says nothing about what was
    read, so the current version, the one the site offers, is recorded.
    Never a reason to refuse a submission: the answers matter more.
    """
    if not isinstance(posted, str) or not NOTICE_VERSION_RE.match(posted):
        return {"notice_version": current}
    if posted != current:
        return {"notice_version": posted, "current_notice_version": current}
    return {"notice_version": posted}
