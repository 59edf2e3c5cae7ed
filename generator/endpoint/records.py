"""One stored submission, and the conversion of typed answers to JSON and back.

The form reader returns typed Python values (dates, Decimals, booleans); the
store keeps answers as JSON. Values JSON can hold natively stay as they are;
the rest are written with frictionless' own cell writer for the field, so the
export can read them back with the same field and get the same value.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Literal, Mapping

Status = Literal["accepted", "suspected-spam"]
STATUSES: tuple[Status, ...] = ("accepted", "suspected-spam")


@dataclass(frozen=True, kw_only=True)
class Submission:
    reference: str
    form_id: str
    form_version: str
    language: str
    submitted_at: dt.datetime  # timezone-aware, UTC
    consent: dict[str, Any]  # {"fields": {name: true}, "given_at": ISO time} or {}
    status: Status
    answers: dict[str, Any]  # JSON-ready values keyed by field name
    id: int | None = None

    def __post_init__(self) -> None:
        if self.submitted_at.tzinfo is None:
            raise ValueError("submitted_at must be timezone-aware (UTC)")
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {self.status!r}")


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


def consent_record(consent_fields: list[str], answers: Mapping[str, Any], at: dt.datetime) -> dict[str, Any]:
    """What the applicant agreed to and when: kept beside the answers for accountability."""
    given = {name: answers.get(name) is True for name in consent_fields}
    if not given:
        return {}
    return {"fields": given, "given_at": at.strftime("%Y-%m-%dT%H:%M:%SZ")}
