"""The admins' pages: accounts (the audit log is audit_page.py).

    GET  /staff/accounts                  the accounts; POST adds one (its setup link shown once)
    GET  /staff/accounts/<id>             edit an account: name, role, forms
    POST /staff/accounts/<id>/edit        (audited with what they were and became)
    POST /staff/accounts/<id>/disable     (never the last enabled admin)
    POST /staff/accounts/<id>/enable      a disabled account works again
    POST /staff/accounts/<id>/reset       a new setup link

Anyone else gets 404, audited (guards.py).
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from generator.submissions.db.accounts import AccountRow

from . import account_changes, templates
from .accounts import AccountError, LastAdmin, describe
from .context import StaffContext
from .guards import NotFound, require
from .request_data import typed_number
from .roles import ROLES
from .sessions import Current


class AdminPages:
    def __init__(self, ctx: StaffContext) -> None:
        self.ctx = ctx

    def routes(self) -> list[Route]:
        return [
            Route("/staff/accounts", self.accounts_page, methods=["GET"]),
            Route("/staff/accounts", self.add_account, methods=["POST"]),
            Route("/staff/accounts/{account_id:int}", self.edit_page, methods=["GET"]),
            Route("/staff/accounts/{account_id:int}/{action:str}", self.change_account, methods=["POST"]),
        ]

    async def accounts_page(self, request: Request) -> Response:
        current = await require(self.ctx, request, role="admin")
        return await self.accounts(request, current)

    async def accounts(self, request: Request, current: Current, *, problem: str | None = None,
                       link: str | None = None, link_for: str | None = None, status: int = 200,
                       values: dict[str, Any] | None = None) -> Response:
        """The accounts page; after a change, with its problem or the new setup link."""
        ctx = self.ctx
        lang = current.account.language
        now = ctx.clock()
        rows = [describe(account, now) for account in await ctx.run(ctx.store.accounts)]
        for row in rows:
            row["forms"] = [ctx.forms[f].title.get(lang, f) if f in ctx.forms else f for f in row["forms"]]
        forms = [{"id": f, "title": ctx.forms[f].title.get(lang, f)} for f in sorted(ctx.forms)]
        return ctx.pages.page(request, "accounts.html", lang, status=status, current=current, rows=rows, forms=forms,
                              roles=ROLES, role_names=templates.role_names(lang),
                              problem=templates.problem_text(problem, lang, ctx.digits) if problem else None,
                              link=link, link_for=link_for, values=values or {})

    async def add_account(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request, role="admin")
        form = await request.form()
        email = str(form.get("email", ""))
        values: dict[str, Any] = {"email": email, "name": str(form.get("name", "")),
                                  "role": str(form.get("role", "")), "forms": [str(f) for f in form.getlist("forms")]}
        try:
            link = await ctx.run(ctx.accounts.add, values["email"], name=values["name"], role=values["role"],
                                 forms=values["forms"], known_forms=sorted(ctx.forms), by=current.account.email)
        except AccountError as exc:
            code = "account-exists" if "already" in str(exc) else "account-invalid"
            return await self.accounts(request, current, problem=code, status=400, values=values)
        return await self.accounts(request, current, link=link, link_for=email.strip().lower())

    async def change_account(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request, role="admin")
        target = await self.target(request, current)
        action = request.path_params["action"]
        if action not in ("disable", "enable", "reset", "edit"):
            raise NotFound(current)
        if action == "edit":
            return await self.edit(request, current, target)
        if action == "enable":
            await ctx.run(account_changes.enable, ctx.accounts, target.email, by=current.account.email)
            return ctx.pages.redirect("/staff/accounts")
        if action == "disable":
            try:
                await ctx.run(ctx.accounts.disable, target.email, by=current.account.email)
            except LastAdmin:
                return await self.accounts(request, current, problem="last-admin", status=409)
            return ctx.pages.redirect("/staff/accounts")
        link = await ctx.run(ctx.accounts.reset, target.email, by=current.account.email)
        return await self.accounts(request, current, link=link, link_for=target.email)

    async def target(self, request: Request, current: Current) -> AccountRow:
        """The account of the path's id, or 404 (an id too large for the database too)."""
        account_id = typed_number(str(request.path_params["account_id"]))
        target = await self.ctx.run(self.ctx.store.account, id=account_id) if account_id is not None else None
        if target is None:
            raise NotFound(current)
        return target

    async def edit_page(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request, role="admin")
        target = await self.target(request, current)
        return self.edit_form(request, current, target, {"name": target.name, "role": target.role,
                                                         "forms": list(target.forms)})

    def edit_form(self, request: Request, current: Current, target: AccountRow, values: dict[str, Any], *,
                  problem: str | None = None, status: int = 200) -> Response:
        ctx = self.ctx
        lang = current.account.language
        forms = [{"id": f, "title": ctx.forms[f].title.get(lang, f)} for f in sorted(ctx.forms)]
        return ctx.pages.page(request, "account_edit.html", lang, status=status, current=current, edited=target,
                              values=values, forms=forms, roles=ROLES, role_names=templates.role_names(lang),
                              problem=templates.problem_text(problem, lang, ctx.digits) if problem else None)

    async def edit(self, request: Request, current: Current, target: AccountRow) -> Response:
        ctx = self.ctx
        form = await request.form()
        values: dict[str, Any] = {"name": str(form.get("name", "")), "role": str(form.get("role", "")),
                                  "forms": [str(f) for f in form.getlist("forms")]}
        try:
            await ctx.run(account_changes.edit, ctx.accounts, target.id, name=values["name"], role=values["role"],
                          forms=values["forms"], known_forms=sorted(ctx.forms), by=current.account.email)
        except AccountError as exc:
            code = "last-admin" if isinstance(exc, LastAdmin) else "account-invalid"
            return self.edit_form(request, current, target, values, problem=code, status=409 if code == "last-admin"
                                  else 400)
        if target.id == current.account.id and values["role"] != "admin":  # no longer sees the accounts page
            return ctx.pages.redirect("/staff/")
        return ctx.pages.redirect("/staff/accounts")
