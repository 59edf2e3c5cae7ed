"""The applicant's status page: "where is my request?".

A person posts the reference and the mobile number (or the e-mail address) they
gave; the answer is the public wording of the case's state and since when, in
the site's look, or one generic "not found" message. It never shows an answer,
a name or a due date.

No guessing: the identifier is checked through the keyed lookup hashes, in one
query that needs the reference and the hash to belong together, so a wrong
reference and a right reference with a wrong number cost the same work (one
hash, one query, nothing decrypted) and get the same page with the same status.
Limits, counted in the database so they hold across replicas (db/limit_counts.py):
60 lookups an hour per client address (a branch office helping many applicants
from one address), and 10 wrong lookups of one reference in 5 minutes
(QALB_STATUS_LIMIT, QALB_STATUS_REFERENCE_LIMIT). Only wrong lookups count
against a reference, and only for minutes: someone guessing a reference's
contact cannot keep its applicant out for long, and at 10 guesses per 5 minutes
a mobile number takes decades to find (docs/security.md, "The status page").
Past a limit the answer is the status page itself with status 429, in both
languages, saying when to try again.

The audit: a lookup that finds a request is one row (the reference and the
result, never the identifier typed); lookups that find nothing, and refused
ones, are one row per client address and minute with a count, so nobody can
fill the log.
"""
from __future__ import annotations

import datetime as dt
import functools
import html
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
from .status_documents import StatusDocuments

#: The reference looked up when the typed one cannot be a reference: the query still runs.
NO_REFERENCE = "00000-00000"
STATUS_PATH = "status/"


def identifier_kind(contact: str) -> str:
    return "email" if "@" in contact else "mobile"


class StatusLookups:
    def __init__(self, context: EndpointContext, *, limit: tuple[int, float] = (60, 3600.0),
                 reference_limit: tuple[int, float] = (10, 300.0),
                 now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)) -> None:
        self.context = context
        self.limit, self.reference_limit = limit, reference_limit
        self.now = now
        self.digests = 0  # hashes computed: the tests check every lookup computes exactly one
        self.documents = StatusDocuments(context, self)  # the upload form under a waiting case's answer

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
        client, key, now = protection.client_address(request), reference or typed["reference"], self.now()
        store = context.store
        wait = await context.writer.call(functools.partial(
            store.limit_take, "status-client", client, now=now, limit=self.limit[0], period=self.limit[1]))
        if wait is None:  # wrong lookups of this reference: looked at, counted below when this one is wrong too
            wait = await context.writer.call(functools.partial(
                store.limit_take, "status-reference", key, now=now, limit=self.reference_limit[0],
                period=self.reference_limit[1], take=False))
        if wait is not None:
            await context.writer.call(functools.partial(
                audit.refused, store, now=now, who="status-page", action="status-lookup", client=client,
                kind="refused", detail=f"reference={reference or 'malformed'} result=refused"))
            return self.too_many(lang, typed, wait, now)
        kind = identifier_kind(typed["contact"])
        self.digests += 1
        digest = context.store.indexer.key.digest(kind, identifiers.normalise(kind, typed["contact"]))
        row = await anyio.to_thread.run_sync(context.store.status, reference or NO_REFERENCE, kind, digest)
        if row is None:
            await context.writer.call(functools.partial(store.limit_add, "status-reference", key, now=now))
            await context.writer.call(functools.partial(
                audit.refused, store, now=now, who="status-page", action="status-lookup", client=client,
                kind="not-found", detail=f"reference={reference or 'malformed'} result=not-found"))
        else:
            await context.writer.call(functools.partial(
                audit.record, store, who="status-page", action="status-lookup", form_id=row.form_id, rows=1,
                detail=f"reference={reference} result=found", now=now))
        if row is None:
            return self.page(lang, typed, error=i18n.gettext(
                lang, "We found no request with this reference number and this mobile number or e-mail address. "
                      "Check both and try again."), status=200)
        # A case waiting for the applicant's documents: what we still need, and the upload form.
        documents = await self.documents.section(row, reference or "", lang, self.action(lang))
        return self.page(lang, {}, answer=self.answer(row, lang, reference or "") + documents, status=200)

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

    def action(self, lang: str) -> str:
        """Where the status page's form posts (the built page says: the endpoint may be elsewhere)."""
        return self.shell(lang).action or "/api/status"

    def shell(self, lang: str) -> public_pages.Shell:
        return self.context.shells.get_path(STATUS_PATH, lang, title=i18n.gettext(lang, "Where is my request?"))

    def page(self, lang: str, typed: dict[str, str], *, status: int, error: str | None = None,
             answer: str | None = None, error_href: str = "#f-reference") -> Response:
        shell = self.shell(lang)
        region = render_status_form(lang, action=shell.action or "/api/status", values=typed, error=error,
                                    answer=answer, error_href=error_href)
        title_prefix = i18n.gettext(lang, "Error:") if error and status != 200 else ""
        text = public_pages.fill(shell, region, title_prefix=title_prefix)
        return self.context.render.html(text, status, headers={"X-Robots-Tag": "noindex"},
                                        script_hashes=shell.script_hashes)

    def too_many(self, lang: str, typed: dict[str, str], wait: int, now: dt.datetime) -> Response:
        """429: the status page, styled as the site, saying in both languages when to try again,
        with the way back to the form in each."""
        at = (now + dt.timedelta(seconds=wait)).astimezone(self.context.calendar.zone)
        digits = self.context.organisation.arabic_digits
        site = self.context.settings.site_url.rstrip("/")

        def said(code: str) -> str:
            return i18n.gettext(code, "Too many lookups of this request or from this connection. "
                                      "Please try again after %(time)s.",
                                time=i18n.localise_digits(at.strftime("%H:%M"), code, digits))

        others = []
        for code in i18n.LANGUAGE_CODES:
            language = i18n.language(code)
            back = html.escape(i18n.gettext(code, "Back to “Where is my request?”"))
            text = "" if code == lang else f"<p>{html.escape(said(code))}</p>"
            href = html.escape(f"{site}/{language.prefix}{STATUS_PATH}")
            others.append(f'<div lang="{code}" dir="{language.direction}">{text}'
                          f'<p><a href="{href}">{back}</a></p></div>')
        response = self.page(lang, typed, status=429, error=said(lang), answer="\n".join(others))
        response.headers["Retry-After"] = str(wait)
        return response

    async def form_page(self, request: Request) -> Response:
        """GET /api/status (a bookmarked answer page): back to the status page."""
        lang = request.query_params.get("lang")
        prefix = i18n.language(lang).prefix if lang in i18n.LANGUAGE_CODES else ""
        return RedirectResponse(f"/{prefix}{STATUS_PATH}", status_code=303)


def _dates(value: dt.datetime, lang: str, digits: str, zone: dt.tzinfo) -> str:
    """The Gregorian date with the Umm al-Qura date beside it, in the site's digits."""
    local = value.astimezone(zone).date()
    return f"{i18n.format_date(local, lang, digits)} ({i18n.format_hijri(local, lang, digits)})"

