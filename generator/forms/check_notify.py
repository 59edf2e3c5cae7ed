"""Checking a form file's `notify:` block: who is told by e-mail of a submission.

    notify:
      staff: [requests@qalb.example]   # shared mailboxes, told of every submission
      staff_language: ar              # ar or en (default ar)
      applicant: true                 # a confirmation to the e-mail the person gave

No message ever carries an answer; the staff accounts with alerts on are told
as well, whatever the file says (generator/submissions/notices.py).
"""
from __future__ import annotations

import re
from typing import Any

from generator.core.yamlsource import LineDict, LineList

from .checker import Checker
from .model import LANGS, FormField, Notify

NOTIFY_KEYS = ("staff", "staff_language", "applicant")
#: What a mailbox address looks like: one @, no spaces or brackets, a dot in the domain.
ADDRESS_RE = re.compile(r"[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\".]+\Z")


def check_notify(c: Checker, data: LineDict, fields: list[FormField]) -> Notify:
    if "notify" not in data:
        return Notify()
    block = c.mapping(data["notify"], data.line_of("notify"), 'The "notify" block')
    if block is None:
        return Notify()
    c.unknown_keys(block, NOTIFY_KEYS, 'The "notify" block')
    return Notify(staff=_staff(c, block), staff_language=_language(c, block),
                  applicant=_applicant(c, block, fields))


def _staff(c: Checker, block: LineDict) -> tuple[str, ...]:
    if "staff" not in block:
        return ()
    value: Any = block["staff"]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        c.error(block.line_of("staff"), "invalid-value",
                '"staff" lists the mailboxes to tell, such as "staff: [requests@qalb.example]".')
        return ()
    addresses = []
    for index, address in enumerate(value):
        line = value.line_of(index) if isinstance(value, LineList) else block.line_of("staff")
        if not isinstance(address, str) or not ADDRESS_RE.match(address.strip()):
            c.error(line, "invalid-email",
                    f'"{address}" is not an e-mail address: write one address per item, such as '
                    '"requests@qalb.example", without a name or brackets.')
            continue
        addresses.append(address.strip())
    return tuple(addresses)


def _language(c: Checker, block: LineDict) -> str:
    language = block.get("staff_language", LANGS[0])
    if language not in LANGS:
        c.error(block.line_of("staff_language"), "invalid-value",
                f'"staff_language" is the language of the staff messages: {" or ".join(LANGS)}; found {language!r}.')
        return LANGS[0]
    return str(language)


def _applicant(c: Checker, block: LineDict, fields: list[FormField]) -> bool:
    value = block.get("applicant", False)
    if not isinstance(value, bool):
        c.error(block.line_of("applicant"), "invalid-value",
                f'"applicant" is true (send the person a confirmation) or false; found {value!r}.')
        return False
    if value and fields and not any(f.is_email for f in fields):
        c.error(block.line_of("applicant"), "missing-email-field",
                '"applicant: true" sends the confirmation to the e-mail address the person gives, but this '
                'form asks for none: add a field with "format: email", or remove "applicant: true".')
        return False
    return value
