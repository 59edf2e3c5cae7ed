"""Case handling in the workspace: move a case through its form's
workflow, assign it, add internal notes, and enter requests that arrived by
phone, in person, by letter, through social media or a branch office.

    POST /staff/submissions/<reference>/move    to, reason, note, version
    POST /staff/submissions/<reference>/assign  assignee ("" for no one), version
    POST /staff/submissions/<reference>/note    note
    POST /staff/submissions/<reference>/reopen  reason, version (admins only: others get 404)
    POST /staff/submissions/<reference>/due     due (a day, yyyy-mm-dd), reason, version
    POST /staff/submissions/<reference>/priority  priority (normal | urgent), version
    GET  /staff/forms/<form_id>/enter           the form as on the website, plus the channel
    POST /staff/forms/<form_id>/enter           stored with its channel and who entered it

The same people as the inbox: admins, and caseworkers on their own forms;
anyone else gets 404 (audited). Every change is audited with the reference
and the states, never a note's words. A change made against an older version
of the case (someone changed it meanwhile) is refused: the page shows the case
as it is now, keeps what the person typed, and says what happened.
"""
from __future__ import annotations

from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from generator.core import i18n
from generator.forms import (
    HONEYPOT_FIELD,
    KEY_FIELD,
    LANG_FIELD,
    NOTICE_FIELD,
    Form,
    group_posted,
    read_submission,
    render_form,
)
from generator.forms.staff_wording import for_staff
from generator.submissions import cases, notices
from generator.submissions.db.cases import CaseChanged
from generator.submissions.db.outbox import PlannedMessage
from generator.submissions.records import Submission

from .context import StaffContext
from .guards import NotFound, require, require_submission
from .request_data import INTEGER_MAX, form_data, typed_day, typed_number
from .sessions import Current
from .submission_page import NOTE_LIMIT, assignees, submission_page
from .wording import channels, form_title


class Casework:
    def __init__(self, ctx: StaffContext) -> None:
        self.ctx = ctx

    def routes(self) -> list[Route]:
        return [
            Route("/staff/submissions/{reference}/move", self.move, methods=["POST"]),
            Route("/staff/submissions/{reference}/assign", self.assign, methods=["POST"]),
            Route("/staff/submissions/{reference}/note", self.note, methods=["POST"]),
            Route("/staff/submissions/{reference}/reopen", self.reopen, methods=["POST"]),
            Route("/staff/submissions/{reference}/due", self.extend, methods=["POST"]),
            Route("/staff/submissions/{reference}/priority", self.priority, methods=["POST"]),
            Route("/staff/forms/{form_id}/enter", self.enter_page, methods=["GET"]),
            Route("/staff/forms/{form_id}/enter", self.enter, methods=["POST"]),
        ]

    # -- changes ------------------------------------------------------------------

    async def _case(self, request: Request) -> tuple[Current, Submission]:
        """A submission this account may see, of a form with a workflow."""
        current, sub = await require_submission(self.ctx, request)
        if self.ctx.forms[sub.form_id].workflow is None or sub.case_state is None:
            raise NotFound(current, "case of a form without a workflow")
        return current, sub

    async def move(self, request: Request) -> Response:
        ctx = self.ctx
        current, sub = await self._case(request)
        data = await form_data(request)
        form = ctx.forms[sub.form_id]
        to_state, reason = data.get("to", ""), data.get("reason") or None
        note = data.get("note", "")[:NOTE_LIMIT]
        typed = {"to": to_state, "reason": reason or "", "note": note}
        try:
            version = _version(data)
            messages = self.applicant_messages(form, sub, to_state, reason)
            await ctx.run(lambda: cases.move(ctx.store, form, sub, to_state=to_state, reason=reason,
                                             note=note, actor=current.account.email, messages=messages,
                                             expected_version=version, now=ctx.clock(), calendar=ctx.calendar))
        except cases.CaseProblem as problem:
            return await self.again(request, current, sub, problem.code, typed)
        except CaseChanged:
            return await self.again(request, current, sub, "changed", typed)
        await ctx.run(ctx.audit, current.account.email, "staff-case-move",
                      f"{sub.reference} {sub.case_state} -> {to_state}" + (f" reason={reason}" if reason else ""),
                      form_id=sub.form_id, rows=1)
        return ctx.pages.redirect(f"/staff/submissions/{sub.reference}?done=moved#case")

    def applicant_messages(self, form: Form, sub: Submission, to_state: str,
                           reason: str | None, *, always: bool = False) -> list[PlannedMessage]:
        """For a state marked notify_applicant, the applicant's message, queued with the move
        (only when notifications are on and the person gave an e-mail address): the state's
        public wording and, for a decline, its reason's. No answer, no note."""
        if form.workflow is None or to_state not in {s.id for s in form.workflow.states}:
            return []  # cases.move says what is wrong
        state = form.workflow.state(to_state)
        if not (state.notify_applicant or always):
            return []
        body = dict(state.public)
        if reason in {r.id for r in form.workflow.reasons}:
            public = form.workflow.reason(str(reason)).public
            body = {lang: f"{text}\n\n{public.get(lang, '')}" for lang, text in body.items()}
        notice = notices.StateNotice(state=state.id, subject=dict(state.public), body=body)
        return notices.state_change_messages(self.ctx.store, form, sub, notice)

    async def assign(self, request: Request) -> Response:
        ctx = self.ctx
        current, sub = await self._case(request)
        data = await form_data(request)
        assignee = data.get("assignee", "").strip().lower() or None
        if assignee is not None and assignee not in await assignees(ctx, sub):
            return await self.again(request, current, sub, "not-a-caseworker", {})
        try:
            await ctx.run(lambda: ctx.store.assign_case(
                sub.reference, expected_version=_version(data), assigned_to=assignee, at=ctx.clock(),
                actor=current.account.email))
        except CaseChanged:
            return await self.again(request, current, sub, "changed", {})
        await ctx.run(ctx.audit, current.account.email, "staff-case-assign",
                      f"{sub.reference} -> {assignee or 'no one'}", form_id=sub.form_id, rows=1)
        return ctx.pages.redirect(f"/staff/submissions/{sub.reference}?done=assigned#case")

    async def note(self, request: Request) -> Response:
        ctx = self.ctx
        current, sub = await self._case(request)
        data = await form_data(request)
        note = data.get("note", "").strip()[:NOTE_LIMIT]
        if not note:
            return await self.again(request, current, sub, "note-empty", {})
        await ctx.run(lambda: ctx.store.add_note(sub.reference, note=note, at=ctx.clock(),
                                                 actor=current.account.email))
        await ctx.run(ctx.audit, current.account.email, "staff-case-note", sub.reference, form_id=sub.form_id,
                      rows=1)
        return ctx.pages.redirect(f"/staff/submissions/{sub.reference}?done=noted#case")

    async def reopen(self, request: Request) -> Response:
        ctx = self.ctx
        current, sub = await self._case(request)
        if current.account.role != "admin":
            raise NotFound(current, "reopen, role " + current.account.role)
        data = await form_data(request)
        note = data.get("reason", "")[:NOTE_LIMIT]
        form = ctx.forms[sub.form_id]
        workflow = form.workflow
        assert workflow is not None  # _case
        messages = []
        if workflow.reopen_notify and workflow.reopen_to is not None:
            messages = self.applicant_messages(form, sub, workflow.reopen_to, None, always=True)
        try:
            await ctx.run(lambda: cases.reopen(ctx.store, form, sub, actor=current.account.email,
                                               expected_version=_version(data), now=ctx.clock(), note=note,
                                               calendar=ctx.calendar, messages=messages))
        except cases.CaseProblem as problem:
            return await self.again(request, current, sub, problem.code, {"reopen": note})
        except CaseChanged:
            return await self.again(request, current, sub, "changed", {"reopen": note})
        await ctx.run(ctx.audit, current.account.email, "staff-case-reopen",
                      f"{sub.reference} {sub.case_state} -> {workflow.reopen_to}", form_id=sub.form_id, rows=1)
        return ctx.pages.redirect(f"/staff/submissions/{sub.reference}?done=reopened#case")

    async def extend(self, request: Request) -> Response:
        ctx = self.ctx
        current, sub = await self._case(request)
        data = await form_data(request)
        note = data.get("reason", "")[:NOTE_LIMIT]
        typed = {"due": data.get("due", ""), "due_reason": note}
        day = typed_day(data.get("due"))
        try:
            if day is None:
                raise cases.CaseProblem("due-invalid")
            await ctx.run(lambda: cases.extend_due(ctx.store, sub, day=day, actor=current.account.email,
                                                   expected_version=_version(data), now=ctx.clock(), note=note,
                                                   calendar=ctx.calendar))
        except cases.CaseProblem as problem:
            return await self.again(request, current, sub, problem.code, typed)
        except CaseChanged:
            return await self.again(request, current, sub, "changed", typed)
        await ctx.run(ctx.audit, current.account.email, "staff-case-due", f"{sub.reference} due={day.isoformat()}",
                      form_id=sub.form_id, rows=1)
        return ctx.pages.redirect(f"/staff/submissions/{sub.reference}?done=extended#case")

    async def priority(self, request: Request) -> Response:
        ctx = self.ctx
        current, sub = await self._case(request)
        data = await form_data(request)
        priority = data.get("priority", "")
        try:
            await ctx.run(lambda: cases.set_priority(ctx.store, sub, priority=priority, actor=current.account.email,
                                                     expected_version=_version(data), now=ctx.clock()))
        except cases.CaseProblem as problem:
            return await self.again(request, current, sub, problem.code, {})
        except CaseChanged:
            return await self.again(request, current, sub, "changed", {})
        await ctx.run(ctx.audit, current.account.email, "staff-case-priority", f"{sub.reference} -> {priority}",
                      form_id=sub.form_id, rows=1)
        return ctx.pages.redirect(f"/staff/submissions/{sub.reference}?done=prioritised#case")

    async def again(self, request: Request, current: Current, sub: Submission, problem: str,
                    typed: dict[str, str]) -> Response:
        """The submission page as it is now, with the problem said and the typed words kept
        (409 when someone changed the case meanwhile, else 400)."""
        fresh = next(iter(await self.ctx.run(lambda: list(self.ctx.store.submissions(
            reference=sub.reference, status=None)))), sub)
        return await submission_page(self.ctx, request, current, fresh, status=409 if problem == "changed" else 400,
                                     case_problem=problem, typed=typed)

    # -- requests from other channels ------------------------------------------------

    async def _form(self, request: Request) -> tuple[Current, Form]:
        """A reader, and a form with a workflow that this account may see."""
        form_id = request.path_params["form_id"]
        current = await require(self.ctx, request, role="reader", form_id=form_id, what="enter a request for")
        form = self.ctx.forms[form_id]
        if form.workflow is None:
            raise NotFound(current, f"enter a request for {form_id}")
        return current, form

    async def enter_page(self, request: Request) -> Response:
        current, form = await self._form(request)
        return self.entry_page(request, current, form)

    def entry_page(self, request: Request, current: Current, form: Form, *, status: int = 200,
                   values: dict[str, Any] | None = None, errors: dict[str, Any] | None = None,
                   channel: str = "", answer_language: str | None = None) -> Response:
        ctx = self.ctx
        lang = current.account.language
        answer_language = answer_language or lang
        csrf, _ = ctx.pages.form_token(request)  # signed in: bound to the session, no cookie to set
        offered = channels(ctx, lang)
        channel_missing = errors is not None and channel not in dict(offered)
        extra = ctx.pages.fragment("_entry_fields.html", lang, csrf=csrf, channels=offered, channel=channel,
                                   channel_missing=channel_missing, answer_language=answer_language,
                                   languages=[(x.code, x.name) for x in i18n.LANGUAGES])
        more_errors = [{"text": i18n.gettext(lang, "Choose how the request was received."), "href": "#channel"}
                       ] if channel_missing else []
        # Both pieces come from our own autoescaping templates, so they are markup already.
        html = render_form(for_staff(form), lang, action=f"/staff/forms/{form.id}/enter", values=values,
                           errors=errors, privacy_url=f"/{'' if lang == 'ar' else 'en/'}forms/{form.id}/privacy/",
                           prefix=Markup(extra), more_errors=more_errors)
        return ctx.pages.page(request, "enter.html", lang, status=status, current=current, form_id=form.id,
                              form_title=form_title(ctx, form.id, lang), form_html=Markup(html))

    async def enter(self, request: Request) -> Response:
        ctx = self.ctx
        current, form = await self._form(request)
        posted = await request.form()
        data = group_posted([(k, v) for k, v in posted.multi_items() if isinstance(v, str)], form)
        channel = str(data.pop("channel", ""))
        answer_language = str(data.pop("answer_language", ""))
        if answer_language not in i18n.LANGUAGE_CODES:
            answer_language = current.account.language
        for name in ("csrftoken", LANG_FIELD, NOTICE_FIELD, KEY_FIELD, HONEYPOT_FIELD):
            data.pop(name, None)
        if channel not in dict(channels(ctx, current.account.language)):
            # Nothing is stored without its channel; the answers are checked all the same, so
            # every problem is said at once.
            errors = read_submission(form, data).errors
            return self.entry_page(request, current, form, status=400, values=data, errors=dict(errors),
                                   channel=channel, answer_language=answer_language)
        result = await ctx.run(lambda: cases.enter_request(
            ctx.store, form, data, channel=channel, entered_by=current.account.email,
            language=answer_language, now=ctx.clock(), calendar=ctx.calendar))
        if isinstance(result, dict):
            return self.entry_page(request, current, form, status=400, values=data, errors=result, channel=channel,
                                   answer_language=answer_language)
        await ctx.run(ctx.audit, current.account.email, "staff-case-enter", f"{result.reference} channel={channel}",
                      form_id=form.id, rows=1)
        return ctx.pages.redirect(f"/staff/submissions/{result.reference}?done=entered")


def _version(data: dict[str, str]) -> int:
    version = typed_number(data.get("version"), maximum=INTEGER_MAX)
    if version is None:  # a form from before versions, or tampered: show the case as it is
        raise CaseChanged("no version")
    return version

