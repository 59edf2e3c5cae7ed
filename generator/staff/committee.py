"""The print for the committee (issue 33): what the committee decides on, on A4 in either
direction: the answers, the case's state, due date (or when it closed), assignee and reasons,
and the timeline with its notes, staff named as their accounts name them (stored as e-mail
addresses: staff_names.py). Reading the notes this way is audited (staff-print-committee),
as the plain print view is (staff-print).

    GET /staff/submissions/<reference>/committee
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from generator.submissions.db.cases import CaseEvent
from generator.submissions.records import Submission

from .context import StaffContext
from .guards import require_submission
from .submission_page import described, files_of
from .wording import names_by_email, state_name, timeline_names, when


class CommitteePrint:
    def __init__(self, ctx: StaffContext) -> None:
        self.ctx = ctx

    def routes(self) -> list[Route]:
        return [Route("/staff/submissions/{reference}/committee", self.page, methods=["GET"])]

    async def page(self, request: Request) -> Response:
        ctx = self.ctx
        current, sub = await require_submission(ctx, request)
        lang = current.account.language
        await ctx.run(ctx.audit, current.account.email, "staff-print-committee", sub.reference,
                      form_id=sub.form_id, rows=1)
        names = await ctx.run(names_by_email, ctx.store)
        events = await ctx.run(ctx.store.case_events, sub.reference) if sub.case_state else []
        return ctx.pages.page(request, "committee.html", lang, current=current, **described(ctx, sub, lang, names),
                              **self.case(sub, events, names, lang), files=await files_of(ctx, sub, lang, names),
                              organisation=ctx.organisation.org("name", lang), printed=when(ctx, ctx.clock(), lang))

    def case(self, sub: Submission, events: list[CaseEvent], names: dict[str, str], lang: str) -> dict[str, Any]:
        ctx = self.ctx
        form = ctx.forms[sub.form_id]
        if form.workflow is None or sub.case_state is None:
            return {"case": None}
        reasons = {r.id: str(r.name.get(lang, r.id)) for r in form.workflow.reasons}

        actors = timeline_names(names, lang)

        def person(email: str | None) -> str:
            return actors.get(email, email) if email else ""

        timeline = [{"at": when(ctx, e.at, lang), "datetime": e.at.isoformat(), "actor": person(e.actor),
                     "kind": e.kind, "from": state_name(ctx, sub.form_id, e.from_state, lang),
                     "to": state_name(ctx, sub.form_id, e.to_state, lang),
                     "reason": reasons.get(e.reason, e.reason) if e.reason else "",
                     "assigned_to": person(e.assigned_to), "note": e.note,
                     "files": int(e.reason or 0) if e.kind == "documents-received" else 0} for e in events]
        return {"case": {"closed": when(ctx, sub.closed_at, lang), "assignee": person(sub.assigned_to),
                         "reasons": [t["reason"] for t in timeline if t["kind"] == "state" and t["reason"]],
                         "timeline": timeline}}
