"""The admins' pages: accounts, and the audit log.

    GET  /staff/accounts                  the accounts; POST adds one (its setup link shown once)
    POST /staff/accounts/<id>/disable
    POST /staff/accounts/<id>/reset       a new setup link
    GET  /staff/audit                     the audit log, newest first, filtered

Anyone else gets 404, audited (guards.py).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from generator.core import i18n
from generator.submissions.audit import ACTIONS

from . import templates
from .accounts import ROLES, AccountError, describe
from .context import StaffContext
from .guards import NotFound, require
from .request_data import typed_number
from .sessions import Current


class AdminPages:
    def __init__(self, ctx: StaffContext) -> None:
        self.ctx = ctx

    def routes(self) -> list[Route]:
        return [
            Route("/staff/accounts", self.accounts_page, methods=["GET"]),
            Route("/staff/accounts", self.add_account, methods=["POST"]),
            Route("/staff/accounts/{account_id:int}/{action:str}", self.change_account, methods=["POST"]),
            Route("/staff/audit", self.audit_page, methods=["GET"]),
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
                              roles=ROLES, problem=templates.problem_text(problem, lang) if problem else None,
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
        account_id = typed_number(str(request.path_params["account_id"]))
        target = await ctx.run(ctx.store.account, id=account_id) if account_id is not None else None
        if target is None or request.path_params["action"] not in ("disable", "reset"):
            raise NotFound(current)
        if request.path_params["action"] == "disable":
            await ctx.run(ctx.accounts.disable, target.email, by=current.account.email)
            return ctx.pages.redirect("/staff/accounts")
        link = await ctx.run(ctx.accounts.reset, target.email, by=current.account.email)
        return await self.accounts(request, current, link=link, link_for=target.email)

    async def audit_page(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request, role="admin")
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
        entries = await ctx.run(ctx.store.audit_page, actor=actor, action=action, since=since, until=until)
        actors = await ctx.run(ctx.store.audit_actors)
        shown = [{**entry, "at_text": entry["at"].strftime("%Y-%m-%d %H:%M:%S")} for entry in entries]
        return ctx.pages.page(request, "audit.html", lang, current=current, entries=shown, actors=actors,
                              actions=ACTIONS, filters={"actor": actor or "", "action": action or "",
                                                        "from": params.get("from", ""), "to": params.get("to", "")},
                              date_problem=problem)
