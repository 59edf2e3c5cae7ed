"""Signing in and out, and the setup links that set a password and enrol the second factor.

    GET  /staff/sign-in?next=...          sign-in (e-mail, password, code or recovery code)
    POST /staff/sign-in
    POST /staff/sign-out
    GET  /staff/setup/<token>             set a password and enrol the second factor
    POST /staff/setup/<token>             (then the recovery codes, shown once)

Sign-in and setup posts, and setup-link pages, are limited per client address
(settings.sign_in_limit), counted in the database so the limit holds across replicas;
every outcome is audited (accounts.py writes the failures), refusals to people not
signed in once per client and minute with a count.
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from generator.core import i18n
from generator.web import protection

from . import templates
from .accounts import AccountError, Setup
from .context import StaffContext
from .guards import SignInFirst, require, safe_next
from .request_data import form_data, signed_out_lang
from .sessions import Current, cookie_header


class SignInPages:
    def __init__(self, ctx: StaffContext) -> None:
        self.ctx = ctx

    def routes(self) -> list[Route]:
        return [
            Route("/staff/sign-in", self.sign_in_page, methods=["GET"]),
            Route("/staff/sign-in", self.sign_in, methods=["POST"]),
            Route("/staff/sign-out", self.sign_out, methods=["POST"]),
            Route("/staff/setup/{token}", self.setup_page, methods=["GET"]),
            Route("/staff/setup/{token}", self.setup, methods=["POST"]),
        ]

    async def limited(self, request: Request) -> bool:
        ctx = self.ctx
        wait = await ctx.run(ctx.limited, "sign-in", protection.client_address(request), ctx.settings.sign_in_limit)
        return wait is not None

    # -- sign-in and out ------------------------------------------------------------

    async def sign_in_page(self, request: Request) -> Response:
        lang = signed_out_lang(request)
        return self.ctx.pages.page(request, "sign_in.html", lang, next=safe_next(request.query_params.get("next")),
                                   ended=request.query_params.get("ended") == "1", problem=None, email="")

    async def sign_in(self, request: Request) -> Response:
        ctx = self.ctx
        lang = signed_out_lang(request)
        data = await form_data(request)
        target = safe_next(data.get("next"))
        if await self.limited(request):
            client = protection.client_address(request)
            await ctx.run(ctx.audit_refusal, "unknown", "staff-sign-in-failure", client,
                          f"client over the sign-in limit client={client}", kind="limit")
            return ctx.pages.page(request, "sign_in.html", lang, status=429, next=target, ended=False,
                                  problem=templates.problem_text("sign-in-failed", lang, ctx.digits),
                                  email=data.get("email", ""))
        result = await ctx.run(ctx.accounts.sign_in, data.get("email", ""), data.get("password", ""),
                               data.get("code", ""), client=protection.client_address(request))
        if result.account is None:
            return ctx.pages.page(request, "sign_in.html", lang, status=400, next=target, ended=False,
                                  problem=templates.problem_text("sign-in-failed", lang, ctx.digits),
                                  email=data.get("email", ""))
        # A new session id at every sign-in; any session the browser had is ended.
        # Its forms' tokens are bound to the new session from now on (form_tokens.py).
        old, _, _ = await ctx.run(ctx.sessions.current, request.cookies.get(ctx.sessions.cookies.session))
        if old is not None:
            await ctx.run(ctx.sessions.end, old)
        token = await ctx.run(ctx.sessions.start, result.account, request.headers.get("user-agent", ""))
        used = "recovery code" if result.used_recovery_code else "code"
        await ctx.run(ctx.audit, result.account.email, "staff-sign-in",
                      f"{used} client={protection.client_address(request)}")
        response = ctx.pages.redirect(target, cookie=cookie_header(ctx.settings, token))
        response.headers.append("Set-Cookie", ctx.pages.tokens.end_before_sign_in())
        return response

    async def sign_out(self, request: Request) -> Response:
        ctx = self.ctx
        try:
            current = await require(ctx, request)
        except SignInFirst:  # no session to end: on to the sign-in page, without a `next`
            return ctx.pages.redirect("/staff/sign-in")
        await ctx.run(ctx.sessions.end, current)
        await ctx.run(ctx.audit, current.account.email, "staff-sign-out", "")
        return ctx.pages.redirect(f"/staff/sign-in?lang={current.account.language}&signed_out=1",
                                  cookie=cookie_header(ctx.settings, "", max_age=0))

    # -- setup links ------------------------------------------------------------------------

    async def setup_page(self, request: Request) -> Response:
        lang = signed_out_lang(request)
        token = request.path_params["token"]
        if await self.limited(request):
            return self.ctx.pages.page(request, "problem.html", lang, status=429, problem="rate-limited")
        setup = await self.ctx.run(self.ctx.accounts.setup, token, client=protection.client_address(request))
        if setup is None:
            return self.ctx.pages.page(request, "problem.html", lang, status=404, problem="link-invalid")
        return self.setup_form(request, lang, setup, problems=[])

    def setup_form(self, request: Request, lang: str, setup: Setup, problems: list[str],
                   status: int = 200) -> Response:
        uri = self.ctx.accounts.provisioning_uri(setup.account, setup.secret)
        qr = templates.qr_svg(uri, i18n.gettext(lang, "QR code for your authenticator app"))
        grouped = " ".join(setup.secret[i:i + 4] for i in range(0, len(setup.secret), 4))
        return self.ctx.pages.page(request, "setup.html", lang, status=status, setup_account=setup.account, qr=qr,
                                   secret=grouped,
                                   problems=[templates.problem_text(p, lang, self.ctx.digits) for p in problems],
                                   problem_codes=problems)

    async def setup(self, request: Request) -> Response:
        ctx = self.ctx
        lang = signed_out_lang(request)
        token = request.path_params["token"]
        if await self.limited(request):
            return ctx.pages.page(request, "problem.html", lang, status=429, problem="rate-limited")
        data = await form_data(request)
        setup = await ctx.run(ctx.accounts.setup, token, client=protection.client_address(request))
        if setup is None:
            return ctx.pages.page(request, "problem.html", lang, status=404, problem="link-invalid")
        password, confirm = data.get("password", ""), data.get("password_confirm", "")
        if password != confirm:
            await ctx.run(ctx.audit, setup.account.email, "staff-setup-problem", "password-mismatch")
            return self.setup_form(request, lang, setup, ["password-mismatch"], status=400)
        try:
            codes = await ctx.run(ctx.accounts.complete_setup, token, setup, password, data.get("code", ""))
        except AccountError as exc:
            problems = str(exc).split()
            if problems == ["link-used"]:
                return ctx.pages.page(request, "problem.html", lang, status=404, problem="link-invalid")
            return self.setup_form(request, lang, setup, problems, status=400)
        account = await ctx.run(ctx.store.account, id=setup.account.id)
        assert account is not None  # its setup was just completed
        await ctx.run(ctx.store.update_account, account.id, language=lang)
        token_value = await ctx.run(ctx.sessions.start, account, request.headers.get("user-agent", ""))
        await ctx.run(ctx.audit, account.email, "staff-sign-in",
                      f"after setup client={protection.client_address(request)}")
        response = ctx.pages.page(request, "recovery_codes.html", lang, codes=codes, current=Current(account, ""),
                                  session=token_value)
        response.headers.append("Set-Cookie", cookie_header(ctx.settings, token_value))
        response.headers.append("Set-Cookie", ctx.pages.tokens.end_before_sign_in())
        return response
