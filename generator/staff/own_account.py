"""Each person's own account: their password, their sessions, their recovery codes.

    GET  /staff/account/security          the three, on one page
    POST /staff/account/password          a new password (the current one required); the
                                          other sessions of the account end
    POST /staff/account/sessions/end      end one of the account's sessions (its handle)
    POST /staff/account/recovery-codes    new recovery codes (the current password required),
                                          shown once; the old ones stop working

Every change is audited and told to the person by e-mail (account_changes.py).
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from generator.core import i18n

from . import account_changes, templates
from .accounts import AccountError
from .context import StaffContext
from .guards import require
from .request_data import form_data
from .sessions import Current, cookie_header, session_handle
from .wording import when


class OwnAccount:
    def __init__(self, ctx: StaffContext) -> None:
        self.ctx = ctx

    def routes(self) -> list[Route]:
        return [
            Route("/staff/account/security", self.security_page, methods=["GET"]),
            Route("/staff/account/password", self.change_password, methods=["POST"]),
            Route("/staff/account/sessions/end", self.end_session, methods=["POST"]),
            Route("/staff/account/recovery-codes", self.new_codes, methods=["POST"]),
        ]

    async def security_page(self, request: Request) -> Response:
        current = await require(self.ctx, request)
        done = request.query_params.get("done", "")
        return await self.page(request, current, done=done if done in ("password", "session") else "")

    async def page(self, request: Request, current: Current, *, done: str = "", problems: tuple[str, ...] = (),
                   problem_for: str = "", status: int = 200) -> Response:
        ctx = self.ctx
        lang = current.account.language
        rows = await ctx.run(ctx.sessions.listing, current)
        unknown = i18n.gettext(lang, "unknown")
        sessions = [{"handle": session_handle(row.digest), "this": row.digest == current.digest,
                     "started": when(ctx, row.created_at, lang), "seen": when(ctx, row.last_seen, lang),
                     "browser": row.device.partition(",")[0] or unknown,
                     "system": row.device.partition(",")[2] or unknown} for row in rows]
        codes_left = await ctx.run(ctx.store.unused_recovery_codes, current.account.id)
        return ctx.pages.page(request, "security.html", lang, status=status, current=current, sessions=sessions,
                              done=done, problems=[templates.problem_text(p, lang, ctx.digits) for p in problems],
                              problem_for=problem_for, codes_left=codes_left)

    async def change_password(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request)
        data = await form_data(request)
        try:
            await ctx.run(account_changes.change_password, ctx.accounts, current.account,
                          current=data.get("current_password", ""), new=data.get("password", ""),
                          confirm=data.get("password_confirm", ""), keep_session=current.digest)
        except AccountError as exc:
            return await self.page(request, current, problems=tuple(str(exc).split()), problem_for="password",
                                   status=400)
        return ctx.pages.redirect("/staff/account/security?done=password")

    async def end_session(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request)
        data = await form_data(request)
        ended = await ctx.run(ctx.sessions.end_by_handle, current, data.get("session", ""))
        if ended is None:  # already ended, expired, or never this account's
            return ctx.pages.redirect("/staff/account/security")
        await ctx.run(ctx.audit, current.account.email, "staff-session-end",
                      "this session" if ended.digest == current.digest else "another session")
        if ended.digest == current.digest:
            return ctx.pages.redirect(f"/staff/sign-in?lang={current.account.language}&signed_out=1",
                                      cookie=cookie_header(ctx.settings, "", max_age=0))
        return ctx.pages.redirect("/staff/account/security?done=session")

    async def new_codes(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request)
        data = await form_data(request)
        try:
            codes = await ctx.run(account_changes.renew_recovery_codes, ctx.accounts, current.account,
                                  current=data.get("current_password", ""))
        except AccountError as exc:
            return await self.page(request, current, problems=tuple(str(exc).split()), problem_for="codes",
                                   status=400)
        return ctx.pages.page(request, "recovery_codes.html", current.account.language, codes=codes,
                              current=current, renewed=True)
