"""Documents from the applicant, added on the status page (issue 36, item 6).

    POST /api/status/documents     the upload form under a status answer (multipart/form-data)
    GET  /api/status/documents     the thank-you page after it (?lang=en for English)

A case waits for the applicant in a state whose clock pauses (`pauses_clock: true`,
"waiting for the applicant"); when its form has a file field, the status answer
(status.py, after the reference + mobile check) shows what we still need (the last
reply sent to the applicant since the case entered the state, or only the state's
public wording) and an upload form carrying a 15-minute token bound to the
reference and the case's version (document_tokens.py), in a hidden field.

The post is checked in this order, and no file byte is read before the token fits:
the per-client limit, the origin and the content type (web/protection.py), then the
status page's own limit counted in the database (as a lookup), then the text fields
at the head of the body (leading_fields.py: the token and the language come before
the file input), the token, the case (still at the token's version, still waiting,
its form still with a file field). Only then are the files read, with the form's
limits less what the case already holds, the same content checks and the same scan
as the form (uploads/multipart.py), sealed into the incoming folder.

Stored with Store.add_attachments (rows and the "documents-received" event in one
transaction), then the files are placed (a crash between the two is finished by the
start-up sweep, which places a file whose row exists), then cases.documents_received
starts the paused clock again, the state kept (or moves the case to the state's
`documents_to`); audited `documents-added` with the reference and the number of
files. A refused file answers the status page again with the message beside the
file field and a fresh token; the thank-you page is in the page's language.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import html
import logging
from collections.abc import Callable
from typing import Protocol

import anyio
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from generator.core import i18n
from generator.forms import Form, error_message
from generator.forms.model import MB, FileLimits
from generator.forms.status import render_documents
from generator.submissions import audit, cases
from generator.submissions.db.cases import CaseChanged, StatusRow
from generator.submissions.files import DiskFull
from generator.submissions.records import Attachment
from generator.uploads.clamav import ScannerUnavailable
from generator.uploads.multipart import Upload, UploadRefused, read_upload
from generator.web import protection
from generator.web.protection import Refused

from .context import EndpointContext
from .document_tokens import LIFETIME, DocumentTokens, Ticket
from .leading_fields import read_leading_fields
from .responses import NO_STORE

log = logging.getLogger("qalb.endpoint")

ACTOR = "status-page"
DOCUMENTS_PATH = "/api/status/documents"
#: The text before the first file: the token (about 80 bytes), the language, the parts' headers.
LEADING_LIMIT = 4096
#: The error code of a post with no file chosen (said here: the form's own codes are about files sent).
NO_FILES = "files-none"


class Lookups(Protocol):
    """What this takes of the status lookups (status.py): their clock, limit and pages."""

    now: Callable[[], dt.datetime]
    limit: tuple[int, float]

    def answer(self, row: StatusRow, lang: str, reference: str) -> str: ...

    def action(self, lang: str) -> str: ...

    def page(self, lang: str, typed: dict[str, str], *, status: int, error: str | None = None,
             answer: str | None = None, error_href: str = "#f-reference") -> Response: ...

    def too_many(self, lang: str, typed: dict[str, str], wait: int, now: dt.datetime) -> Response: ...


class StatusDocuments:
    def __init__(self, context: EndpointContext, lookups: Lookups) -> None:
        self.context = context
        self.lookups = lookups  # its clock, its limits, its pages
        self._tokens: DocumentTokens | None = None

    @property
    def tokens(self) -> DocumentTokens:
        if self._tokens is None:
            indexer = self.context.store.indexer
            assert indexer is not None, "the status page needs the lookup key"
            self._tokens = DocumentTokens(indexer.key.key)
        return self._tokens

    def wanted(self, row: StatusRow) -> Form | None:
        """The form, when this case waits for the applicant and its form takes files."""
        form = self.context.forms.get(row.form_id)
        if form is None or form.workflow is None or row.case_state is None or not form.file_fields:
            return None
        try:
            state = form.workflow.state(row.case_state)
        except KeyError:
            return None
        return form if state.pauses_clock and not state.closed else None

    async def section(self, row: StatusRow, reference: str, lang: str, action: str, *,
                      errors: dict[str, str] | None = None) -> str:
        """What we still need and the upload form, under the status answer ("" when the case
        does not wait for documents)."""
        form = self.wanted(row)
        if form is None:
            return ""
        store = self.context.store
        needed = await anyio.to_thread.run_sync(store.last_reply, reference)
        held = await anyio.to_thread.run_sync(store.attachments_of, reference)
        token = self.tokens.make(reference, row.case_version, now=self.lookups.now())
        limited, digits = remaining(form, held), self.context.organisation.arabic_digits
        said = {name: self.said(limited, name, code, lang) for name, code in (errors or {}).items()}
        return render_documents(limited, lang, action=documents_action(action), token=token, needed=needed,
                                errors=said, digits=digits, minutes=int(LIFETIME.total_seconds() // 60))

    def said(self, form: Form, name: str, code: str, lang: str) -> str:
        """An error code beside a file field, in words, with the limits that apply now."""
        if code == NO_FILES:
            return i18n.gettext(lang, "Choose the files to send.")
        return error_message(form, name, code, lang, self.context.organisation.arabic_digits)

    async def post(self, request: Request) -> Response:
        context, store = self.context, self.context.store
        protection.check_post(request, allowed_origins=context.settings.allowed_origins, limiter=context.limiter,
                              accepted=("multipart/form-data",))
        now, client = self.lookups.now(), protection.client_address(request)
        wait = await context.writer.call(functools.partial(
            store.limit_take, "status-client", client, now=now, limit=self.lookups.limit[0],
            period=self.lookups.limit[1]))
        if wait is not None:
            await self.refused(client, now, "refused", "malformed")
            return self.lookups.too_many(i18n.DEFAULT_LANGUAGE.code, {}, wait, now)
        leading, request = await read_leading_fields(request, limit=LEADING_LIMIT)
        posted_lang = leading.get("lang", "")
        lang = posted_lang if posted_lang in i18n.LANGUAGE_CODES else i18n.DEFAULT_LANGUAGE.code
        ticket = self.tokens.check(leading.get("token", ""), now=now)
        row = None if ticket is None else await anyio.to_thread.run_sync(store.case_status, ticket.reference)
        form = None if row is None else self.wanted(row)
        if ticket is None or row is None or form is None or row.case_version != ticket.case_version:
            await self.refused(client, now, "expired", ticket.reference if ticket else "malformed")
            # 404 as for any record one may not reach: forged, other case's, expired and stale look alike.
            return self.lookups.page(lang, {}, status=404, error=i18n.gettext(
                lang, "This upload form has expired or your request has changed. Look up your request again "
                      "to add documents."))
        stored = await anyio.to_thread.run_sync(store.attachments_of, ticket.reference)
        try:
            upload = await self.read(request, form, ticket, stored)
        except UploadRefused as exc:
            if not exc.field:  # the post as a whole (unreadable, or text past its bound): a bilingual page
                raise Refused(exc.code, exc.status) from None
            return await self.again(ticket.reference, lang, {exc.field: exc.code}, status=exc.status)
        except ScannerUnavailable:
            log.error("clamd could not be reached: documents from the status page were refused")
            raise Refused("files-unchecked", 503, retry_after=60) from None
        except DiskFull:
            log.error("the files folder is full: documents from the status page were refused")
            raise Refused("unavailable", 503, retry_after=60) from None
        if not upload.files:
            return await self.again(ticket.reference, lang, {form.file_fields[0].name: NO_FILES}, status=422)
        try:
            await context.writer.call(functools.partial(store.add_attachments, ticket.reference, [
                dataclasses.replace(attachment, added_by=ACTOR, added_at=now)
                for attachment in upload.attachments(context.store.codec.keys)], who=ACTOR))
        except Exception as exc:  # nothing committed: the incoming files go
            for received in upload.files:
                context.files.discard(ticket.reference, received.number)
            log.error("could not store documents from the status page (%s)", type(exc).__name__)
            raise Refused("unavailable", 503, retry_after=30) from None
        for received in upload.files:  # after COMMIT; a crash before this is the start-up sweep's to finish
            context.files.place(ticket.reference, received.number)
        try:
            await context.writer.call(functools.partial(
                cases.documents_received, store, form, ticket.reference, now=now, actor=ACTOR,
                calendar=context.calendar))
        except CaseChanged:  # a caseworker moved the case meanwhile: leaving the state ran the clock again
            pass
        except cases.CaseProblem as problem:  # documents_to names a move the workflow no longer allows
            log.error("documents from the status page could not move the case (%s)", problem.code)
        await context.writer.call(functools.partial(
            audit.record, store, who=ACTOR, action="documents-added", form_id=form.id, rows=len(upload.files),
            detail=f"reference={ticket.reference} files={len(upload.files)}", now=now))
        prefix = i18n.language(lang).prefix
        return RedirectResponse(f"{DOCUMENTS_PATH}?lang={lang}" if prefix else DOCUMENTS_PATH, status_code=303,
                                headers=NO_STORE)

    async def read(self, request: Request, form: Form, ticket: Ticket, stored: list[Attachment]) -> Upload:
        """The files, read with the form's limits less what the case already holds."""
        context = self.context
        return await read_upload(request, remaining(form, stored), reference=ticket.reference, files=context.files,
                                 keys=context.store.codec.keys, scanner=context.scanner, max_text_bytes=LEADING_LIMIT,
                                 accept_unscanned=context.settings.accept_unscanned,
                                 first_number=max((a.number for a in stored), default=0) + 1)

    async def again(self, reference: str, lang: str, errors: dict[str, str], *, status: int) -> Response:
        """The status answer again, read afresh (a new token), the upload form with the error
        beside its field (`errors`: field -> code)."""
        store = self.context.store
        row = await anyio.to_thread.run_sync(store.case_status, reference)
        if row is None:
            raise Refused("not-found", 404)
        answer = self.lookups.answer(row, lang, reference)
        answer += await self.section(row, reference, lang, self.lookups.action(lang), errors=errors)
        form = self.wanted(row)
        if form is not None:
            field = form.field(next(iter(errors)))
            held = await anyio.to_thread.run_sync(store.attachments_of, reference)
            error = self.said(remaining(form, held), field.name, errors[field.name], lang)
            return self.lookups.page(lang, {}, status=status, error=error, answer=answer, error_href=f"#{field.id}")
        return self.lookups.page(lang, {}, status=status, answer=answer)  # no longer waiting: its answer

    async def refused(self, client: str, now: dt.datetime, kind: str, reference: str) -> None:
        await self.context.writer.call(functools.partial(
            audit.refused, self.context.store, now=now, who=ACTOR, action="documents-added", client=client,
            kind=kind, detail=f"reference={reference} result={kind}"))

    async def thanks(self, request: Request) -> Response:
        lang = request.query_params.get("lang", "")
        lang = lang if lang in i18n.LANGUAGE_CODES else i18n.DEFAULT_LANGUAGE.code
        heading = html.escape(i18n.gettext(lang, "We received your documents"))
        body = html.escape(i18n.gettext(
            lang, "Thank you. They are added to your request, and we will contact you if we need anything else."))
        answer = (f'<div class="qalb-confirmation qalb-status" role="status">'
                  f'<h2 class="qalb-confirmation__title">{heading}</h2>'
                  f'<p class="qalb-confirmation__body">{body}</p></div>')
        return self.lookups.page(lang, {}, status=200, answer=answer)


def documents_action(status_action: str) -> str:
    """Where the upload form posts: beside the status form's own action (/api/status)."""
    return status_action.rstrip("/") + "/documents"


def remaining(form: Form, stored: list[Attachment]) -> Form:
    """The form with each file field's limits less the files the case already holds."""
    fields = []
    for field in form.fields:
        limits: FileLimits | None = field.files
        if limits is not None:
            held = [a for a in stored if a.field == field.name]
            # Whole megabytes, as the limits are said: "24 MB in all" is then exactly what is taken.
            used = -(-sum(a.size for a in held) // MB) * MB
            limits = dataclasses.replace(limits, max_files=max(0, limits.max_files - len(held)),
                                         max_total_bytes=max(0, limits.max_total_bytes - used))
            field = dataclasses.replace(field, files=limits)
        fields.append(field)
    return dataclasses.replace(form, fields=fields)

