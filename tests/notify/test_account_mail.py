"""The e-mail of a change to a staff member's own account (outbox kind "staff-account",
issue 32 item 7): every event in both languages, with no reference, form or answer.
Queued by the workspace and sent to a real SMTP server: tests/staff/test_own_account.py."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from generator.core import i18n
from generator.notify.compose import Context, build_message
from generator.staff.accounts import ACCOUNT_EVENTS
from generator.submissions.db.outbox import OutboxMessage

CONTEXT = Context(forms={}, mail_from=("", "noreply@qalb.example"), organisation={"ar": "جمعية قلب", "en": "Qalb"},
                  site_url="https://qalb.example/", staff_url="https://staff.qalb.example/")
AT = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.timezone.utc)


def row(event: str, lang: str) -> OutboxMessage:
    return OutboxMessage(id=1, token="0" * 32, reference="", form_id="", kind="staff-account", language=lang,
                         recipient="huda@example.org", detail=json.dumps({"event": event}), created_at=AT,
                         status="pending", attempts=0, next_attempt_at=AT, last_error="")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_every_account_event_has_its_own_message_in_both_languages(lang: str) -> None:
    subjects = set()
    for event in ACCOUNT_EVENTS:
        message = build_message(row(event, lang), CONTEXT, now=AT)
        subjects.add(str(message["Subject"]))
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        direction = "rtl" if lang == "ar" else "ltr"
        assert f'<html lang="{lang}" dir="{direction}">' in html
        assert i18n.gettext(lang, "If you did not expect this, tell an administrator at once.") in text
        assert "submissions/" not in text and "status/" not in text  # no submission, no status page
        if event in ("password", "codes"):
            assert "https://staff.qalb.example/staff/account/security" in text
    assert len(subjects) == len(ACCOUNT_EVENTS)
