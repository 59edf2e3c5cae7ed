"""The applicant's status page: "where is my request?".

A person posts the reference and the mobile number (or the e-mail address) they
gave; the answer is the public wording of the case's state and since when, in
the site's look, or one generic "not found" message. It never shows an answer,
a name or a due date.

No guessing: the identifier is checked through the keyed lookup hashes, in one
query that needs the reference and the hash to belong together, so a wrong
reference and a right reference with a wrong number cost the same work (one
hash, one query, nothing decrypted) and get the same page with the same status.
Lookups are limited per client address and per reference (10 an hour by
default) and every one is audited: the reference and the result, never the
identifier typed.
"""
from __future__ import annotations

import datetime as dt
import functools
import html
import time
from collections.abc import Callable

import anyio
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from generator.core import i18n
from generator.forms import reference_html
from generator.forms.status import render_status_form
from generator.submissions import audit, identifiers
from generator.submissions.db.cases import StatusRow
from generator.submissions.references import normalise
from generator.web import protection
from generator.web.protection import Refused

from . import public_pages
from .context import EndpointContext
from .parsing import BadSubmission, parse_pairs

#: The reference looked up when the typed one cannot be a reference: the query still runs.
NO_REFERENCE = "00000-00000"
STATUS_PATH = "status/"


def identifier_kind(contact: str) -> str:
    return "email" if "@" in contact else "mobile"


class StatusLookups:
    def __init__(self, context: EndpointContext, *, limit: tuple[int, float] = (10, 3600.0),
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.context = context
        self.per_client = protection.RateLimiter(*limit, clock=clock)
        self.per_reference = protection.RateLimiter(*limit, clock=clock)
        self.digests = 0  # hashes computed: the tests check every lookup computes exactly one

    async def lookup(self, request: Request) -> Response:
        context = self.context
        # Refusals here are always the bilingual page: the status page is for people.
        post = await protection.read_post(request, allowed_origins=context.settings.allowed_origins,
                                          max_body_bytes=4096)
        try:
            pairs = parse_pairs(post.body, post.media)
        except BadSubmission as exc:
            raise Refused(exc.code, 400) from None
        data = {name: value for name, value in pairs if isinstance(value, str)}
        posted_lang = data.get("lang", "")
        lang = posted_lang if posted_lang in i18n.LANGUAGE_CODES else i18n.DEFAULT_LANGUAGE.code
        typed = {"reference": data.get("reference", "").strip()[:40], "contact": data.get("contact", "").strip()[:254]}
        if not typed["reference"] or not typed["contact"]:
            return self.page(lang, typed, error=i18n.gettext(
                lang, "Enter your reference number and the mobile number (or e-mail address) you gave."), status=422)
        reference = normalise(typed["reference"])
        limited = (self.per_client.check(protection.client_address(request))
                   or self.per_reference.check(reference or typed["reference"]))
        if limited is not None:
            raise Refused("too-many-lookups", 429, retry_after=limited.retry_after)
        kind = identifier_kind(typed["contact"])
        self.digests += 1
        digest = context.store.indexer.key.digest(kind, identifiers.normalise(kind, typed["contact"]))
        row = await anyio.to_thread.run_sync(context.store.status, reference or NO_REFERENCE, kind, digest)
        await context.writer.call(functools.partial(
            audit.record, context.store, who="status-page", action="status-lookup",
            form_id=row.form_id if row else None, rows=1 if row else 0,
            detail=f"reference={reference or 'malformed'} result={'found' if row else 'not-found'}"))
        if row is None:
            return self.page(lang, typed, error=i18n.gettext(
                lang, "We found no request with this reference number and this mobile number or e-mail address. "
                      "Check both and try again."), status=200)
        return self.page(lang, {}, answer=self.answer(row, lang, reference or ""), status=200)

    def answer(self, row: StatusRow, lang: str, reference: str) -> str:
        form = self.context.forms.get(row.form_id)
        digits, zone = self.context.organisation.arabic_digits, self.context.calendar.zone
        title = form.title.get(lang, row.form_id) if form else row.form_id
        workflow = form.workflow if form else None
        if workflow is not None and row.case_state is not None:
            try:
                state = workflow.state(row.case_state)
                stage = state.public.get(lang, row.case_state)
            except KeyError:
                state, stage = None, i18n.gettext(lang, "Your request is being handled")
            since = row.state_since or row.submitted_at
            when = i18n.gettext(lang, "since %(date)s", date=_dates(since, lang, digits, zone))
            reason = ""
            if state is not None and state.needs == "reason" and row.reason:
                try:
                    reason = workflow.reason(row.reason).public.get(lang, "")
                except KeyError:
                    reason = ""
        else:
            stage = i18n.gettext(lang, "Your request has been received")
            when = i18n.gettext(lang, "on %(date)s", date=_dates(row.submitted_at, lang, digits, zone))
            reason = ""
        parts = ['<div class="qalb-confirmation qalb-status" role="status">',
                 f'<h2 class="qalb-confirmation__title">{html.escape(stage)}</h2>',
                 f'<p class="qalb-confirmation__body">{html.escape(when)}</p>']
        if reason:
            parts.append(f"<p>{html.escape(reason)}</p>")
        which = i18n.gettext(lang, "Request: %(title)s", title=title)
        parts.append(f"<p>{html.escape(which)}</p>")
        parts.append(f"<p>{html.escape(i18n.gettext(lang, 'Reference number'))}: {reference_html(reference)}</p></div>")
        return "\n".join(parts)

    def page(self, lang: str, typed: dict[str, str], *, status: int, error: str | None = None,
             answer: str | None = None) -> Response:
        shell = self.context.shells.get_path(STATUS_PATH, lang, title=i18n.gettext(lang, "Where is my request?"))
        action = shell.action or "/api/status"
        region = render_status_form(lang, action=action, values=typed, error=error, answer=answer)
        title_prefix = i18n.gettext(lang, "Error:") if error and status != 200 else ""
        text = public_pages.fill(shell, region, title_prefix=title_prefix)
        return self.context.render.html(text, status, headers={"X-Robots-Tag": "noindex"},
                                        script_hashes=shell.script_hashes)

    async def form_page(self, request: Request) -> Response:
        """GET /api/status (a bookmarked answer page): back to the status page."""
        lang = request.query_params.get("lang")
        prefix = i18n.language(lang).prefix if lang in i18n.LANGUAGE_CODES else ""
        return RedirectResponse(f"/{prefix}{STATUS_PATH}", status_code=303)


def _dates(value: dt.datetime, lang: str, digits: str, zone: dt.tzinfo) -> str:
    """The Gregorian date with the Umm al-Qura date beside it, in the site's digits."""
    local = value.astimezone(zone).date()
    return f"{i18n.format_date(local, lang, digits)} ({i18n.format_hijri(local, lang, digits)})"

