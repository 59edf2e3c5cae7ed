"""The endpoint: one small Starlette app with a declared route list.

    POST /api/forms/<id>                      a submission (urlencoded from browsers, JSON from scripts)
    GET  /forms/<id>/thanks/?ref=...          the thank-you page (Arabic)
    GET  /en/forms/<id>/thanks/?ref=...       the thank-you page (English)
    GET  /api/forms/<id>/export               the Data Package as a zip (bearer token)
    POST /api/status                          the applicant's status lookup (status.py)
    POST /api/status/documents                documents the applicant adds there (status_documents.py)
    GET  /api/health                          "ok" once the database is ready

A post passes the cheap checks first (web/protection.py's read_post), is
parsed, read with the form's own schema, and either handed to the single
writer (303 to the thank-you page, or 201 with the reference for scripts) or
answered 422 with the same form page, the input kept and every error
explained. A refused request raises `Refused` wherever it is refused; the
app's one exception handler answers it (responses.py).
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import hashlib
import json
import logging
import time
from typing import TYPE_CHECKING, Any, AsyncIterator, Awaitable, Callable, Mapping
from urllib.parse import urljoin

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from generator.core import i18n
from generator.core.config import EndpointSettings, NotifySettings
from generator.core.organisation import Settings as Organisation
from generator.core.organisation import load_organisation
from generator.forms import (
    HONEYPOT_FIELD,
    KEY_FIELD,
    LANG_FIELD,
    NOTICE_FIELD,
    Form,
    error_message,
    group_posted,
    read_submission,
    render_form,
)
from generator.forms.reload import FormReloader
from generator.submissions import audit, cases, tokens
from generator.submissions.export import export_zip_file
from generator.submissions.files import DiskFull
from generator.submissions.notices import OutboxPlanner, check_wired
from generator.submissions.records import Submission, consent_record, json_ready, post_digest, utc_now
from generator.submissions.references import new_reference, normalise
from generator.submissions.store import Store
from generator.submissions.writer import WriterUnavailable, die_at
from generator.uploads.clamav import ScannerUnavailable
from generator.uploads.multipart import FILES_AGAIN, Upload, UploadRefused, discard_upload, read_upload
from generator.web import protection
from generator.web.downloads import closed_on_error, zip_response
from generator.web.each_request import EachRequest
from generator.web.protection import Refused
from generator.web.sitefiles import SiteFiles

from . import public_pages
from .context import EndpointContext
from .parsing import BadSubmission, infer_language, parse_body
from .responses import NO_STORE
from .status import StatusLookups

if TYPE_CHECKING:
    from generator.notify.sender import Sender

log = logging.getLogger("qalb.endpoint")


class Endpoint:
    """The routes, the lifespan (migrations, the writer, the notification sender) and
    the one exception handler of a running endpoint, around its context."""

    def __init__(self, context: EndpointContext, *, notify: NotifySettings | None = None) -> None:
        self.context = context
        # E-mail needs QALB_SMTP_URL; webhooks (a form file's notify.webhooks) need nothing more.
        sends = notify is not None and OutboxPlanner.needed(context.forms, email=notify.enabled)
        self.notify = notify if sends else None
        self.sender: Sender | None = None
        self.status = StatusLookups(context, limit=context.settings.status_limit,
                                     reference_limit=context.settings.status_reference_limit)

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        store, writer, forms = self.context.store, self.context.writer, self.context.forms
        # Migrations and schema snapshots run on the writer thread: it owns writes.
        await writer.call(store.migrate)
        for form in forms.values():
            descriptor = form.schema.to_descriptor()
            digest = hashlib.sha256(json.dumps(descriptor, sort_keys=True).encode()).hexdigest()
            await writer.call(store.remember_schema, form.id, str(form.version), descriptor, digest)
        await writer.call(cases.start_stateless_cases, store, forms, self.context.calendar)
        # Files a killed process left in its incoming folder: placed if their rows were committed,
        # deleted if not (submissions/files.py), before this process receives any.
        placed, deleted = await writer.call(self.context.files.sweep, store)
        if placed or deleted:
            log.warning("attached files left by a stopped process: %d placed, %d deleted", placed, deleted)
        await writer.start()
        stop_sender = await self.start_sender()
        try:
            yield
        finally:
            await stop_sender()
            await writer.stop()
            self.context.files.close()

    async def start_sender(self) -> Callable[[], Awaitable[None]]:
        """With notifications on: plan messages with every submission, and send them
        from a task beside the writer (its database calls go through the writer's
        thread: on SQLite the one thread that writes). Returns how to stop it."""
        if self.notify is None:
            log.warning("e-mail notifications are off (QALB_SMTP_URL is not set): nothing is queued")

            async def nothing() -> None:
                return None
            return nothing
        from generator.notify.sender import Sender, context_for

        forms, organisation = self.context.forms, self.context.organisation
        if not self.notify.enabled:
            log.warning("e-mail notifications are off (QALB_SMTP_URL is not set); webhooks are on")
        writer = self.context.writer
        sender = self.sender = Sender(
            self.context.store, context_for(self.notify, forms, organisation), self.notify,
            run_db=writer.call, busy=lambda: time.monotonic() - writer.last_batch_at < 0.2)
        stop = asyncio.Event()
        task = asyncio.create_task(sender.run(stop), name="qalb-notify")

        async def stop_sending() -> None:
            stop.set()
            await task
        return stop_sending

    async def refused(self, request: Request, exc: Exception) -> Response:
        """The one exception handler: a refusal raised by any route, answered as it asks."""
        assert isinstance(exc, Refused)  # registered for Refused only
        return self.context.render.refusal(exc)

    # -- routes -----------------------------------------------------------------

    async def submit(self, request: Request) -> Response:
        context = self.context
        form = context.forms.get(request.path_params["form_id"])
        if form is None:
            raise Refused("not-found", 404, as_json=protection.wants_json(request))
        if form.file_fields and protection.media_type(request) == "multipart/form-data":
            return await self.submit_upload(request, form)
        # The rate limit comes first: it is the cheapest check and it slows a flood.
        post = await protection.read_post(request, allowed_origins=context.settings.allowed_origins,
                                          max_body_bytes=context.settings.max_body_bytes,
                                          limiter=context.limiter, negotiate=True)
        # A JSON body means a script, unless it asks for HTML.
        wants_json = protection.wants_json(request, post.media)
        try:
            data = parse_body(post.body, post.media, form)
        except BadSubmission as exc:
            raise Refused(exc.code, 400, as_json=wants_json) from None
        # A file field's answer posted as text here ("1") is a "type" error: it never claims a file.
        return await self.accept(request, form, data, wants_json=wants_json)

    async def submit_upload(self, request: Request, form: Form) -> Response:
        """A post with files (uploads/multipart.py): streamed, its files sealed to the data
        folder under a reference made before reading, then stored as any other post."""
        context = self.context
        protection.check_post(request, allowed_origins=context.settings.allowed_origins, limiter=context.limiter,
                              negotiate=True, accepted=protection.UPLOAD_TYPES)
        wants_json = protection.wants_json(request)
        reference = new_reference()  # the files' associated data names it: never redrawn
        try:
            upload = await read_upload(request, form, reference=reference, files=context.files,
                                       keys=context.store.codec.keys, scanner=context.scanner,
                                       max_text_bytes=context.settings.max_body_bytes,
                                       accept_unscanned=context.settings.accept_unscanned)
        except UploadRefused as refused:
            if not refused.field:
                raise Refused(refused.code, refused.status, as_json=wants_json) from None
            # The answers read before the refusal stay on the page; the files never do.
            data = group_posted(_pairs(refused.fields), form)
            lang, *_ = _envelope(data, request)
            return self.invalid(form, lang, data, {refused.field: [refused.code]}, as_json=wants_json,
                                status=refused.status, files_sent=True)
        except ScannerUnavailable:
            log.error("clamd could not be reached: an upload to form %s was refused", form.id)
            raise Refused("files-unchecked", 503, as_json=wants_json, retry_after=60) from None
        except DiskFull:
            log.error("the files folder is full: an upload to form %s was refused", form.id)
            raise Refused("unavailable", 503, as_json=wants_json, retry_after=60) from None
        data = group_posted(_pairs(upload.fields), form)
        for field in form.file_fields:
            data[field.name] = upload.numbers(field.name)
        return await self.accept(request, form, data, wants_json=wants_json, reference=reference, upload=upload)

    async def accept(self, request: Request, form: Form, data: dict[str, Any], *, wants_json: bool,
                     reference: str | None = None, upload: Upload | None = None) -> Response:
        """A read post checked with the form's schema: stored (303 or 201) or answered 422."""
        context = self.context
        lang, seen_notice, trap, key = _envelope(data, request)
        # Unknown names come back as errors[""] = ["unknown-field"]: 422, nothing stored.
        result = read_submission(form, data)
        # Files come only in a multipart post: numbers a script sends as JSON claim no file.
        claimed = {} if upload is not None else {
            f.name: ["type"] for f in form.file_fields if data.get(f.name) not in (None, "", [])}
        if claimed or not result.ok:
            if upload is not None:
                await discard_upload(upload, reference=str(reference), files=context.files)
            return self.invalid(form, lang, data, {**result.errors, **claimed}, as_json=wants_json, post_key=key,
                                files_sent=bool(upload and upload.files))
        answers = json_ready(form.schema, result.row)

        at = utc_now()
        submission = Submission(
            reference=reference or new_reference(), form_id=form.id, form_version=str(form.version), language=lang,
            submitted_at=at, consent=consent_record(form.consent_fields, result.row, at, language=lang,
                                                    notice=form.notice_version, posted_notice=seen_notice),
            # A filled honeypot looks like success to the sender but is kept apart for review:
            # browser autofill sometimes fills hidden fields for real people.
            status="suspected-spam" if _filled(trap) else "accepted",
            answers=answers,
            post_key=post_digest(form.id, key, answers, indexer.key if (indexer := context.store.indexer) else None)
            if key else None,
            # A case opens for an accepted submission; suspected spam gets one when staff release it.
            **(cases.open_case(form, at, context.calendar) if not _filled(trap) else {}),
            attachments=upload.attachments(context.store.codec.keys) if upload is not None else (),
        )
        if upload is not None and upload.files and context.settings.die_at_upload_written:
            die_at("upload-written")  # tests only: the files sealed and fsynced, the writer not called
        try:
            stored = await context.writer.write(submission)
        except WriterUnavailable as exc:
            log.error("could not store a submission for form %s (%s)", form.id, exc)
            if upload is not None:  # the writer discards them too, unless it was not running
                await discard_upload(upload, reference=submission.reference, files=context.files)
            raise Refused("unavailable", 503, as_json=wants_json, retry_after=30) from None
        if self.sender is not None:
            self.sender.wake()
        thanks = f"{public_pages.thanks_path(form.id, lang)}?ref={stored.reference}"
        if wants_json:
            return JSONResponse({"reference": stored.reference, "thanks": thanks}, status_code=201,
                                headers={**NO_STORE, "Location": thanks})
        return RedirectResponse(thanks, status_code=303, headers=NO_STORE)

    def invalid(self, form: Form, lang: str, data: dict[str, Any], errors: Mapping[str, list[str]], *,
                as_json: bool, post_key: str = "", status: int = 422, files_sent: bool = False) -> Response:
        """The form again with its errors (`status` 422, or 413 for files over a limit).
        Files are never kept: with `files_sent`, a file field without an error of its own
        (whose words say what to choose instead) asks for its files again."""
        if files_sent:
            errors = {**{f.name: [FILES_AGAIN] for f in form.file_fields}, **errors}
        if as_json:
            listed = [{"field": name, "code": code, "message": error_message(form, name, code, lang)}
                      for name, codes in errors.items() for code in codes]
            return JSONResponse({"error": "invalid", "errors": listed}, status_code=status, headers=NO_STORE)
        shell = self.context.shells.get(form, lang)
        action = shell.action or f"/api/forms/{form.id}"
        files = {f.name for f in form.file_fields}
        known = {name: value for name, value in data.items() if name in form.schema.field_names and name not in files}
        # The form page's own link to its notice is relative; from /api/forms/<id> it must not be.
        privacy_url = urljoin(self.context.settings.site_url or "/",
                              public_pages.page_path(form.id, lang).lstrip("/") + "privacy/")
        region = render_form(form, lang, action=action, privacy_url=privacy_url, values=known, errors=dict(errors),
                             post_key=post_key, digits=self.context.organisation.arabic_digits)
        return self.context.render.html(public_pages.error_page(shell, region, lang), status,
                                        script_hashes=shell.script_hashes)

    async def thanks(self, request: Request) -> Response:
        context = self.context
        lang = i18n.language_of_path(request.url.path).code
        form = context.forms.get(request.path_params["form_id"])
        reference = normalise(request.query_params.get("ref", ""))
        if form is None or reference is None:
            raise Refused("not-found", 404)
        shell = context.shells.get(form, lang)
        page = public_pages.thanks_page(shell, form, lang, reference, site_url=context.settings.site_url)
        return context.render.html(page, 200, headers={"X-Robots-Tag": "noindex"}, script_hashes=shell.script_hashes)

    async def export(self, request: Request) -> Response:
        context = self.context
        # Tokens: QALB_EXPORT_TOKEN_HASHES and the revocable ones of `python -m generator token`.
        header = request.headers.get("authorization", "")
        try:
            name = await anyio.to_thread.run_sync(
                tokens.check_bearer, context.store, context.settings.export_token_hashes, header)
        except Exception as exc:
            log.error("export token check failed (%s)", type(exc).__name__)
            raise Refused("unavailable", 503, as_json=True) from None
        if name == tokens.OFF:  # export over HTTP is switched off until a token exists
            raise Refused("not-found", 404, as_json=True)
        # Exports count against the same per-client limit as posts: it slows token guessing.
        refusal = context.limiter.check(protection.client_address(request)) if context.limiter else None
        if refusal is not None:
            raise Refused.because(refusal, as_json=True)
        if name is None:
            raise Refused("unauthorized", 401, as_json=True)
        form = context.forms.get(request.path_params["form_id"])
        if form is None:
            raise Refused("not-found", 404, as_json=True)
        try:
            # Written to a temporary file and streamed from it: with a form's files it may be large.
            handle, rows = await anyio.to_thread.run_sync(functools.partial(
                export_zip_file, context.store, form, files=context.files, keys=context.store.codec.keys))
        except Exception as exc:  # the database went away: say so, without the row that broke it
            log.error("export of form %s failed (%s)", form.id, type(exc).__name__)
            raise Refused("unavailable", 503, as_json=True) from None
        with closed_on_error(handle):
            try:
                await context.writer.call(functools.partial(audit.record, context.store, who=f"token:{name}",
                                                            action="http-export", form_id=form.id, rows=rows))
            except Exception as exc:
                log.error("export of form %s failed (%s)", form.id, type(exc).__name__)
                raise Refused("unavailable", 503, as_json=True) from None
            stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            return zip_response(handle, f"{form.id}-{stamp}.zip", headers=NO_STORE)

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"}, headers=NO_STORE)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/api/health", self.health, methods=["GET"]),
            Route("/api/forms/{form_id}", self.submit, methods=["POST"]),
            Route("/api/forms/{form_id}/export", self.export, methods=["GET"]),
            Route("/api/status", self.status.lookup, methods=["POST"]),
            Route("/api/status", self.status.form_page, methods=["GET"]),
            Route("/api/status/documents", self.status.documents.post, methods=["POST"]),
            Route("/api/status/documents", self.status.documents.thanks, methods=["GET"]),
            Route("/forms/{form_id}/thanks/", self.thanks, methods=["GET"]),
            Route("/en/forms/{form_id}/thanks/", self.thanks, methods=["GET"]),
        ]


def create_app(*, settings: EndpointSettings, forms: Mapping[str, Form], store: Store | None = None,
               serve_site: bool = False, notify: NotifySettings | None = None,
               organisation: Organisation | None = None) -> Starlette:
    """The endpoint alone, or (`serve_site`) together with the built site from settings.site_dir;
    with `notify` (QALB_SMTP_URL set) it also sends the e-mail notifications. The
    organisation (content/settings.yml) is read here unless given."""
    if organisation is None:
        organisation = load_organisation(settings.root)
    # A store passed in comes with its opener's planner (endpoint/commands.py); one of its own, with this one.
    planner = OutboxPlanner.if_needed(forms, email=notify.enabled) if notify is not None else None
    if store is not None and notify is not None:
        check_wired(store, forms, email=notify.enabled)
    context = EndpointContext.build(settings=settings, forms=forms, store=store, organisation=organisation,
                                    planner=planner)
    endpoint = Endpoint(context, notify=notify)
    routes = endpoint.routes()
    if serve_site:
        routes.append(Mount("/", app=SiteFiles(directory=settings.site_dir, html=True, check_dir=False)))
    reloader = FormReloader(settings.root, settings.site_dir, context.forms)
    app = Starlette(routes=routes, middleware=[Middleware(protection.SecurityHeaders),
                                               Middleware(EachRequest, call=reloader.check)],
                    exception_handlers={Refused: endpoint.refused}, lifespan=endpoint.lifespan)
    # For the tests: the store, settings and forms the app runs on, the routes and lifespan
    # (its sender, once started), and the lookups' counters.
    app.state.endpoint = context
    app.state.runner = endpoint
    app.state.status = endpoint.status
    return app


def _envelope(data: dict[str, Any], request: Request) -> tuple[str, Any, Any, str]:
    """What every rendered form sends beside its answers, taken out of `data`: the page's
    language, the notice seen, the honeypot and the post's key (or the Idempotency-Key)."""
    lang = data.pop(LANG_FIELD, None)  # every rendered form carries it (generator/forms/render.py)
    if not isinstance(lang, str) or lang not in i18n.LANGUAGE_CODES:
        lang = infer_language(request.headers.get("referer"))
    seen_notice = data.pop(NOTICE_FIELD, None)
    trap = data.pop(HONEYPOT_FIELD, "")
    # A script's Idempotency-Key, or the key the form's script made when the page loaded:
    # a post sent again with it (any replica, any number of times) is stored once.
    posted_key = data.pop(KEY_FIELD, "")
    key = request.headers.get("idempotency-key") or (posted_key if isinstance(posted_key, str) else "")
    return lang, seen_notice, trap, key


def _pairs(fields: Mapping[str, list[str]]) -> list[tuple[str, str]]:
    return [(name, value) for name, values in fields.items() for value in values]


def _filled(value: Any) -> bool:
    if isinstance(value, list):
        return any(_filled(v) for v in value)
    return bool(str(value or "").strip())
