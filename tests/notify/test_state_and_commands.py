"""The hook the case workflow calls when a case enters a state marked
`notify_applicant`, and the `notify` commands (`run --once`, `failed`, `retry`)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator import cli
from generator.core.organisation import Settings as Organisation
from generator.notify.sender import Sender, context_for
from generator.submissions.notices import StateNotice, queue_state_change
from generator.submissions.store import Store

from .conftest import CANARY, MAIL_FROM, SmtpServer, notify_settings
from .helpers import rows, send_all, submission

DECIDED = StateNotice(
    state="accepted",
    subject={"ar": "قُبل طلبك", "en": "Your request was accepted"},
    body={"ar": "يسرنا إبلاغك بقبول طلبك. سيتصل بك **فريقنا**.", "en": "We are glad to tell you that your request "
          "was accepted. **Our team** will call you."},
)


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_state_change_queues_one_message_from_the_states_template(
        language: str, planned_store: Store, notify_root: Path, notify_forms: dict[str, Any], smtp: SmtpServer,
        clock: Any) -> None:
    sub = submission(language, email="sara@example.org")
    planned_store.insert_batch([sub])
    before = {r.id for r in rows(planned_store)}
    form = notify_forms["request"]
    assert queue_state_change(planned_store, form, sub.reference, DECIDED, now=clock()) == 1
    (row,) = [r for r in rows(planned_store) if r.id not in before]
    assert (row.kind, row.language, row.recipient) == ("state-change", language, "sara@example.org")
    assert json.loads(row.detail)["state"] == "accepted" and CANARY not in row.detail
    settings = notify_settings(notify_root, "sqlite:///unused.db", smtp.url)
    sender = Sender(planned_store, context_for(settings, notify_forms, Organisation()), settings, clock=clock)
    assert send_all(sender) == 4
    (message,) = [m for m in smtp.mailbox.wait_for(4) if m["Message-ID"] == f"<{row.token}@qalb.example>"]
    assert message["Subject"] == f"{DECIDED.subject[language]} ({sub.reference})"
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_content()
    html = next(p for p in message.walk() if p.get_content_type() == "text/html").get_content()
    assert DECIDED.body[language].replace("**", "") in text and "<strong>" in html
    assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in html
    assert all(CANARY.encode() not in raw for raw in smtp.mailbox.raw)


def test_no_state_message_without_an_address_or_with_notifications_off(
        planned_store: Store, open_planned: Any, notify_forms: dict[str, Any]) -> None:
    form = notify_forms["request"]
    without = submission("ar", email=None)
    planned_store.insert_batch([without])
    assert queue_state_change(planned_store, form, without.reference, DECIDED) == 0
    assert queue_state_change(planned_store, form, "00000-00000", DECIDED) == 0  # no such submission
    with_address = submission("ar")
    planned_store.insert_batch([with_address])
    quiet = open_planned(notify_forms, None)  # the same database, notifications off
    assert queue_state_change(quiet, form, with_address.reference, DECIDED) == 0
    assert "state-change" not in {r.kind for r in rows(planned_store)}


def test_the_commands_send_list_and_retry(tmp_path: Path, notify_root: Path, notify_forms: dict[str, Any],
                                          smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from generator.submissions.notices import OutboxPlanner
    from generator.submissions.secure_store import open_secure_store

    url = f"sqlite:///{tmp_path / 'cmd.db'}"
    for name, value in {"DATABASE_URL": url, "QALB_SMTP_URL": smtp.url, "QALB_MAIL_FROM": MAIL_FROM[1]}.items():
        monkeypatch.setenv(name, value)
    store = open_secure_store(notify_settings(notify_root, url, smtp.url), notify_forms,
                              planner=OutboxPlanner(notify_forms))
    smtp.mailbox.refuse.add("sara@example.org")
    try:
        store.insert_batch([submission("en")])
        assert cli.main(["--root", str(notify_root), "notify", "run", "--once"]) == 0
        assert "Sent 2, to try again later 0, failed 1." in capsys.readouterr().err
        assert len(smtp.mailbox.raw) == 2
        assert cli.main(["--root", str(notify_root), "notify", "failed"]) == 0
        listed = capsys.readouterr().out.splitlines()
        assert listed[0].startswith("id\tform\treference") and len(listed) == 2
        failed_id = int(listed[1].split("\t")[0])
        assert "applicant-confirmation" in listed[1] and "SMTPRecipientsRefused 550" in listed[1]
        assert "sara@example.org" not in listed[1]
        assert cli.main(["--root", str(notify_root), "notify", "retry", "999"]) == 1
        smtp.mailbox.refuse.clear()
        assert cli.main(["--root", str(notify_root), "notify", "retry", str(failed_id), "--staff", "mona"]) == 0
        assert cli.main(["--root", str(notify_root), "notify", "run", "--once"]) == 0
        assert len(smtp.mailbox.raw) == 3
        assert store.outbox_counts() == {"pending": 0, "sent": 3, "failed": 0}
        assert [e["actor"] for e in store.audit_entries() if e["action"] == "notify-retry"] == ["mona"]
    finally:
        store.close()
    monkeypatch.delenv("QALB_SMTP_URL")
    assert cli.main(["--root", str(notify_root), "notify", "run", "--once"]) == 1
    assert "QALB_SMTP_URL is not set" in capsys.readouterr().err


def test_a_case_move_queues_the_applicants_message_in_its_own_transaction(
        planned_store: Store, notify_forms: dict[str, Any], forms: dict[str, Any], clock: Any) -> None:
    import dataclasses

    from generator.submissions import cases
    from generator.submissions.db.cases import CaseChanged
    from generator.submissions.notices import state_change_messages

    form = dataclasses.replace(notify_forms["request"], workflow=forms["help-request"].workflow, response_days=14)
    planned_store.insert_batch([dataclasses.replace(submission("en"), case_state="under-study")])
    stored = max(planned_store.submissions("request", status=None), key=lambda s: s.id or 0)
    messages = state_change_messages(planned_store, form, stored, DECIDED)
    assert [m.kind for m in messages] == ["state-change"]
    before = {r.id for r in rows(planned_store)}
    # A move refused for a stale version queues nothing...
    with pytest.raises(CaseChanged):
        cases.move(planned_store, form, stored, to_state="accepted", actor="cw", expected_version=7, now=clock(),
                   messages=messages)
    assert {r.id for r in rows(planned_store)} == before
    # ...and the move made queues its message with it.
    cases.move(planned_store, form, stored, to_state="accepted", actor="cw", expected_version=stored.case_version,
               now=clock(), messages=messages)
    (row,) = [r for r in rows(planned_store) if r.id not in before]
    assert (row.kind, row.reference, row.recipient) == ("state-change", stored.reference, "sara@example.org")
    assert CANARY not in row.detail
