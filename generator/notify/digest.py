"""The daily digest: one e-mail per staff account that chose it ("Your e-mails" in
the workspace), listing the new (never opened) and overdue submissions of the
account's forms, sent by `python -m generator notify digest` from a daily job.

Like every message here it holds no answer: each line is a reference, a time
and a link to the workspace. An account with nothing new and nothing overdue
gets no e-mail. The Message-ID is made from the account and the day, so a job
run twice the same day sends messages a mail system can drop as repeats.
Viewers, disabled accounts and accounts still being set up get none.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import aiosmtplib

from generator.core import i18n
from generator.core.config import NotifySettings
from generator.submissions import audit

from .compose import POLICY, TIME_ZONE, Context, Line, html_body, staff_link, text_body, when
from .smtp import smtp_client

if TYPE_CHECKING:
    from generator.submissions.store import Store

#: Lines listed per form and kind; the rest are counted.
LIMIT = 20


@dataclass(frozen=True)
class FormDigest:
    form_id: str
    new: Sequence[Any]  # InboxRow, newest first
    new_count: int
    overdue: Sequence[Any]  # OpenCase, most overdue first
    overdue_count: int


def collect(store: Store, forms: Mapping[str, Any], account: Any, now: dt.datetime) -> list[FormDigest]:
    """The new and overdue submissions of the forms an account may see (none for viewers)."""
    if account.role == "viewer":
        return []
    form_ids = sorted(forms) if account.role == "admin" else [f for f in sorted(forms) if f in account.forms]
    counts = store.inbox_counts(form_ids, now)
    found = []
    for form_id in form_ids:
        new, _ = store.inbox_page(form_id, opened=False, limit=LIMIT)
        late = store.open_cases(form_id=form_id, due_before=now)  # most overdue first
        if new or late:
            found.append(FormDigest(form_id, new, counts[form_id]["new"], late[:LIMIT], len(late)))
    return found


def build_digest(account: Any, digests: Sequence[FormDigest], ctx: Context, now: dt.datetime) -> EmailMessage:
    lang = account.language
    new = sum(d.new_count for d in digests)
    overdue = sum(d.overdue_count for d in digests)
    day = now.astimezone(TIME_ZONE).date()
    subject = i18n.gettext(lang, "Daily summary: %(new)s new, %(overdue)s overdue", new=new, overdue=overdue)
    lines = [Line(i18n.gettext(lang, "New and overdue submissions of your forms, as of %(time)s.",
                               time=when(now, lang, ctx.digits)))]
    for found in digests:
        form = ctx.forms.get(found.form_id)
        title = form.title[lang] if form is not None else found.form_id
        lines.append(Line(i18n.gettext(lang, "Form: %(form)s", form=title)))
        if found.new:
            lines.append(Line(i18n.gettext(lang, "New (not yet opened): %(count)s", count=found.new_count)))
            lines += [Line(i18n.gettext(lang, "%(reference)s, received %(time)s", reference=row.reference,
                                        time=when(row.submitted_at, lang, ctx.digits)),
                           staff_link(ctx.staff_url, row.reference)) for row in found.new]
        if found.overdue:
            lines.append(Line(i18n.gettext(lang, "Overdue: %(count)s", count=found.overdue_count)))
            lines += [Line(i18n.gettext(lang, "%(reference)s, due %(time)s", reference=row.reference,
                                        time=when(row.due_at, lang, ctx.digits)),
                           staff_link(ctx.staff_url, row.reference)) for row in found.overdue]
        shown = len(found.new) + len(found.overdue)
        if shown < found.new_count + found.overdue_count:
            lines.append(Line(i18n.gettext(lang, "And %(count)s more in the workspace.",
                                           count=found.new_count + found.overdue_count - shown)))
    lines.append(Line(i18n.gettext(lang, "This message holds no answers: read them in the workspace "
                                         "after signing in.")))
    lines.append(Line(i18n.gettext(lang, "You receive this summary because you chose it under \"Your e-mails\" "
                                         "in the workspace.")))
    msg = EmailMessage(policy=POLICY)
    msg["From"] = Address(display_name=ctx.mail_from[0] or ctx.organisation.get(lang, ""),
                          addr_spec=ctx.mail_from[1])
    msg["To"] = Address(addr_spec=account.email)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = f"<digest-{account.id}-{day.isoformat()}@{ctx.domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text_body(lines), cte="quoted-printable")
    msg.add_alternative(html_body(lang, subject, lines), subtype="html", cte="quoted-printable")
    msg["Content-Language"] = lang
    return msg


def digests(store: Store, forms: Mapping[str, Any], ctx: Context, now: dt.datetime) -> list[EmailMessage]:
    """Today's digest of every account that chose it and has something to be told."""
    messages = []
    for account in store.accounts():
        if account.digest and not account.disabled and account.password_hash is not None:
            found = collect(store, forms, account, now)
            if found:
                messages.append(build_digest(account, found, ctx, now))
    return messages


async def send(messages: Sequence[EmailMessage], settings: NotifySettings, sender: str) -> int:
    """Send over one SMTP connection; how many were accepted (a refused one is skipped and counted out)."""
    client = smtp_client(settings)
    sent = 0
    async with client:
        for message in messages:
            try:
                await client.send_message(message, sender=sender)
            except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPResponseException):
                continue  # this account's digest only; the others still go (the exit status says so)
            except aiosmtplib.SMTPServerDisconnected:
                break  # the rest wait for the next run; what went out is counted and audited
            sent += 1
    return sent


def run_digest(store: Store, forms: Mapping[str, Any], ctx: Context, settings: NotifySettings, now: dt.datetime,
               *, who: str) -> tuple[int, int]:
    """Build and send today's digests; (built, sent). Audited with counts only."""
    import asyncio

    messages = digests(store, forms, ctx, now)
    sent = 0
    try:
        sent = asyncio.run(send(messages, settings, ctx.mail_from[1])) if messages else 0
    finally:  # the server gone mid-run: what went out is still recorded
        audit.record(store, who=who, action="notify-digest", rows=sent,
                     detail=f"accounts={len(messages)} sent={sent}", now=now)
    return len(messages), sent
