"""The daily digest (`notify digest`), on SQLite and PostgreSQL, to a real SMTP server:
one e-mail per account that chose it, listing a new and an overdue submission
of its forms with links to the workspace, and no answer."""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from generator import cli
from generator.core import i18n
from generator.core.organisation import Settings as Organisation
from generator.notify.digest import run_digest
from generator.notify.sender import context_for
from generator.submissions.store import Store

from .conftest import CANARY, MAIL_FROM, SmtpServer, notify_settings
from .helpers import submission

NOW = dt.datetime(2026, 3, 10, 5, 0, tzinfo=dt.timezone.utc)


def account(store: Store, email: str, role: str, *, digest: bool, language: str = "en",
            forms: tuple[str, ...] = ("request",)) -> int:
    account_id = store.add_account(email=email, name=email.split("@")[0], role=role, forms=forms, at=NOW)
    store.update_account(account_id, password_hash="set-up", digest=digest, language=language)
    return account_id


def new_and_overdue(store: Store) -> tuple[Any, Any]:
    new = dataclasses.replace(submission("ar", at=NOW - dt.timedelta(hours=3)), case_state="received",
                              state_since=NOW - dt.timedelta(hours=3), due_at=NOW + dt.timedelta(days=13))
    late = dataclasses.replace(submission("en", at=NOW - dt.timedelta(days=20)), case_state="received",
                               state_since=NOW - dt.timedelta(days=20), due_at=NOW - dt.timedelta(days=6))
    store.insert_batch([new, late])
    store.mark_opened(late.reference, NOW - dt.timedelta(days=19))  # opened, so not new: overdue only
    return new, late


def test_the_digest_lists_a_new_and_an_overdue_submission_and_no_answer(
        open_planned: Any, notify_root: Path, notify_forms: dict[str, Any], smtp: SmtpServer) -> None:
    planned_store = open_planned(notify_forms, None)  # no planner, no alerts: the digest alone
    new, late = new_and_overdue(planned_store)
    chose = account(planned_store, "case@qalb.example", "caseworker", digest=True)
    account(planned_store, "arabic@qalb.example", "admin", digest=True, language="ar")
    account(planned_store, "quiet@qalb.example", "caseworker", digest=False)
    account(planned_store, "viewer@qalb.example", "viewer", digest=True)
    account(planned_store, "other@qalb.example", "caseworker", digest=True, forms=("another-form",))
    settings = notify_settings(notify_root, "sqlite:///unused.db", smtp.url)
    ctx = context_for(settings, notify_forms, Organisation(organisation={"name": {"ar": "جمعية قلب", "en": "Qalb"}}))

    assert run_digest(planned_store, notify_forms, ctx, settings, NOW, who="cron") == (2, 2)
    received = smtp.mailbox.wait_for(2)
    assert sorted(rcpt for _, (rcpt,) in smtp.mailbox.envelopes) == ["arabic@qalb.example", "case@qalb.example"]
    assert all(CANARY.encode() not in raw for raw in smtp.mailbox.raw)
    (english,) = [m for m in received if m["To"].addresses[0].addr_spec == "case@qalb.example"]
    assert english["Subject"] == "Daily summary: 1 new, 1 overdue"
    assert english["Message-ID"] == f"<digest-{chose}-2026-03-10@qalb.example>"
    text = next(p for p in english.walk() if p.get_content_type() == "text/plain").get_content()
    assert f"{new.reference}, received " in text and f"{late.reference}, due " in text
    assert text.index("New (not yet opened): 1") < text.index(new.reference) < text.index("Overdue: 1") \
        < text.index(late.reference)
    for sub in (new, late):
        assert f"https://staff.qalb.example/staff/submissions/{sub.reference}" in text
    for value in (*new.answers.values(), *late.answers.values()):
        assert str(value) not in text
    (arabic,) = [m for m in received if m["To"].addresses[0].addr_spec == "arabic@qalb.example"]
    assert arabic["Subject"] == i18n.gettext("ar", "Daily summary: %(new)s new, %(overdue)s overdue", new=1,
                                             overdue=1)
    html = next(p for p in arabic.walk() if p.get_content_type() == "text/html").get_content()
    assert '<html lang="ar" dir="rtl">' in html
    (entry,) = [e for e in planned_store.audit_entries() if e["action"] == "notify-digest"]
    assert (entry["actor"], entry["rows"], entry["detail"]) == ("cron", 2, "accounts=2 sent=2")


def test_nothing_new_or_overdue_sends_nothing(planned_store: Store, notify_root: Path, notify_forms: dict[str, Any],
                                              smtp: SmtpServer) -> None:
    account(planned_store, "case@qalb.example", "caseworker", digest=True)
    settings = notify_settings(notify_root, "sqlite:///unused.db", smtp.url)
    assert run_digest(planned_store, notify_forms, context_for(settings, notify_forms, Organisation()), settings,
                      NOW, who="cron") == (0, 0)
    assert smtp.mailbox.raw == []


def test_the_digest_command(tmp_path: Path, notify_root: Path, notify_forms: dict[str, Any], smtp: SmtpServer,
                            monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from generator.submissions.secure_store import open_secure_store

    url = f"sqlite:///{tmp_path / 'digest.db'}"
    for name, value in {"DATABASE_URL": url, "QALB_SMTP_URL": smtp.url, "QALB_MAIL_FROM": MAIL_FROM[1]}.items():
        monkeypatch.setenv(name, value)
    store = open_secure_store(notify_settings(notify_root, url, smtp.url), notify_forms)
    try:
        store.insert_batch([submission("ar")])
        account(store, "case@qalb.example", "caseworker", digest=True)
        assert cli.main(["--root", str(notify_root), "notify", "digest", "--staff", "cron"]) == 0
        assert "Digest: 1 of 1 e-mail(s) sent" in capsys.readouterr().err
        assert len(smtp.mailbox.wait_for(1)) == 1
    finally:
        store.close()
    monkeypatch.delenv("QALB_SMTP_URL")
    assert cli.main(["--root", str(notify_root), "notify", "digest"]) == 1
    assert "QALB_SMTP_URL is not set" in capsys.readouterr().err
