"""The staff workspace: one Starlette app, every path under /staff/.

    GET  /staff/                          home: the forms this account may see
    GET  /staff/sign-in?next=...          sign-in (e-mail, password, code or recovery code)
    POST /staff/sign-in
    POST /staff/sign-out
    GET  /staff/setup/<token>             set a password and enrol the second factor
    POST /staff/setup/<token>             (then the recovery codes, shown once)
    POST /staff/language                  the account's language (remembered)
    GET  /staff/accounts                  admin: accounts; POST adds one
    POST /staff/accounts/<id>/disable     admin
    POST /staff/accounts/<id>/reset       admin: a new setup link
    GET  /staff/audit                     admin: the audit log, newest first, filtered
    GET  /staff/static/...                the workspace's CSS and the site's fonts
    /staff/forms/..., /staff/search, /staff/submissions/...: the inbox (inbox.py)
    /staff/submissions/<ref>/{move,assign,note}, /staff/forms/<id>/enter: cases (casework.py)
    GET  /staff/reports/...               reports (reports.py)
    /staff/messages, /staff/account: failed messages, webhook deliveries, each account's
                                          e-mail choices (messages.py)

Around the routes, outermost first: security headers (web/protection.py, plus
no-store, a strict CSP and no-referrer here), a body size limit, then
asgi-csrf: every POST must carry the token of its cookie in the `csrftoken`
form field, or it is answered 403 before any route runs (and audited).
Pages an account may not see answer 404, as for pages that do not exist, and
the attempt is audited.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import re
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Mapping
from urllib.parse import quote

import anyio
from asgi_csrf import asgi_csrf, cookies_from_scope
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
from generator.forms import Form
from generator.submissions.db.accounts import AccountRow
from generator.submissions.notices import OutboxPlanner
from generator.submissions.secure_store import open_secure_store
from generator.submissions.store import Store
from generator.web import protection

from . import pages
from .accounts import ROLES, AccountError, Accounts, Clock, describe, utc_clock, visible_forms
from .casework import Casework
from .inbox import Inbox
from .messages import Messages
from .reports import Reports
from .sessions import COOKIE, Current, Sessions, cookie_header

STATIC_DIR = PROJECT_ROOT / "templates" / "staff" / "static"
FONT_DIRS = ("assets/fonts",)  # inside the built site
FONT_PACKAGE = PROJECT_ROOT / "node_modules" / "@fontsource" / "ibm-plex-sans-arabic" / "files"
_FONT_NAME = re.compile(r"ibm-plex-sans-arabic-[a-z]+-[0-9]{3}-normal\.woff2")
_NEXT = re.compile(r"/staff/[A-Za-z0-9/_.\-?=&%]*")
HEADERS = (
    ("Cache-Control", "no-store"),
    ("Content-Security-Policy", protection.strict_content_security_policy()),
    ("Referrer-Policy", "no-referrer"),
)


class AllPaths:
    """asgi-csrf's `always_protect`: every path (it skips the check for a POST without
    cookies unless the path is "in" this; a sign-in post must be checked too)."""

    def __contains__(self, path: object) -> bool:
        return True


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
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)


class BodyLimit:
    """413 for a body over the limit (declared, or found while reading it), before
    asgi-csrf reads the whole body into memory; the body read is replayed to the app."""

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
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await Response("Payload Too Large", status_code=413)(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


def safe_next(value: str | None) -> str:
    """Where to go after sign-in: a path of the workspace only (never another site)."""
    if value and _NEXT.fullmatch(value) and "//" not in value and "/.." not in value:
        return value
    return "/staff/"


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class Workspace:
    """The state one running workspace shares between requests."""

    def __init__(self, *, settings: StaffSettings, forms: Mapping[str, Form], store: Store | None = None,
                 clock: Clock = utc_clock, hasher: Any = None) -> None:
        self.settings, self.forms, self.clock = settings, dict(forms), clock
        self.owns_store = store is None
        # A store passed in comes with its opener's planner (`run`: the endpoint's, one per
        # process); a store of its own gets the one the forms and e-mail settings call for, so
        # a change made here queues what it causes, for `notify run` to deliver.
        self.store = store or open_secure_store(
            settings, forms, planner=OutboxPlanner.if_needed(forms, email=settings.notify_email), create_keys=True)
        self.accounts = Accounts(self.store, self.store.codec.keys, settings, clock=clock, hasher=hasher)
        self.sessions = Sessions(self.store, settings, clock)
        self.limiter = protection.RateLimiter(*settings.sign_in_limit) if settings.sign_in_limit else None
        self.inbox = Inbox(self)
        self.casework = Casework(self)

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(self.store.migrate)
        try:
            yield
        finally:
            if self.owns_store:  # a store passed in belongs to its opener (`run`: the endpoint)
                self.store.close()

    # -- helpers ----------------------------------------------------------------

    @staticmethod
    async def run(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Database and argon2 work off the event loop."""
        return await anyio.to_thread.run_sync(lambda: function(*args, **kwargs))

    def page(self, request: Request, template: str, lang: str, *, status: int = 200,
             current: Current | None = None, **values: Any) -> HTMLResponse:
        csrf = request.scope["csrftoken"]() if "csrftoken" in request.scope else ""
        account = current.account if current else None
        digits = self.inbox.digits()  # content/settings.yml's arabic_digits, as the dates follow
        values.setdefault("number", lambda value: i18n.localise_digits(str(value), lang, digits))
        html = pages.render(template, lang, csrf=csrf, account=account, path=request.url.path,
                            is_admin=bool(account and account.role == "admin"), **values)
        return HTMLResponse(html, status_code=status)

    @staticmethod
    def page_fragment(template: str, lang: str, **values: Any) -> str:
        """A piece of a page (templates/staff/_*.html) rendered on its own."""
        return pages.render(template, lang, **values)

    def redirect(self, url: str, *, cookie: str | None = None) -> RedirectResponse:
        response = RedirectResponse(url, status_code=303)
        if cookie is not None:
            response.headers.append("Set-Cookie", cookie)
        return response

    def not_found(self, request: Request, lang: str, current: Current | None = None) -> HTMLResponse:
        return self.page(request, "problem.html", lang, status=404, current=current, problem="not-found")

    async def signed_in(self, request: Request) -> tuple[Current | None, Response | None]:
        """The signed-in account, or the response that sends the person to sign in."""
        token = request.cookies.get(COOKIE)
        current, why, email = await self.run(self.sessions.current, token)
        if current is not None:
            return current, None
        if why in ("expired-idle", "expired-absolute"):
            await self.run(self.accounts.audit, email or "unknown", "staff-session-expired", why)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        url = f"/staff/sign-in?next={quote(safe_next(target), safe='/')}"
        if why:
            url += "&ended=1"
        response = self.redirect(url)
        if token:
            response.headers.append("Set-Cookie", cookie_header(self.settings, "", max_age=0))
        return None, response

    async def refuse(self, request: Request, current: Current, what: str) -> Response:
        """A page this account may not see: 404, as if it did not exist, and an audit row."""
        await self.run(self.accounts.audit, current.account.email, "staff-refused",
                       f"{request.method} {request.url.path} ({what})")
        return self.not_found(request, current.account.language, current)

    def signed_out_lang(self, request: Request) -> str:
        lang = request.query_params.get("lang", "")
        return lang if lang in i18n.LANGUAGE_CODES else i18n.DEFAULT_LANGUAGE.code

    async def form_data(self, request: Request) -> dict[str, str]:
        form = await request.form()
        return {key: value for key, value in form.items() if isinstance(value, str)}

    def limited(self, request: Request) -> bool:
        return bool(self.limiter and self.limiter.check(_client(request)))

    # -- sign-in and out ------------------------------------------------------------

    async def sign_in_page(self, request: Request) -> Response:
        lang = self.signed_out_lang(request)
        return self.page(request, "sign_in.html", lang, next=safe_next(request.query_params.get("next")),
                         ended=request.query_params.get("ended") == "1", problem=None, email="")

    async def sign_in(self, request: Request) -> Response:
        lang = self.signed_out_lang(request)
        data = await self.form_data(request)
        target = safe_next(data.get("next"))
        if self.limited(request):
            await self.run(self.accounts.audit, "unknown", "staff-sign-in-failure",
                           f"client over the sign-in limit client={_client(request)}")
            return self.page(request, "sign_in.html", lang, status=429, next=target, ended=False,
                             problem=pages.problem_text("sign-in-failed", lang), email=data.get("email", ""))
        result = await self.run(self.accounts.sign_in, data.get("email", ""), data.get("password", ""),
                                data.get("code", ""), client=_client(request))
        if result.account is None:
            return self.page(request, "sign_in.html", lang, status=400, next=target, ended=False,
                             problem=pages.problem_text("sign-in-failed", lang), email=data.get("email", ""))
        # A new session id at every sign-in; any session the browser had is ended.
        old, _, _ = await self.run(self.sessions.current, request.cookies.get(COOKIE))
        if old is not None:
            await self.run(self.sessions.end, old)
        token = await self.run(self.sessions.start, result.account)
        await self.run(self.accounts.audit, result.account.email, "staff-sign-in",
                       f"{'recovery code' if result.used_recovery_code else 'code'} client={_client(request)}")
        return self.redirect(target, cookie=cookie_header(self.settings, token))

    async def sign_out(self, request: Request) -> Response:
        current, response = await self.signed_in(request)
        if current is None:
            return self.redirect("/staff/sign-in")
        await self.run(self.sessions.end, current)
        await self.run(self.accounts.audit, current.account.email, "staff-sign-out", "")
        return self.redirect(f"/staff/sign-in?lang={current.account.language}&signed_out=1",
                             cookie=cookie_header(self.settings, "", max_age=0))

    # -- setup links ------------------------------------------------------------------------

    async def setup_page(self, request: Request) -> Response:
        lang = self.signed_out_lang(request)
        token = request.path_params["token"]
        setup = await self.run(self.accounts.setup, token, client=_client(request))
        if setup is None:
            return self.page(request, "problem.html", lang, status=404, problem="link-invalid")
        return self.setup_form(request, lang, setup, problems=[])

    def setup_form(self, request: Request, lang: str, setup: Any, problems: list[str], status: int = 200) -> Response:
        uri = self.accounts.provisioning_uri(setup.account, setup.secret)
        qr = pages.qr_svg(uri, i18n.gettext(lang, "QR code for your authenticator app"))
        grouped = " ".join(setup.secret[i:i + 4] for i in range(0, len(setup.secret), 4))
        return self.page(request, "setup.html", lang, status=status, setup_account=setup.account, qr=qr,
                         secret=grouped, problems=[pages.problem_text(p, lang) for p in problems],
                         problem_codes=problems)

    async def setup(self, request: Request) -> Response:
        lang = self.signed_out_lang(request)
        token = request.path_params["token"]
        if self.limited(request):
            return self.page(request, "problem.html", lang, status=429, problem="rate-limited")
        data = await self.form_data(request)
        setup = await self.run(self.accounts.setup, token, client=_client(request))
        if setup is None:
            return self.page(request, "problem.html", lang, status=404, problem="link-invalid")
        password, confirm = data.get("password", ""), data.get("password_confirm", "")
        if password != confirm:
            await self.run(self.accounts.audit, setup.account.email, "staff-setup-problem", "password-mismatch")
            return self.setup_form(request, lang, setup, ["password-mismatch"], status=400)
        try:
            codes = await self.run(self.accounts.complete_setup, token, setup, password, data.get("code", ""))
        except AccountError as exc:
            problems = str(exc).split()
            if problems == ["link-used"]:
                return self.page(request, "problem.html", lang, status=404, problem="link-invalid")
            return self.setup_form(request, lang, setup, problems, status=400)
        account = await self.run(self.store.account, id=setup.account.id)
        await self.run(self.store.update_account, account.id, language=lang)
        token_value = await self.run(self.sessions.start, account)
        await self.run(self.accounts.audit, account.email, "staff-sign-in", f"after setup client={_client(request)}")
        response = self.page(request, "recovery_codes.html", lang, codes=codes,
                             current=Current(account, ""))
        response.headers.append("Set-Cookie", cookie_header(self.settings, token_value))
        return response

    # -- signed-in pages ------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        current, response = await self.signed_in(request)
        if current is None:
            return response  # type: ignore[return-value]
        lang = current.account.language
        counts = await self.inbox.counts(current)
        shown = [{"id": form_id, "title": self.forms[form_id].title.get(lang, form_id), **counts[form_id]}
                 for form_id in visible_forms(current.account, sorted(self.forms))]
        return self.page(request, "home.html", lang, current=current, forms=shown,
                         may_read=current.account.role != "viewer")

    async def language(self, request: Request) -> Response:
        current, response = await self.signed_in(request)
        if current is None:
            return response  # type: ignore[return-value]
        data = await self.form_data(request)
        lang = data.get("lang", "")
        if lang in i18n.LANGUAGE_CODES and lang != current.account.language:
            await self.run(self.accounts.set_language, current.account, lang)
        return self.redirect(safe_next(data.get("next")))

    async def admin(self, request: Request) -> tuple[Current | None, Response | None]:
        current, response = await self.signed_in(request)
        if current is None:
            return None, response
        if current.account.role != "admin":
            return None, await self.refuse(request, current, "admin page, role " + current.account.role)
        return current, None

    async def accounts_page(self, request: Request, *, problem: str | None = None, link: str | None = None,
                            link_for: str | None = None, status: int = 200, values: dict[str, Any] | None = None,
                            current: Current | None = None) -> Response:
        if current is None:
            current, response = await self.admin(request)
            if current is None:
                return response  # type: ignore[return-value]
        lang = current.account.language
        now = self.clock()
        rows = [describe(account, now) for account in await self.run(self.store.accounts)]
        for row in rows:
            row["forms"] = [self.forms[f].title.get(lang, f) if f in self.forms else f for f in row["forms"]]
        forms = [{"id": f, "title": self.forms[f].title.get(lang, f)} for f in sorted(self.forms)]
        return self.page(request, "accounts.html", lang, status=status, current=current, rows=rows, forms=forms,
                         roles=ROLES, problem=pages.problem_text(problem, lang) if problem else None, link=link,
                         link_for=link_for, values=values or {})

    async def add_account(self, request: Request) -> Response:
        current, response = await self.admin(request)
        if current is None:
            return response  # type: ignore[return-value]
        form = await request.form()
        email = str(form.get("email", ""))
        values: dict[str, Any] = {"email": email, "name": str(form.get("name", "")),
                                  "role": str(form.get("role", "")), "forms": [str(f) for f in form.getlist("forms")]}
        try:
            link = await self.run(self.accounts.add, values["email"], name=values["name"], role=values["role"],
                                  forms=values["forms"], known_forms=sorted(self.forms), by=current.account.email)
        except AccountError as exc:
            code = "account-exists" if "already" in str(exc) else "account-invalid"
            return await self.accounts_page(request, problem=code, status=400, values=values, current=current)
        return await self.accounts_page(request, link=link, link_for=email.strip().lower(),
                                        current=current)

    async def change_account(self, request: Request) -> Response:
        current, response = await self.admin(request)
        if current is None:
            return response  # type: ignore[return-value]
        target: AccountRow | None = await self.run(self.store.account, id=int(request.path_params["account_id"]))
        if target is None or request.path_params["action"] not in ("disable", "reset"):
            return self.not_found(request, current.account.language, current)
        if request.path_params["action"] == "disable":
            await self.run(self.accounts.disable, target.email, by=current.account.email)
            return self.redirect("/staff/accounts")
        link = await self.run(self.accounts.reset, target.email, by=current.account.email)
        return await self.accounts_page(request, link=link, link_for=target.email, current=current)

    async def audit_page(self, request: Request) -> Response:
        current, response = await self.admin(request)
        if current is None:
            return response  # type: ignore[return-value]
        lang = current.account.language
        params = request.query_params
        actor = params.get("actor") or None
        action = params.get("action") or None
        since = until = None
        problem = False
        for name in ("from", "to"):
            text = params.get(name, "")
            if text:
                try:
                    day = dt.datetime.strptime(i18n.to_western_digits(text), "%Y-%m-%d").replace(
                        tzinfo=dt.timezone.utc)
                except ValueError:
                    problem = True
                    continue
                if name == "from":
                    since = day
                else:
                    until = day + dt.timedelta(days=1)
        from generator.submissions.audit import ACTIONS

        entries = await self.run(self.store.audit_page, actor=actor, action=action, since=since, until=until)
        actors = await self.run(self.store.audit_actors)
        shown = [{**entry, "at_text": entry["at"].strftime("%Y-%m-%d %H:%M:%S")} for entry in entries]
        return self.page(request, "audit.html", lang, current=current, entries=shown, actors=actors,
                         actions=ACTIONS, filters={"actor": actor or "", "action": action or "",
                                                   "from": params.get("from", ""), "to": params.get("to", "")},
                         date_problem=problem)

    async def missing(self, request: Request) -> Response:
        """Every other path under /staff/: 404 (after sign-in, so nothing is learnt without it)."""
        current, response = await self.signed_in(request)
        if current is None:
            return response  # type: ignore[return-value]
        return self.not_found(request, current.account.language, current)

    # -- files ----------------------------------------------------------------------------

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
        site = [self.settings.site_dir / d for d in FONT_DIRS] if self.settings.site_dir else []
        return [*site, FONT_PACKAGE]

    async def csrf_failed(self, scope: Scope, send: Send, message_id: Any) -> None:
        """asgi-csrf's answer to a POST without the right token: 403, nothing done, audited."""
        token = cookies_from_scope(scope).get(COOKIE)
        current, _, _ = await self.run(self.sessions.current, token)
        who = current.account.email if current else "unknown"
        await self.run(self.accounts.audit, who, "staff-csrf-refused", f"POST {scope.get('path', '')}")
        lang = current.account.language if current else i18n.DEFAULT_LANGUAGE.code
        html = pages.render("problem.html", lang, csrf="", account=current.account if current else None,
                            path=scope.get("path", ""), is_admin=False, problem="csrf")
        await HTMLResponse(html, status_code=403)(scope, _no_body, send)

    def routes(self) -> list[Route]:
        return [
            Route("/staff", lambda request: RedirectResponse("/staff/", status_code=308)),
            Route("/staff/", self.home, methods=["GET"]),
            Route("/staff/sign-in", self.sign_in_page, methods=["GET"]),
            Route("/staff/sign-in", self.sign_in, methods=["POST"]),
            Route("/staff/sign-out", self.sign_out, methods=["POST"]),
            Route("/staff/setup/{token}", self.setup_page, methods=["GET"]),
            Route("/staff/setup/{token}", self.setup, methods=["POST"]),
            Route("/staff/language", self.language, methods=["POST"]),
            Route("/staff/accounts", self.accounts_page, methods=["GET"]),
            Route("/staff/accounts", self.add_account, methods=["POST"]),
            Route("/staff/accounts/{account_id:int}/{action:str}", self.change_account, methods=["POST"]),
            Route("/staff/audit", self.audit_page, methods=["GET"]),
            Route("/staff/forms/{form_id}/", self.inbox.form_list, methods=["GET"]),
            Route("/staff/forms/{form_id}/spam", self.inbox.spam_list, methods=["GET"]),
            Route("/staff/forms/{form_id}/export", self.inbox.export, methods=["GET"]),
            Route("/staff/search", self.inbox.search, methods=["GET"]),
            Route("/staff/submissions/{reference}", self.inbox.submission, methods=["GET"]),
            Route("/staff/submissions/{reference}/print", self.inbox.print_view, methods=["GET"]),
            Route("/staff/submissions/{reference}/release", self.inbox.release, methods=["POST"]),
            Route("/staff/submissions/{reference}/delete", self.inbox.delete_page, methods=["GET"]),
            Route("/staff/submissions/{reference}/delete", self.inbox.delete, methods=["POST"]),
            Route("/staff/submissions/{reference}/move", self.casework.move, methods=["POST"]),
            Route("/staff/submissions/{reference}/assign", self.casework.assign, methods=["POST"]),
            Route("/staff/submissions/{reference}/note", self.casework.note, methods=["POST"]),
            Route("/staff/forms/{form_id}/enter", self.casework.enter_page, methods=["GET"]),
            Route("/staff/forms/{form_id}/enter", self.casework.enter, methods=["POST"]),
            Route("/staff/static/{name:path}", self.static, methods=["GET"]),
            *Reports(self).routes(),
            *Messages(self).routes(),
            Route("/staff/{rest:path}", self.missing, methods=["GET", "POST"]),
        ]


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


def create_app(*, settings: StaffSettings, forms: Mapping[str, Form], store: Store | None = None,
               clock: Clock = utc_clock, hasher: Any = None) -> Starlette:
    """The workspace; `clock` (aware UTC datetimes) and `hasher` (argon2 PasswordHasher) for tests."""
    workspace = Workspace(settings=settings, forms=forms, store=store, clock=clock, hasher=hasher)
    send_failed: Callable[[Scope, Send, Any], Awaitable[None]] = workspace.csrf_failed
    app = Starlette(
        routes=workspace.routes(),
        middleware=[
            Middleware(protection.SecurityHeaders),
            Middleware(StaffHeaders),
            Middleware(BodyLimit, max_bytes=settings.max_body_bytes),
            Middleware(asgi_csrf, cookie_path="/staff", cookie_secure=settings.secure_cookies,
                       cookie_samesite="Strict", always_protect=AllPaths(), send_csrf_failed=send_failed),
        ],
        lifespan=workspace.lifespan,
    )
    app.state.workspace = workspace
    return app
