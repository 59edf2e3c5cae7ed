"""The notification settings: QALB_SMTP_URL and friends, refused with a sentence when wrong."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.core.config import Config, NotifySettings
from generator.core.environment import SettingsError, SmtpUrl, mail_address, smtp_url


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://mail.example:25", SmtpUrl("mail.example", 25)),
    ("smtp://mailer@mail.example:587?starttls=true", SmtpUrl("mail.example", 587, "mailer", "starttls")),
    ("smtp://mailer@mail.example:587?starttls=false", SmtpUrl("mail.example", 587, "mailer", "none")),
    ("smtps://no%2Dreply@mail.example:465", SmtpUrl("mail.example", 465, "no-reply", "tls")),
    ("smtp://127.0.0.1:2525/", SmtpUrl("127.0.0.1", 2525)),
])
def test_smtp_urls(url: str, expected: SmtpUrl) -> None:
    assert smtp_url({"QALB_SMTP_URL": url}, "QALB_SMTP_URL") == expected


@pytest.mark.parametrize(("url", "words"), [
    ("mail.example:25", "must be"),
    ("smtp://mail.example", "must be"),  # no port: say it, do not guess 25 or 587
    ("http://mail.example:25", "must be"),
    ("smtp://user:secret@mail.example:25", "QALB_SMTP_PASSWORD_FILE"),
    ("smtp://mail.example:25?tls=1", "must be"),
    ("smtp://mail.example:25?starttls=yes", "must be"),
    ("smtps://mail.example:465?starttls=true", "smtp:// only"),
])
def test_wrong_smtp_urls_are_refused(url: str, words: str) -> None:
    with pytest.raises(SettingsError, match="QALB_SMTP_URL") as error:
        smtp_url({"QALB_SMTP_URL": url}, "QALB_SMTP_URL")
    assert words in str(error.value) and "secret" not in str(error.value)


def test_mail_from_with_and_without_a_name() -> None:
    assert mail_address({"F": "noreply@qalb.example"}, "F") == ("", "noreply@qalb.example")
    assert mail_address({"F": "جمعية قلب <noreply@qalb.example>"}, "F") == ("جمعية قلب", "noreply@qalb.example")
    assert mail_address({}, "F") is None
    with pytest.raises(SettingsError, match="must be an e-mail address"):
        mail_address({"F": "qalb"}, "F")


def test_notifications_are_off_without_a_url_and_need_a_sender_with_one(tmp_path: Path) -> None:
    off = Config(tmp_path, {}).notify
    assert not off.enabled and off.smtp is None
    with pytest.raises(SettingsError, match="QALB_MAIL_FROM must be set"):
        Config(tmp_path, {"QALB_SMTP_URL": "smtp://127.0.0.1:25"}).section(NotifySettings)


def test_the_password_comes_from_its_file(tmp_path: Path) -> None:
    (tmp_path / "smtp.pw").write_text("s3cret\n", encoding="utf-8")
    env = {"QALB_SMTP_URL": "smtp://mailer@mail.example:587?starttls=true", "QALB_MAIL_FROM": "noreply@qalb.example",
           "QALB_SMTP_PASSWORD_FILE": "smtp.pw", "QALB_STAFF_URL": "https://staff.qalb.example"}
    settings = Config(tmp_path, env).notify
    assert settings.smtp_password == "s3cret" and settings.staff_url == "https://staff.qalb.example/"
    with pytest.raises(SettingsError, match="cannot be read"):
        Config(tmp_path, {**env, "QALB_SMTP_PASSWORD_FILE": "missing.pw"}).section(NotifySettings)
    with pytest.raises(SettingsError, match="names no user"):
        Config(tmp_path, {**env, "QALB_SMTP_URL": "smtp://mail.example:25"}).section(NotifySettings)


def test_the_fault_point_is_for_the_known_points_only(tmp_path: Path) -> None:
    base = {"QALB_SMTP_URL": "smtp://127.0.0.1:25", "QALB_MAIL_FROM": "noreply@qalb.example"}

    def fault(value: str) -> tuple[str, int]:
        settings = Config(tmp_path, {**base, "QALB_NOTIFY_FAULT": value}).notify
        return settings.fault, settings.fault_after

    assert fault("") == ("", 1)
    assert fault("after-commit") == ("after-commit", 1)  # the first pass
    assert fault("after-send:3") == ("after-send", 3)  # the third pass: two get through per start
    assert fault(" before-send:12 ") == ("before-send", 12)
    for wrong in ("sometimes", "after-send:0", "after-send:", "after-send:x", "after-send:-1", ":3"):
        with pytest.raises(SettingsError, match=f'QALB_NOTIFY_FAULT is for tests only: after-commit, before-send, '
                                                f'after-send, each optionally with :N .*; got "{wrong}"'):
            Config(tmp_path, {**base, "QALB_NOTIFY_FAULT": wrong}).section(NotifySettings)


def test_a_claim_lasts_30_seconds_and_is_renewed_every_10(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from generator.notify.sender import Sender

    context: Any = SimpleNamespace(forms={})

    base = {"QALB_SMTP_URL": "smtp://127.0.0.1:25", "QALB_MAIL_FROM": "noreply@qalb.example"}
    settings = Config(tmp_path, base).notify
    assert settings.lease.total_seconds() == 30
    assert Sender(None, context, settings).renew_every == 10  # type: ignore[arg-type]
    longer = Config(tmp_path, {**base, "QALB_NOTIFY_LEASE_SECONDS": "90"}).notify
    assert longer.lease.total_seconds() == 90 and Sender(None, context, longer).renew_every == 30  # type: ignore[arg-type]


def test_a_fault_point_fires_at_its_nth_pass_in_each_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    from types import SimpleNamespace

    from generator.notify import sender as sender_module

    died: list[str] = []
    monkeypatch.setattr(sender_module, "_die", died.append)  # instead of SIGKILL
    base = {"QALB_SMTP_URL": "smtp://127.0.0.1:25", "QALB_MAIL_FROM": "noreply@qalb.example"}
    context: Any = SimpleNamespace(forms={})

    def sender(fault: str) -> Any:
        return sender_module.Sender(None, context, Config(tmp_path, {**base, "QALB_NOTIFY_FAULT": fault}).notify)  # type: ignore[arg-type]

    after_two = sender("after-commit:2")
    after_two.wake()
    assert died == []  # the first commit of this process gets through
    after_two.wake()
    assert died == ["after-commit"]
    first = sender("after-commit")  # a new process: its own count
    first._fault("before-send")  # another point: not this one
    assert died == ["after-commit"]
    first.wake()
    assert died == ["after-commit", "after-commit"]
