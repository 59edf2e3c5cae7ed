"""The staff workspace: one Starlette app, every path under /staff/.

    GET  /staff/                          home: the forms this account may see
    POST /staff/language                  the account's language (remembered)
    GET  /staff/static/...                the workspace's CSS and the site's fonts
    /staff/sign-in, /staff/sign-out, /staff/setup/...: signing in (sign_in.py)
    /staff/accounts, /staff/audit: the admins' pages (admin.py, audit_page.py)
    /staff/forms/..., /staff/search, /staff/submissions/...: the inbox (inbox.py)
    /staff/submissions/<ref>/{move,assign,note}, /staff/forms/<id>/enter: cases (casework.py)
    /staff/submissions/<ref>/{correct,call}: corrections and calls (conversation.py)
    GET  /staff/submissions/<ref>/files/<n>[/thumbnail]: a file, downloaded; an image's thumbnail (files_page.py)
    GET  /staff/reports/...               reports (reports.py)
    /staff/content/...                    the content editor (generator/editor/pages.py)
    /staff/messages, /staff/account: failed messages, webhook deliveries, each account's
                                          e-mail choices (messages_page.py)
    /staff/account/...                    each person's password, sessions, recovery codes (own_account.py)

`create_app` builds the one StaffContext (context.py) every part takes. Around the
routes, outermost first: security headers (web/protection.py, plus no-store, a strict
CSP and no-referrer here), then a body size limit. Every POST route checks its form's
token first (`require_form_token`, form_tokens.py: an HMAC of the session under the staff
key): without the right one it is answered 403 before its handler runs (and audited).
A handler that refuses raises `AccessRefused` (guards.py), which the
app's one exception handler answers: the sign-in page for someone not signed in; 404
for a page an account may not see, as for pages that do not exist, and the attempt
is audited.
"""
from __future__ import annotations

import contextlib
import logging
import re
from pathlib import Path
from typing import AsyncIterator, Mapping

from argon2 import PasswordHasher
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from generator import PROJECT_ROOT
from generator.core import i18n
from generator.core.config import StaffSettings
from generator.core.organisation import Settings, load_organisation
from generator.core.problems import Problems
from generator.editor.catalogue import MissingFile
from generator.editor.file_history import FileHistory
from generator.editor.form_pages import FormTextPages
from generator.editor.pages import ContentPages
from generator.editor.prose import ProsePages
from generator.editor.publish_pages import PREVIEW_PREFIX, PublishPages, preview_csp
from generator.editor.settings_page import SettingsPage
from generator.editor.synonyms import SynonymsPage
from generator.forms import Form
from generator.forms.reload import FormReloader
from generator.forms.replies import load_replies
from generator.submissions import cases
from generator.submissions.files import FileStore
from generator.submissions.notices import OutboxPlanner, check_wired
from generator.submissions.secure_store import load_staff_key, open_secure_store
from generator.submissions.store import Store
from generator.web import protection
from generator.web.each_request import EachRequest

from . import inbox, templates
from .accounts import Accounts, Clock, utc_clock, visible_forms
from .admin import AdminPages
from .audit_page import AuditPage
from .bulk import Bulk
from .casework import Casework
from .committee import CommitteePrint
from .context import StaffContext
from .conversation import Conversation
from .files_page import FilePages
from .form_tokens import FormTokens
from .guards import AccessRefused, FormTokenRefused, answer_refused, require, require_form_token, safe_next
from .messages_page import Messages
from .own_account import OwnAccount
from .report_activity import channel_names, service_ids
from .reports import Reports
from .request_data import form_data, signed_out_lang
from .sessions import Cookies, Sessions
from .sign_in import SignInPages
from .templates import Pages

log = logging.getLogger("qalb.staff")

STATIC_DIR = PROJECT_ROOT / "templates" / "staff" / "static"
FONT_DIRS = ("assets/fonts",)  # inside the built site
FONT_PACKAGE = PROJECT_ROOT / "node_modules" / "@fontsource" / "ibm-plex-sans-arabic" / "files"
_FONT_NAME = re.compile(r"ibm-plex-sans-arabic-[a-z]+-[0-9]{3}-normal\.woff2")
HEADERS = (
    ("Cache-Control", "no-store"),
    ("Content-Security-Policy", protection.strict_content_security_policy()),
    ("Referrer-Policy", "no-referrer"),
)


class StaffHeaders:
    """no-store, the strict CSP and no-referrer on every response of the workspace."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS:
                    headers[name] = value
                if scope["path"].startswith(PREVIEW_PREFIX):  # the built site's pages: its scripts run
                    headers["Content-Security-Policy"] = preview_csp()
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)


class BodyLimit:
    """413 for a body over the limit: a declared one before anything is read, one found
    too long while the app reads it (chunked, or a lying header) as soon as it is. Nothing
    is kept here: the body goes on to the app as it arrives."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.max_bytes:
            await Response("Payload Too Large", status_code=413)(scope, receive, send)
            return
        size, started = 0, False

        async def counted() -> Message:
            nonlocal size
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > self.max_bytes:
                    raise _TooLarge
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except _TooLarge:
            if started:
                raise
            await Response("Payload Too Large", status_code=413)(scope, receive, send)


class _TooLarge(Exception):
    """A body found longer than the limit while it was read (BodyLimit answers 413)."""


class HomePages:
    """The pages of the workspace itself: home, the language choice, its files, every
    other path (404), and the answer to a POST without the right form token."""

    def __init__(self, ctx: StaffContext) -> None:
        self.ctx = ctx

    async def home(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request)
        lang = current.account.language
        counts = await inbox.counts(ctx, current)
        shown = [{"id": form_id, "title": ctx.forms[form_id].title.get(lang, form_id), **counts[form_id]}
                 for form_id in visible_forms(current.account, sorted(ctx.forms))]
        return ctx.pages.page(request, "home.html", lang, current=current, forms=shown,
                              may_read=current.account.role != "viewer", mine=await inbox.my_cases(ctx, current))

    async def language(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request)
        data = await form_data(request)
        lang = data.get("lang", "")
        if lang in i18n.LANGUAGE_CODES and lang != current.account.language:
            await ctx.run(ctx.accounts.set_language, current.account, lang)
        return ctx.pages.redirect(safe_next(data.get("next")))

    async def missing(self, request: Request) -> Response:
        """Every other path under /staff/: 404 (after sign-in, so nothing is learnt without it)."""
        current = await require(self.ctx, request)
        return self.ctx.pages.not_found(request, current.account.language, current)

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name == "staff.css":
            return FileResponse(STATIC_DIR / "staff.css", media_type="text/css")
        if name.startswith("fonts/") and _FONT_NAME.fullmatch(name[6:]):
            for folder in self.font_dirs():
                if (folder / name[6:]).is_file():
                    return FileResponse(folder / name[6:], media_type="font/woff2")
        return Response("Not Found", status_code=404, media_type="text/plain")

    def font_dirs(self) -> list[Path]:
        site_dir = self.ctx.settings.site_dir
        site = [site_dir / d for d in FONT_DIRS] if site_dir else []
        return [*site, FONT_PACKAGE]

    async def csrf_failed(self, request: Request) -> Response:
        """The answer to a POST without the right form token: 403, nothing done, audited."""
        ctx = self.ctx
        current, _, _ = await ctx.run(ctx.sessions.current, request.cookies.get(ctx.sessions.cookies.session))
        if current is not None:
            await ctx.run(ctx.audit, current.account.email, "staff-csrf-refused", f"POST {request.url.path}")
        else:  # anyone can post without a token: one row per client and minute, counted
            client = request.client.host if request.client else "unknown"
            await ctx.run(ctx.audit_refusal, "unknown", "staff-csrf-refused", client, f"POST {request.url.path}")
        lang = current.account.language if current else signed_out_lang(request)
        html = templates.render("problem.html", lang, csrf="", account=current.account if current else None,
                                path=request.url.path, is_admin=False, problem="csrf")
        return HTMLResponse(html, status_code=403)


def token_checked(ctx: StaffContext, route: Route) -> Route:
    """The route with its form token checked first on every POST (guards.require_form_token)."""
    if not route.methods or "POST" not in route.methods:
        return route
    handler = route.endpoint

    async def endpoint(request: Request) -> Response:
        if request.method == "POST":
            await require_form_token(ctx, request)
        response: Response = await handler(request)
        return response

    return Route(route.path, endpoint, methods=sorted(route.methods), name=route.name)


def routes(ctx: StaffContext, home: HomePages) -> list[Route]:
    return [token_checked(ctx, route) for route in [
        Route("/staff", lambda request: RedirectResponse("/staff/", status_code=308)),
        Route("/staff/", home.home, methods=["GET"]),
        Route("/staff/language", home.language, methods=["POST"]),
        *SignInPages(ctx).routes(),
        *AdminPages(ctx).routes(),
        *AuditPage(ctx).routes(),
        *inbox.Inbox(ctx).routes(),
        *Casework(ctx).routes(),
        *CommitteePrint(ctx).routes(),
        *FilePages(ctx).routes(),
        *Conversation(ctx).routes(),
        *Bulk(ctx).routes(),
        Route("/staff/static/{name:path}", home.static, methods=["GET"]),
        *Reports(ctx).routes(),
        *Messages(ctx).routes(),
        *OwnAccount(ctx).routes(),
        *ContentPages(ctx).routes(),
        *FormTextPages(ctx).routes(),
        *SettingsPage(ctx).routes(),
        *SynonymsPage(ctx).routes(),
        *ProsePages(ctx).routes(),
        *FileHistory(ctx).routes(),
        *PublishPages(ctx).routes(),
        Route("/staff/{rest:path}", home.missing, methods=["GET", "POST"]),
    ]]


def create_app(*, settings: StaffSettings, forms: Mapping[str, Form], store: Store | None = None,
               clock: Clock = utc_clock, hasher: PasswordHasher | None = None,
               organisation: Settings | None = None) -> Starlette:
    """The workspace; `clock` (aware UTC datetimes) and `hasher` (argon2 PasswordHasher) for tests;
    `organisation` (content/settings.yml) loaded here when not given."""
    forms, owns_store = dict(forms), store is None
    if organisation is None:
        organisation = load_organisation(settings.root)
    # A store passed in comes with its opener's planner (`run`: the endpoint's, one per
    # process); a store of its own gets the one the forms and e-mail settings call for, so
    # a change made here queues what it causes, for `notify run` to deliver.
    planner = OutboxPlanner.if_needed(forms, email=settings.notify_email)
    if store is not None:
        check_wired(store, forms, email=settings.notify_email)
    store = store or open_secure_store(settings, forms, planner=planner, time_zone=organisation.time_zone,
                                       create_keys=True)
    ctx = StaffContext(
        settings=settings, forms=forms, store=store, clock=clock, organisation=organisation,
        calendar=cases.WorkingCalendar.from_settings(organisation),
        channel_names=channel_names(settings.root),  # content/channels.yml, read once
        accounts=Accounts(store, store.codec.keys, settings, clock=clock, hasher=hasher),
        sessions=Sessions(store, settings, clock),
        pages=Pages(organisation, FormTokens(load_staff_key(settings), Cookies.of(settings))),
        services=service_ids(settings.root),
        replies=load_replies(settings.root, forms, Problems()),  # `check` reports its mistakes
        files=FileStore(settings.files_dir))
    home = HomePages(ctx)

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AccessRefused)
        if isinstance(exc, FormTokenRefused):
            return await home.csrf_failed(request)
        return await answer_refused(ctx, request, exc)

    async def missing_file(request: Request, exc: Exception) -> Response:
        """A content file the editor needs is not in the project (after `require` let the person in)."""
        log.warning("the content editor has no %s in the project", exc)
        current, _, _ = await ctx.run(ctx.sessions.current, request.cookies.get(ctx.sessions.cookies.session))
        if current is None:
            return ctx.pages.redirect("/staff/sign-in")
        return ctx.pages.not_found(request, current.account.language, current)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await ctx.run(store.migrate)
        try:
            yield
        finally:
            if owns_store:  # a store passed in belongs to its opener (`run`: the endpoint)
                store.close()

    app = Starlette(
        routes=routes(ctx, home),
        middleware=[
            Middleware(protection.SecurityHeaders),
            Middleware(StaffHeaders),
            Middleware(BodyLimit, max_bytes=settings.max_body_bytes),
        ],
        exception_handlers={AccessRefused: refused, MissingFile: missing_file},
        lifespan=lifespan,
    )
    if settings.site_dir is not None:  # the form texts of a publish, without a restart (forms/reload.py)
        app.add_middleware(EachRequest, call=FormReloader(settings.root, settings.site_dir, forms).check)
    app.state.workspace = ctx  # what tests and benchmarks reach: the store, accounts, sessions, organisation
    return app
