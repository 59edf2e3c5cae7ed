"""Bulk changes from the list of requests: the rows ticked in the list's form assigned to
one person, or moved to one state, each by the same rules and with the same audit as a
change made on its own page (casework.py). No JavaScript: the boxes belong to the form.

    POST /staff/forms/<form_id>/bulk   reference (one per ticked row, at most a page),
                                       action=assign|move, assignee, to, reason, note

A row that may not change (not of this form, no case, a move its state does not allow,
a reason missing) is left as it is and counted; the list then says how many changed and
how many were left (numbers only in the address). Each case is changed at the version
read here, so a change made meanwhile by someone else is refused for that row.
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from generator.submissions import cases
from generator.submissions.db.cases import CaseChanged
from generator.submissions.db.inbox import PAGE_SIZE
from generator.submissions.records import Submission

from .accounts import visible_forms
from .casework import Casework
from .context import StaffContext
from .guards import NotFound, require
from .sessions import Current
from .submission_page import NOTE_LIMIT


async def form_assignees(ctx: StaffContext, form_id: str) -> list[tuple[str, str]]:
    """(e-mail, name) of the active admins and caseworkers of a form, by name."""
    accounts = await ctx.run(ctx.store.accounts)
    return sorted(((a.email, a.name or a.email) for a in accounts if not a.disabled
                   and a.role in ("admin", "caseworker") and form_id in visible_forms(a, sorted(ctx.forms))),
                  key=lambda pair: pair[1])


class Bulk:
    def __init__(self, ctx: StaffContext) -> None:
        self.ctx = ctx
        self.casework = Casework(ctx)  # the applicant's messages of a move, as one move queues them

    def routes(self) -> list[Route]:
        return [Route("/staff/forms/{form_id}/bulk", self.bulk, methods=["POST"])]

    async def bulk(self, request: Request) -> Response:
        ctx = self.ctx
        form_id = request.path_params["form_id"]
        current = await require(ctx, request, role="reader", form_id=form_id, what="bulk change of")
        form = ctx.forms[form_id]
        if form.workflow is None:
            raise NotFound(current, f"bulk change of {form_id}")
        posted = await request.form()
        refs = list(dict.fromkeys(str(v) for v in posted.getlist("reference") if isinstance(v, str)))[:PAGE_SIZE]
        data = {k: v for k, v in posted.items() if isinstance(v, str)}
        action = data.get("action", "")
        if action not in ("assign", "move") or not refs:
            return ctx.pages.redirect(f"/staff/forms/{form_id}/?done=bulk-none")
        if action == "assign":
            assignee = data.get("assignee", "").strip().lower() or None
            if assignee is not None and assignee not in dict(await form_assignees(ctx, form_id)):
                return ctx.pages.redirect(f"/staff/forms/{form_id}/?done=bulk-none")
        changed = 0
        for reference in refs:
            sub = await self._case(form_id, reference)
            if sub is None:
                continue
            try:
                if action == "assign":
                    await self._assign(current, sub, assignee)
                else:
                    await self._move(current, sub, data)
            except (cases.CaseProblem, CaseChanged):
                continue
            changed += 1
        return ctx.pages.redirect(f"/staff/forms/{form_id}/?done=bulk&changed={changed}&left={len(refs) - changed}")

    async def _case(self, form_id: str, reference: str) -> Submission | None:
        found = await self.ctx.run(lambda: list(self.ctx.store.submissions(reference=reference, status="accepted")))
        sub = found[0] if found else None
        return sub if sub is not None and sub.form_id == form_id and sub.case_state is not None else None

    async def _assign(self, current: Current, sub: Submission, assignee: str | None) -> None:
        ctx = self.ctx
        await ctx.run(lambda: ctx.store.assign_case(sub.reference, expected_version=sub.case_version,
                                                    assigned_to=assignee, at=ctx.clock(),
                                                    actor=current.account.email))
        await ctx.run(ctx.audit, current.account.email, "staff-case-assign",
                      f"{sub.reference} -> {assignee or 'no one'}", form_id=sub.form_id, rows=1)

    async def _move(self, current: Current, sub: Submission, data: dict[str, Any]) -> None:
        ctx = self.ctx
        form = ctx.forms[sub.form_id]
        to_state, reason = str(data.get("to", "")), str(data.get("reason", "")) or None
        note = str(data.get("note", ""))[:NOTE_LIMIT]
        messages = self.casework.applicant_messages(form, sub, to_state, reason)
        await ctx.run(lambda: cases.move(ctx.store, form, sub, to_state=to_state, reason=reason, note=note,
                                         actor=current.account.email, messages=messages,
                                         expected_version=sub.case_version, now=ctx.clock()))
        await ctx.run(ctx.audit, current.account.email, "staff-case-move",
                      f"{sub.reference} {sub.case_state} -> {to_state}" + (f" reason={reason}" if reason else ""),
                      form_id=sub.form_id, rows=1)
