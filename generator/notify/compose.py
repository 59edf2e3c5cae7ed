"""The e-mail messages themselves, built from an outbox row when it is sent.

Each message has a plain text part and an HTML part (`lang` and `dir` on the
<html> element: right to left for Arabic), a subject and display names that
the SMTP policy writes as RFC 2047 encoded words, a Message-ID made from the
row's token (the same on every retry, so a receiver can drop a repeat) and
`Auto-Submitted: auto-generated` (RFC 3834: no auto-replies to it).

Words come from the gettext catalogs (`i18n.gettext`) or from the form file
(its title, its `after_submit` text, a workflow state's template); values
come from the row (reference, time) and the settings (links). No answer is
ever read here: the row holds none, and nothing here opens the submission. A
"staff-account" message (a change to a staff member's own account) names only
the event and its time. A "reply-email" carries what a caseworker wrote and sent from
the case page, and nothing else of the submission.
"""
from __future__ import annotations

import datetime as dt
import email.policy
import functools
import html
import json
import re
from dataclasses import dataclass
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Mapping
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import markdown
from babel.dates import format_datetime as babel_datetime

from generator.core import i18n
from generator.core.config import workspace_url
from generator.submissions.db.outbox import OutboxMessage

#: The time staff and applicants read: the Association is in Saudi Arabia.
TIME_ZONE = ZoneInfo("Asia/Riyadh")


class _HeaderClasses(HeaderRegistry):
    """The standard header classes, each made once: the stock registry builds a new
    class for every header it parses, a good part of what building a message costs."""

    @functools.lru_cache(maxsize=None)  # noqa: B019 - one registry for the process, never freed anyway
    def __getitem__(self, name: str) -> Any:
        return super().__getitem__(name)


#: SMTP's line endings and RFC 2047 encoded words for non-ASCII headers (subjects and
#: display names in Arabic), with the header classes made once.
POLICY = email.policy.SMTP.clone(header_factory=_HeaderClasses())


@dataclass(frozen=True)
class Context:
    """What every message needs besides its row: the forms and where things are."""

    forms: Mapping[str, Any]
    mail_from: tuple[str, str]  # (display name or "", address)
    organisation: Mapping[str, str]  # language -> the Association's name (the default display name)
    site_url: str  # the public site, ending in "/"
    staff_url: str  # the staff workspace, ending in "/", or ""
    digits: str = "default"  # content/settings.yml arabic_digits

    @property
    def domain(self) -> str:
        return self.mail_from[1].rpartition("@")[2]


@dataclass(frozen=True)
class Line:
    """One paragraph: its text, and optionally a link that follows it."""

    text: str
    link: str = ""
    markdown: bool = False  # text from the form file, written in Markdown


def message_id(token: str, domain: str) -> str:
    return f"<{token}@{domain}>"


def staff_link(staff_url: str, reference: str) -> str:
    """Where a staff alert points: the submission in the workspace (after sign-in
    the workspace lands on the page asked for)."""
    return urljoin(workspace_url(staff_url), f"submissions/{reference}") if staff_url else ""


def status_link(site_url: str, language: str) -> str:
    """The public status page, where an applicant follows a request by its reference."""
    return urljoin(site_url, f"{i18n.language(language).prefix}status/")


def build_message(row: OutboxMessage, ctx: Context, *, now: dt.datetime | None = None) -> EmailMessage:
    lang = row.language
    form = ctx.forms.get(row.form_id)
    title = form.title[lang] if form is not None else row.form_id
    if row.kind == "staff-alert":
        subject, lines = _staff_alert(row, ctx, title)
    elif row.kind == "applicant-confirmation":
        subject, lines = _confirmation(row, ctx, title, form)
    elif row.kind == "state-change":
        subject, lines = _state_change(row, ctx)
    elif row.kind == "staff-account":
        subject, lines = _staff_account(row, ctx)
    elif row.kind == "reply-email":
        subject, lines = _reply(row, ctx, title)
    else:
        raise ValueError(f"unknown message kind {row.kind!r}")
    msg = EmailMessage(policy=POLICY)
    display = ctx.mail_from[0] or ctx.organisation.get(lang, "")
    msg["From"] = Address(display_name=display, addr_spec=ctx.mail_from[1])
    msg["To"] = Address(addr_spec=row.recipient)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now or dt.datetime.now(dt.timezone.utc))
    msg["Message-ID"] = message_id(row.token, ctx.domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text_body(lines), cte="quoted-printable")
    msg.add_alternative(html_body(lang, subject, lines), subtype="html", cte="quoted-printable")
    msg["Content-Language"] = lang  # after the parts: make_alternative moves Content-* headers into them
    return msg


def when(at: dt.datetime, lang: str, digits: str) -> str:
    text = babel_datetime(at, "long", tzinfo=TIME_ZONE, locale=lang)
    return i18n.localise_digits(text, lang, digits)


def _staff_alert(row: OutboxMessage, ctx: Context, title: str) -> tuple[str, list[Line]]:
    lang, ref = row.language, row.reference
    subject = i18n.gettext(lang, "New submission %(reference)s: %(form)s", reference=ref, form=title)
    lines = [
        Line(i18n.gettext(lang, "A new submission has arrived.")),
        Line(i18n.gettext(lang, "Form: %(form)s", form=title)),
        Line(i18n.gettext(lang, "Reference: %(reference)s", reference=ref)),
        Line(i18n.gettext(lang, "Received: %(time)s", time=when(row.created_at, lang, ctx.digits))),
    ]
    if link := staff_link(ctx.staff_url, ref):
        lines.append(Line(i18n.gettext(lang, "Open it in the staff workspace:"), link))
    lines.append(Line(i18n.gettext(lang, "This message holds no answers: read them in the workspace "
                                         "after signing in.")))
    return subject, lines


def _confirmation(row: OutboxMessage, ctx: Context, title: str, form: Any) -> tuple[str, list[Line]]:
    lang, ref = row.language, row.reference
    subject = i18n.gettext(lang, "We received your request %(reference)s", reference=ref)
    lines = [
        Line(i18n.gettext(lang, "Thank you. We received your request (%(form)s).", form=title)),
        Line(i18n.gettext(lang, "Your reference number is %(reference)s. Keep it: you will need it when you "
                                "contact us about this request.", reference=ref)),
    ]
    if form is not None:
        lines.append(Line(i18n.gettext(lang, "What happens next:")))
        lines.append(Line(form.after_submit[lang], markdown=True))
    lines += _status_and_footer(ctx, lang)
    return subject, lines


def _state_change(row: OutboxMessage, ctx: Context) -> tuple[str, list[Line]]:
    lang, ref = row.language, row.reference
    template = json.loads(row.detail)
    subject = f"{template['subject'][lang]} ({ref})"
    lines = [
        Line(template["body"][lang], markdown=True),
        Line(i18n.gettext(lang, "Reference: %(reference)s", reference=ref)),
        *_status_and_footer(ctx, lang),
    ]
    return subject, lines


def _reply(row: OutboxMessage, ctx: Context, title: str) -> tuple[str, list[Line]]:
    """A caseworker's reply (issue 33): their words as they sent them, line by line, as plain
    text (never Markdown: what they typed is shown, not interpreted), then the reference and
    the status page."""
    lang, ref = row.language, row.reference
    subject = i18n.gettext(lang, "About your request %(reference)s: %(form)s", reference=ref, form=title)
    said = [Line(text.strip()) for text in row.detail.splitlines() if text.strip()]
    return subject, [*said, Line(i18n.gettext(lang, "Reference: %(reference)s", reference=ref)),
                     _status_and_footer(ctx, lang)[0]]


def _staff_account(row: OutboxMessage, ctx: Context) -> tuple[str, list[Line]]:
    """A change to a staff member's own account (accounts.ACCOUNT_EVENTS), told to them."""
    lang = row.language
    _ = i18n.translations(lang).gettext
    event = json.loads(row.detail)["event"]
    time = when(row.created_at, lang, ctx.digits)
    subject, what = {
        "setup": (_("Your staff account is set up"),
                  _("A password, a second factor and recovery codes were set for your staff account on %(time)s.")),
        "password": (_("Your staff password was changed"),
                     _("The password of your staff account was changed on %(time)s. Your other sessions ended.")),
        "codes": (_("You have new recovery codes"),
                  _("New recovery codes were made for your staff account on %(time)s; the old ones no longer work.")),
        "reset": (_("Your staff account was reset"),
                  _("An administrator reset your staff account on %(time)s: your password, second factor and "
                    "recovery codes no longer work, and a new setup link was made.")),
        "disabled": (_("Your staff account was disabled"),
                     _("An administrator disabled your staff account on %(time)s. You can no longer sign in.")),
        "enabled": (_("Your staff account was enabled again"),
                    _("An administrator enabled your staff account again on %(time)s.")),
    }[event]
    lines = [Line(what % {"time": time}),
             Line(_("If you did not expect this, tell an administrator at once."))]
    if ctx.staff_url and event in ("setup", "password", "codes", "enabled"):
        lines.append(Line(_("See where you are signed in:"),
                          urljoin(workspace_url(ctx.staff_url), "account/security")))
    lines.append(Line(_("This message is about your staff account. It holds no password, code or answer.")))
    return subject, lines


def _status_and_footer(ctx: Context, lang: str) -> list[Line]:
    return [
        # The status page by its one name, its title (issue 35).
        Line(i18n.gettext(lang, "Follow your request on the page “%(page)s” with your reference number:",
                          page=i18n.gettext(lang, "Where is my request?")),
             status_link(ctx.site_url, lang)),
        Line(i18n.gettext(lang, "You received this message because you gave this address on our form. "
                                "It holds none of your answers.")),
    ]


@functools.lru_cache(maxsize=256)
def _markdown(text: str) -> str:
    """Form-file Markdown as HTML (the same few texts again and again)."""
    return str(markdown.markdown(text))


_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")


def text_body(lines: list[Line]) -> str:
    """The plain text part: Markdown from the form file without its bold markers."""
    return "\n\n".join((_EMPHASIS.sub(r"\2", line.text) if line.markdown else line.text)
                       + (f"\n{line.link}" if line.link else "") for line in lines) + "\n"


def html_body(lang: str, subject: str, lines: list[Line]) -> str:
    direction = i18n.language(lang).direction
    body = []
    for line in lines:
        text = _markdown(line.text) if line.markdown else f"<p>{html.escape(line.text)}</p>"
        if line.link:
            link = html.escape(line.link, quote=True)
            text += f'\n<p><a href="{link}" dir="ltr">{link}</a></p>'
        body.append(text)
    return (f'<!DOCTYPE html>\n<html lang="{lang}" dir="{direction}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(subject)}</title>\n</head>\n"
            '<body style="font-family: Tahoma, Arial, sans-serif; line-height: 1.6">\n'
            + "\n".join(body) + "\n</body>\n</html>\n")
