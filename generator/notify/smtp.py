"""The one SMTP client, built from the notification settings: the sender (sender.py)
and the daily digest (digest.py) both hand their mail over through it."""
from __future__ import annotations

import aiosmtplib

from generator.core.config import NotifySettings


def smtp_client(settings: NotifySettings) -> aiosmtplib.SMTP:
    """A client for QALB_SMTP_URL (not yet connected): plain, STARTTLS or TLS from the
    first byte, with the user of the URL and the password of its file."""
    smtp = settings.smtp
    if smtp is None:
        raise ValueError("e-mail is off (QALB_SMTP_URL is not set): there is no SMTP server to talk to")
    return aiosmtplib.SMTP(hostname=smtp.host, port=smtp.port, use_tls=smtp.security == "tls",
                           start_tls=smtp.security == "starttls", username=smtp.username or None,
                           password=settings.smtp_password or None, timeout=settings.smtp_timeout)
