"""Notification settings, read from environment variables (docs/deploy.md).

Without QALB_SMTP_URL notifications are off: nothing is queued, and the
endpoint says so when it starts. With it, QALB_MAIL_FROM is required. The
password is never in the URL: QALB_SMTP_PASSWORD_FILE names a file holding
it (readable by the service only), like the key files.

Webhooks (docs/webhooks.md) need no e-mail settings. Each webhook's signing
secret is in the file named by QALB_WEBHOOK_<NAME>_SECRET_FILE (its name in
upper case, hyphens as underscores: "sms-gateway" -> QALB_WEBHOOK_SMS_GATEWAY_
SECRET_FILE), never in the form file or git; a webhook without one is not
sent (its deliveries wait, then fail, and say why).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from generator.core.environment import (
    SettingsError,
    SmtpUrl,
    absolute_url,
    mail_address,
    path_setting,
    positive_int,
    secret_file,
    smtp_url,
)
from generator.submissions.settings import StorageSettings

#: Fault-injection points (QALB_NOTIFY_FAULT) the tests switch on: the process kills
#: itself with SIGKILL there. after-commit: a message is queued (its submission
#: committed) and about to be claimed; before-send: claimed, not yet handed to SMTP.
FAULTS = ("after-commit", "before-send")
WEBHOOK_SECRET_VARIABLE = re.compile(r"QALB_WEBHOOK_[A-Z0-9_]+_SECRET_FILE\Z")
#: Test-only: answers may go to a webhook on http://127.0.0.1 (otherwise https only).
LOOPBACK_ANSWERS_VARIABLE = "QALB_WEBHOOK_TEST_LOOPBACK_ANSWERS"


@dataclass(frozen=True, kw_only=True)
class NotifySettings(StorageSettings):
    smtp: SmtpUrl | None = None
    smtp_password: str = ""
    #: (display name, address); an empty display name means the organisation's name.
    mail_from: tuple[str, str] = ("", "")
    #: The staff workspace's public URL (links in staff alerts); "" leaves the link out.
    staff_url: str = ""
    #: The public site (the status page link in applicant messages); "" means
    #: content/settings.yml's site_url.
    site_url: str = ""
    #: A claim older than this is free again: its sender died mid-send.
    lease: dt.timedelta = dt.timedelta(minutes=5)
    #: How often a sender looks for due messages when nobody wakes it.
    poll_seconds: float = 5.0
    smtp_timeout: float = 30.0
    fault: str = ""
    #: Signing secrets by variable name (Webhook.secret_variable), read from their files.
    webhook_secrets: Mapping[str, str] = dataclasses.field(default_factory=dict)
    webhook_timeout: float = 10.0
    #: Test-only (QALB_WEBHOOK_TEST_LOOPBACK_ANSWERS=1): answers over http to 127.0.0.1.
    loopback_answers: bool = False

    @property
    def enabled(self) -> bool:
        return self.smtp is not None

    @classmethod
    def from_env(cls, root: Path, env: Mapping[str, str] | None = None) -> NotifySettings:
        env = os.environ if env is None else env
        return cls(**StorageSettings.values_from_env(root, env), **cls.notify_values(root, env))

    @staticmethod
    def notify_values(root: Path, env: Mapping[str, str]) -> dict[str, Any]:
        smtp = smtp_url(env, "QALB_SMTP_URL")
        sender = mail_address(env, "QALB_MAIL_FROM")
        if smtp is not None and sender is None:
            raise SettingsError('QALB_MAIL_FROM must be set when QALB_SMTP_URL is: the address messages come '
                                'from, such as "noreply@qalb.example".')
        password_file = path_setting(root, env.get("QALB_SMTP_PASSWORD_FILE", ""))
        if password_file is not None and smtp is not None and not smtp.username:
            raise SettingsError("QALB_SMTP_PASSWORD_FILE is set but QALB_SMTP_URL names no user: "
                                "write it as smtp://user@host:port.")
        fault = env.get("QALB_NOTIFY_FAULT", "").strip()
        if fault and fault not in FAULTS:
            raise SettingsError(f"QALB_NOTIFY_FAULT is for tests only: {' or '.join(FAULTS)}; got \"{fault}\".")
        return {
            "smtp": smtp,
            "smtp_password": secret_file(password_file, "QALB_SMTP_PASSWORD_FILE") if smtp else "",
            "mail_from": sender or ("", ""),
            "staff_url": absolute_url(env, "QALB_STAFF_URL"),
            "site_url": absolute_url(env, "QALB_SITE_URL"),
            "lease": dt.timedelta(seconds=positive_int(env, "QALB_NOTIFY_LEASE_SECONDS", 300)),
            "poll_seconds": float(positive_int(env, "QALB_NOTIFY_POLL_SECONDS", 5)),
            "fault": fault,
            "webhook_secrets": {name: secret_file(path_setting(root, value), name) for name, value in env.items()
                                if WEBHOOK_SECRET_VARIABLE.match(name) and value.strip()},
            "webhook_timeout": float(positive_int(env, "QALB_WEBHOOK_TIMEOUT_SECONDS", 10)),
            "loopback_answers": env.get(LOOPBACK_ANSWERS_VARIABLE, "").strip() == "1",
        }
