"""The endpoint: one small Starlette app with a declared route list.

    POST /api/forms/<id>                      a submission (urlencoded from browsers, JSON from scripts)
    GET  /forms/<id>/thanks/?ref=...          the thank-you page (Arabic)
    GET  /en/forms/<id>/thanks/?ref=...       the thank-you page (English)
    GET  /api/forms/<id>/export               the Data Package as a zip (bearer token)
    GET  /api/health                          "ok" once the database is ready

A post passes the cheap checks first (protection.py), is parsed, read with
the form's own schema, and either handed to the single writer (303 to the
thank-you page, or 201 with the reference for scripts) or answered 422 with
the same form page, the input kept and every error explained.
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
from typing import Any, AsyncIterator, Mapping
from urllib.parse import urljoin

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from generator.core import i18n
from generator.core.organisation import load_settings
from generator.core.problems import Problems
from generator.forms import HONEYPOT_FIELD, LANG_FIELD, NOTICE_FIELD, Form, error_message, read_submission, render_form
from generator.notify.settings import NotifySettings
from generator.submissions import audit, cases, tokens
from generator.submissions.export import export_zip_counted
from generator.submissions.notices import OutboxPlanner
from generator.submissions.records import Submission, consent_record, json_ready, utc_now
from generator.submissions.references import new_reference, normalise
from generator.submissions.secure_store import open_secure_store
from generator.submissions.store import Store
from generator.submissions.writer import Writer, WriterUnavailable
from generator.web import protection
from generator.web.sitefiles import SiteFiles

from . import pages
from .parsing import BadSubmission, infer_language, parse_body
from .settings import EndpointSettings
from .status import StatusLookups

log = logging.getLogger("qalb.endpoint")
NO_STORE = {"Cache-Control": "no-store"}


class Endpoint:
    """The state one running endpoint shares between requests."""

    def __init__(self, *, settings: EndpointSettings, forms: Mapping[str, Form], store: Store | None = None,
                 notify: NotifySettings | None = None) -> None:
        self.settings = settings
        # E-mail needs QALB_SMTP_URL; webhooks (a form file's notify.webhooks) need nothing more.
        webhooks = any(form.notify.webhooks for form in forms.values())
        self.notify = notify if notify is not None and (notify.enabled or webhooks) else None
        self.sender: Any = None
        self.forms = dict(forms)
        # Never a plain store: answers are encrypted at rest whoever creates the app
        # (keys made on first use, as `make serve` does; see secure_store.py). A store passed
        # in comes with its opener's planner (endpoint/commands.py); one of its own, with this one.
        planner = OutboxPlanner(self.forms, email=self.notify.enabled) if self.notify is not None else None
        self.store = store or open_secure_store(settings, forms, planner=planner, create_keys=True)
        self.writer = Writer(self.store, max_batch=settings.writer_max_batch)
        self.limiter = protection.RateLimiter(*settings.rate_limit) if settings.rate_limit else None
        self.shells = pages.Shells(settings.site_dir, site_url=settings.site_url)
        self.organisation = load_settings(settings.root, Problems())
        self.calendar = cases.WorkingCalendar.from_settings(self.organisation)
        self.status = StatusLookups(self, limit=settings.status_limit)

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        # Migrations and schema snapshots run on the writer thread: it owns writes.
        await self.writer.call(self.store.migrate)
        for form in self.forms.values():
            descriptor = form.schema.to_descriptor()
            digest = hashlib.sha256(json.dumps(descriptor, sort_keys=True).encode()).hexdigest()
            await self.writer.call(self.store.remember_schema, form.id, str(form.version), descriptor, digest)
        await self.writer.call(cases.start_stateless_cases, self.store, self.forms, self.calendar)
        await self.writer.start()
        stop_sender = await self.start_sender()
        try:
            yield
        finally:
            await stop_sender()
            await self.writer.stop()

    async def start_sender(self) -> Any:
        """With notifications on: plan messages with every submission, and send them
        from a task beside the writer (its database calls go through the writer's
        thread: on SQLite the one thread that writes). Returns how to stop it."""
        if self.notify is None:
            log.warning("e-mail notifications are off (QALB_SMTP_URL is not set): nothing is queued")

            async def nothing() -> None:
                return None
            return nothing
        from generator.core.organisation import load_settings
        from generator.core.problems import Problems
        from generator.notify.sender import Sender, context_for

        organisation = load_settings(self.settings.root, Problems())
        if not self.notify.enabled:
            log.warning("e-mail notifications are off (QALB_SMTP_URL is not set); webhooks are on")
        writer = self.writer
        self.sender = Sender(self.store, context_for(self.notify, self.forms, organisation), self.notify,
                             run_db=writer.call, busy=lambda: time.monotonic() - writer.last_batch_at < 0.2)
        stop = asyncio.Event()
        task = asyncio.create_task(self.sender.run(stop), name="qalb-notify")

        async def stop_sending() -> None:
            stop.set()
            await task
        return stop_sending

    # -- responses --------------------------------------------------------------

    def refuse(self, code: str, status: int, *, as_json: bool, retry_after: int | None = None) -> Response:
        headers = dict(NO_STORE)
        if retry_after:
            headers["Retry-After"] = str(retry_after)
        if status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        if as_json:
            body = {"error": code, "message": {lang: pages.message(code, lang) for lang in i18n.LANGUAGE_CODES}}
            return JSONResponse(body, status_code=status, headers=headers)
        return self.html(pages.problem_page(code), status, headers=headers)

    def html(self, text: str, status: int, *, headers: dict[str, str] | None = None,
             script_hashes: tuple[str, ...] = ()) -> HTMLResponse:
        headers = {**NO_STORE, **(headers or {})}
        headers["Content-Security-Policy"] = protection.content_security_policy(
            site_url=self.settings.site_url, script_hashes=script_hashes)
        return HTMLResponse(text, status_code=status, headers=headers)

    # -- routes -----------------------------------------------------------------

    async def submit(self, request: Request) -> Response:
        wants_json, media = _wants_json(request), ""
        form = self.forms.get(request.path_params["form_id"])
        if form is None:
            return self.refuse("not-found", 404, as_json=wants_json)
        refusal = self.limiter.check(_client(request)) if self.limiter else None
        refusal = refusal or protection.check_origin(request, self.settings.allowed_origins)
        if refusal is None:
            media, refusal = protection.check_content_type(request)
            # A JSON body means a script, unless it asks for HTML.
            wants_json = wants_json or (media == "application/json"
                                        and "text/html" not in request.headers.get("accept", ""))
        if refusal is None:
            body, refusal = await protection.read_body(request, self.settings.max_body_bytes)
        if refusal is not None:
            return self.refuse(refusal.code, refusal.status, as_json=wants_json, retry_after=refusal.retry_after)
        try:
            data = parse_body(body, media, form)
        except BadSubmission as exc:
            return self.refuse(exc.code, 400, as_json=wants_json)

        lang = data.pop(LANG_FIELD, None)  # every rendered form carries it (generator/forms/render.py)
        if not isinstance(lang, str) or lang not in i18n.LANGUAGE_CODES:
            lang = infer_language(request.headers.get("referer"))
        seen_notice = data.pop(NOTICE_FIELD, None)
        trap = data.pop(HONEYPOT_FIELD, "")
        # Unknown names come back as errors[""] = ["unknown-field"]: 422, nothing stored.
        result = read_submission(form, data)
        if not result.ok:
            return self.invalid(form, lang, data, result.errors, as_json=wants_json)

        at = utc_now()
        submission = Submission(
            reference=new_reference(), form_id=form.id, form_version=str(form.version), language=lang,
            submitted_at=at, consent=consent_record(form.consent_fields, result.row, at, language=lang,
                                                    notice=form.notice_version, posted_notice=seen_notice),
            # A filled honeypot looks like success to the sender but is kept apart for review:
            # browser autofill sometimes fills hidden fields for real people.
            status="suspected-spam" if _filled(trap) else "accepted",
            answers=json_ready(form.schema, result.row),
            # A case opens for an accepted submission; suspected spam gets one when staff release it.
            **(cases.open_case(form, at, self.calendar) if not _filled(trap) else {}),
        )
        try:
            stored = await self.writer.write(submission)
        except WriterUnavailable as exc:
            log.error("could not store a submission for form %s (%s)", form.id, exc)
            return self.refuse("unavailable", 503, as_json=wants_json, retry_after=30)
        if self.sender is not None:
            self.sender.wake()
        thanks = f"{pages.thanks_path(form.id, lang)}?ref={stored.reference}"
        if wants_json:
            return JSONResponse({"reference": stored.reference, "thanks": thanks}, status_code=201,
                                headers={**NO_STORE, "Location": thanks})
        return RedirectResponse(thanks, status_code=303, headers=NO_STORE)

    def invalid(self, form: Any, lang: str, data: dict[str, Any], errors: Mapping[str, list[str]], *,
                as_json: bool) -> Response:
        if as_json:
            listed = [{"field": name, "code": code, "message": error_message(form, name, code, lang)}
                      for name, codes in errors.items() for code in codes]
            return JSONResponse({"error": "invalid", "errors": listed}, status_code=422, headers=NO_STORE)
        shell = self.shells.get(form, lang)
        action = shell.action or f"/api/forms/{form.id}"
        known = {name: value for name, value in data.items() if name in form.schema.field_names}
        # The form page's own link to its notice is relative; from /api/forms/<id> it must not be.
        privacy_url = urljoin(self.settings.site_url or "/", pages.page_path(form.id, lang).lstrip("/") + "privacy/")
        region = render_form(form, lang, action=action, privacy_url=privacy_url, values=known, errors=dict(errors))
        return self.html(pages.error_page(shell, region, lang), 422, script_hashes=shell.script_hashes)

    async def thanks(self, request: Request) -> Response:
        lang = i18n.language_of_path(request.url.path).code
        form = self.forms.get(request.path_params["form_id"])
        reference = normalise(request.query_params.get("ref", ""))
        if form is None or reference is None:
            return self.refuse("not-found", 404, as_json=False)
        shell = self.shells.get(form, lang)
        page = pages.thanks_page(shell, form, lang, reference, site_url=self.settings.site_url)
        return self.html(page, 200, headers={"X-Robots-Tag": "noindex"}, script_hashes=shell.script_hashes)

    async def export(self, request: Request) -> Response:
        # Tokens: QALB_EXPORT_TOKEN_HASHES and the revocable ones of `python -m generator token`.
        header = request.headers.get("authorization", "")
        try:
            name = await anyio.to_thread.run_sync(
                tokens.check_bearer, self.store, self.settings.export_token_hashes, header)
        except Exception as exc:
            log.error("export token check failed (%s)", type(exc).__name__)
            return self.refuse("unavailable", 503, as_json=True)
        if name == tokens.OFF:  # export over HTTP is switched off until a token exists
            return self.refuse("not-found", 404, as_json=True)
        # Exports count against the same per-client limit as posts: it slows token guessing.
        refusal = self.limiter.check(_client(request)) if self.limiter else None
        if refusal is not None:
            return self.refuse(refusal.code, refusal.status, as_json=True, retry_after=refusal.retry_after)
        if name is None:
            return self.refuse("unauthorized", 401, as_json=True)
        form = self.forms.get(request.path_params["form_id"])
        if form is None:
            return self.refuse("not-found", 404, as_json=True)
        try:
            data, rows = await anyio.to_thread.run_sync(export_zip_counted, self.store, form)
            await self.writer.call(functools.partial(
                audit.record, self.store, who=f"token:{name}", action="http-export", form_id=form.id, rows=rows))
        except Exception as exc:  # the database went away: say so, without the row that broke it
            log.error("export of form %s failed (%s)", form.id, type(exc).__name__)
            return self.refuse("unavailable", 503, as_json=True)
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        return Response(data, media_type="application/zip", headers={
            **NO_STORE, "Content-Disposition": f'attachment; filename="{form.id}-{stamp}.zip"'})

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"}, headers=NO_STORE)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/api/health", self.health, methods=["GET"]),
            Route("/api/forms/{form_id}", self.submit, methods=["POST"]),
            Route("/api/forms/{form_id}/export", self.export, methods=["GET"]),
            Route("/api/status", self.status.lookup, methods=["POST"]),
            Route("/api/status", self.status.form_page, methods=["GET"]),
            Route("/forms/{form_id}/thanks/", self.thanks, methods=["GET"]),
            Route("/en/forms/{form_id}/thanks/", self.thanks, methods=["GET"]),
        ]


def create_app(*, settings: EndpointSettings, forms: Mapping[str, Any], store: Store | None = None,
               serve_site: bool = False, notify: NotifySettings | None = None) -> Starlette:
    """The endpoint alone, or (`serve_site`) together with the built site from settings.site_dir;
    with `notify` (QALB_SMTP_URL set) it also sends the e-mail notifications."""
    endpoint = Endpoint(settings=settings, forms=forms, store=store, notify=notify)
    routes = endpoint.routes()
    if serve_site:
        routes.append(Mount("/", app=SiteFiles(directory=settings.site_dir, html=True, check_dir=False)))
    app = Starlette(routes=routes, middleware=[Middleware(protection.SecurityHeaders)],
                    lifespan=endpoint.lifespan)
    app.state.endpoint = endpoint
    return app


def _client(request: Request) -> str:
    # uvicorn puts the X-Forwarded-For address here for trusted proxies only.
    return request.client.host if request.client else "unknown"


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _filled(value: Any) -> bool:
    if isinstance(value, list):
        return any(_filled(v) for v in value)
    return bool(str(value or "").strip())
