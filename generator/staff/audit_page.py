"""The audit log for admins, in words (audit_words.py), newest first, a page at a time.

    GET  /staff/audit?actor=&action=&from=&to=&before=

Paging is by keyset: `before` is the id of the last row shown, so every page costs one
indexed query however far back it is, and the filters (person, action, local days
from and to) apply to the whole log, not only to the rows of one page. A row that
stands for refusals counted once a minute (submissions/db/limit_counts.py) says how
many. Anyone but an admin gets 404, audited (guards.py).
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from generator.core import i18n
from generator.submissions.audit import ACTIONS

from . import audit_words, wording
from .context import StaffContext
from .guards import may_see, require
from .sessions import Current

PAGE_SIZE = 50


class AuditPage:
    def __init__(self, ctx: StaffContext) -> None:
        self.ctx = ctx

    def routes(self) -> list[Route]:
        return [Route("/staff/audit", self.audit_page, methods=["GET"])]

    async def audit_page(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request, role="admin")
        lang = current.account.language
        params = request.query_params
        filters = {name: params.get(name, "") for name in ("actor", "action", "from", "to")}
        days: dict[str, dt.datetime] = {}
        problem = False
        for name in ("from", "to"):
            if filters[name]:
                try:
                    day = dt.date.fromisoformat(i18n.to_western_digits(filters[name]).strip())
                except ValueError:
                    problem = True
                    continue
                # the organisation's days, as every other page shows them
                days[name] = dt.datetime.combine(day + dt.timedelta(days=1 if name == "to" else 0), dt.time(),
                                                 tzinfo=ctx.zone)
        before_text = i18n.to_western_digits(params.get("before", "")).strip()
        before = int(before_text) if before_text.isascii() and before_text.isdigit() and len(before_text) < 19 \
            else None
        rows = await ctx.run(ctx.store.audit_page, actor=filters["actor"] or None, action=filters["action"] or None,
                             since=days.get("from"), until=days.get("to"), before=before, limit=PAGE_SIZE + 1)
        names = {account.email: account.name for account in await ctx.run(ctx.store.accounts)}
        actors = await ctx.run(ctx.store.audit_actors)
        older = ""
        if len(rows) > PAGE_SIZE:
            rows = rows[:PAGE_SIZE]
            older = "/staff/audit?" + urlencode({**{k: v for k, v in filters.items() if v}, "before": rows[-1]["id"]})
        newest = ""
        if before is not None:
            kept = {k: v for k, v in filters.items() if v}
            newest = "/staff/audit" + ("?" + urlencode(kept) if kept else "")
        return ctx.pages.page(
            request, "audit.html", lang, current=current, entries=[self.entry(row, lang, names, current)
                                                                   for row in rows],
            actors=sorted(((a, audit_words.actor_name(a, lang, names)) for a in actors), key=lambda p: p[1]),
            actions=sorted(((a, audit_words.action_name(a, lang)) for a in ACTIONS), key=lambda p: p[1]),
            filters=filters, date_problem=problem, older=older, newest=newest, page_size=PAGE_SIZE)

    def entry(self, row: dict[str, Any], lang: str, names: dict[str, str], current: Current) -> dict[str, Any]:
        ctx = self.ctx
        form_id = row["form_id"]
        visible = bool(form_id) and form_id in ctx.forms and may_see(ctx, current, form_id)
        parts = audit_words.detail_parts(row["action"], row["detail"] or "", lang,
                                         lambda value: wording.when(ctx, value, lang))
        return {
            "at": wording.when(ctx, row["at"], lang),
            "actor": audit_words.actor_name(row["actor"], lang, names),
            "action": audit_words.action_name(row["action"], lang),
            "form": wording.form_title(ctx, form_id, lang) if form_id else "",
            "parts": [{"label": p.label, "value": p.value,
                       "href": f"/staff/submissions/{p.reference}" if p.reference and visible else ""}
                      for p in parts],
            "rows": row["rows"],
            "count": row["count"],
        }
