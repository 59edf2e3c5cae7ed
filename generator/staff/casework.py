"""Case handling in the workspace (issue 19): move a case through its form's
workflow, assign it, add internal notes, and enter requests that arrived by
phone, in person, by letter, through social media or a branch office.

    POST /staff/submissions/<reference>/move    to, reason, note, version
    POST /staff/submissions/<reference>/assign  assignee ("" for no one), version
    POST /staff/submissions/<reference>/note    note
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

from generator.core import i18n
from generator.forms import HONEYPOT_FIELD, LANG_FIELD, NOTICE_FIELD, Form, group_posted, read_submission, render_form
from generator.submissions import cases, notices
from generator.submissions.db.cases import CaseChanged

from .accounts import visible_forms
from .report_activity import channel_names
from .sessions import Current

NOTE_LIMIT = 4000  # characters: a note is a summary, not a file


class Casework:
    def __init__(self, workspace: Any) -> None:
        self.ws = workspace
        self.inbox = workspace.inbox
        self.channel_names = channel_names(workspace.settings.root)  # content/channels.yml, read once

    # -- what the submission page shows ------------------------------------------------

    async def view(self, sub: Any, lang: str, current: Current) -> dict[str, Any]:
        """The case box of the submission page: state, due date, assignee, the timeline
        (notes decrypted: the page view is audited) and the controls."""
        form: Form = self.ws.forms[sub.form_id]
        if form.workflow is None or sub.case_state is None:
            return {"case": None}
        workflow = form.workflow
        events = await self.ws.run(self.ws.store.case_events, sub.reference)
        timeline = [{"at": self.inbox.when(e.at, lang), "actor": e.actor, "kind": e.kind,
                     "from": self.inbox.state_name(sub.form_id, e.from_state, lang),
                     "to": self.inbox.state_name(sub.form_id, e.to_state, lang),
                     "reason": _name(workflow.reasons, e.reason, lang), "assigned_to": e.assigned_to,
                     "note": e.note} for e in events]
        state = workflow.state(sub.case_state)
        assignees = await self.assignees(sub)
        return {"case": {
            "version": sub.case_version, "closed": state.closed,
            "next": [{"id": s, "name": self.inbox.state_name(sub.form_id, s, lang),
                      "needs": workflow.state(s).needs} for s in state.next],
            "reasons": [{"id": r.id, "name": r.name.get(lang, r.id)} for r in workflow.reasons],
            "assignees": assignees, "me": current.account.email, "timeline": timeline,
            "channel": self.channel_name(sub.channel, lang), "entered_by": sub.entered_by,
            "note_limit": NOTE_LIMIT}}

    async def assignees(self, sub: Any) -> list[str]:
        """Who a case may be assigned to: the active admins and caseworkers of its form
        (and whoever has it now)."""
        accounts = await self.ws.run(self.ws.store.accounts)
        return sorted({a.email for a in accounts if not a.disabled and a.role in ("admin", "caseworker")
                       and sub.form_id in visible_forms(a, sorted(self.ws.forms))} | (
                          {sub.assigned_to} if sub.assigned_to else set()))

    def channels(self, lang: str) -> list[tuple[str, str]]:
        """The policy's channels (content/channels.yml) but the website: (id, name)."""
        return [(id_, names[lang]) for id_, names in self.channel_names.items() if id_ != "website"]

    def channel_name(self, channel: str, lang: str) -> str:
        if channel in self.channel_names:
            return self.channel_names[channel][lang]
        return i18n.gettext(lang, "The website") if channel == "website" else channel

    # -- changes ------------------------------------------------------------------

    async def _case(self, request: Request) -> tuple[Current | None, Any, Response | None]:
        current, sub, response = await self.inbox._submission(request)
        if current is None:
            return None, None, response
        if self.ws.forms[sub.form_id].workflow is None or sub.case_state is None:
            return None, None, await self.ws.refuse(request, current, "case of a form without a workflow")
        return current, sub, None

    async def move(self, request: Request) -> Response:
        current, sub, response = await self._case(request)
        if current is None:
            return response  # type: ignore[return-value]
        data = await self.ws.form_data(request)
        form = self.ws.forms[sub.form_id]
        to_state, reason = data.get("to", ""), data.get("reason") or None
        note = data.get("note", "")[:NOTE_LIMIT]
        typed = {"to": to_state, "reason": reason or "", "note": note}
        try:
            version = _version(data)
            messages = self.applicant_messages(form, sub, to_state, reason)
            await self.ws.run(lambda: cases.move(self.ws.store, form, sub, to_state=to_state, reason=reason,
                                                 note=note, actor=current.account.email, messages=messages,
                                                 expected_version=version, now=self.ws.clock()))
        except cases.CaseProblem as problem:
            return await self.again(request, current, sub, problem.code, typed)
        except CaseChanged:
            return await self.again(request, current, sub, "changed", typed)
        await self.ws.run(self.inbox.audit, current.account.email, "staff-case-move", sub.form_id,
                          f"{sub.reference} {sub.case_state} -> {to_state}" + (f" reason={reason}" if reason else ""))
        return self.ws.redirect(f"/staff/submissions/{sub.reference}?done=moved#case")

    def applicant_messages(self, form: Form, sub: Any, to_state: str, reason: str | None) -> list[Any]:
        """For a state marked notify_applicant, the applicant's message, queued with the move
        (only when notifications are on and the person gave an e-mail address): the state's
        public wording and, for a decline, its reason's. No answer, no note."""
        if form.workflow is None or to_state not in {s.id for s in form.workflow.states}:
            return []  # cases.move says what is wrong
        state = form.workflow.state(to_state)
        if not state.notify_applicant:
            return []
        body = dict(state.public)
        if reason in {r.id for r in form.workflow.reasons}:
            public = form.workflow.reason(str(reason)).public
            body = {lang: f"{text}\n\n{public.get(lang, '')}" for lang, text in body.items()}
        notice = notices.StateNotice(state=state.id, subject=dict(state.public), body=body)
        return notices.state_change_messages(self.ws.store, form, sub, notice)

    async def assign(self, request: Request) -> Response:
        current, sub, response = await self._case(request)
        if current is None:
            return response  # type: ignore[return-value]
        data = await self.ws.form_data(request)
        assignee = data.get("assignee", "").strip().lower() or None
        if assignee is not None and assignee not in await self.assignees(sub):
            return await self.again(request, current, sub, "not-a-caseworker", {})
        try:
            await self.ws.run(lambda: self.ws.store.assign_case(
                sub.reference, expected_version=_version(data), assigned_to=assignee, at=self.ws.clock(),
                actor=current.account.email))
        except CaseChanged:
            return await self.again(request, current, sub, "changed", {})
        await self.ws.run(self.inbox.audit, current.account.email, "staff-case-assign", sub.form_id,
                          f"{sub.reference} -> {assignee or 'no one'}")
        return self.ws.redirect(f"/staff/submissions/{sub.reference}?done=assigned#case")

    async def note(self, request: Request) -> Response:
        current, sub, response = await self._case(request)
        if current is None:
            return response  # type: ignore[return-value]
        data = await self.ws.form_data(request)
        note = data.get("note", "").strip()[:NOTE_LIMIT]
        if not note:
            return await self.again(request, current, sub, "note-empty", {})
        await self.ws.run(lambda: self.ws.store.add_note(sub.reference, note=note, at=self.ws.clock(),
                                                         actor=current.account.email))
        await self.ws.run(self.inbox.audit, current.account.email, "staff-case-note", sub.form_id, sub.reference)
        return self.ws.redirect(f"/staff/submissions/{sub.reference}?done=noted#case")

    async def again(self, request: Request, current: Current, sub: Any, problem: str,
                    typed: dict[str, str]) -> Response:
        """The submission page as it is now, with the problem said and the typed words kept."""
        fresh = next(iter(await self.ws.run(lambda: list(self.ws.store.submissions(
            reference=sub.reference, status=None)))), sub)
        return await self.inbox.show(request, current, fresh, status=409 if problem == "changed" else 400,
                                     case_problem=problem, typed=typed)

    # -- requests from other channels ------------------------------------------------

    async def _form(self, request: Request) -> tuple[Current | None, Form | None, Response | None]:
        current, form_id, response = await self.inbox.form_reader(request, "enter a request for")
        if current is None:
            return None, None, response
        form = self.ws.forms[form_id]
        if form.workflow is None:
            return None, None, await self.ws.refuse(request, current, f"enter a request for {form_id}")
        return current, form, None

    async def enter_page(self, request: Request) -> Response:
        current, form, response = await self._form(request)
        if current is None or form is None:
            return response  # type: ignore[return-value]
        return self.entry_page(request, current, form)

    def entry_page(self, request: Request, current: Current, form: Form, *, status: int = 200,
                   values: dict[str, Any] | None = None, errors: dict[str, Any] | None = None,
                   channel: str = "", answer_language: str | None = None) -> Response:
        lang = current.account.language
        answer_language = answer_language or lang
        csrf = request.scope["csrftoken"]() if "csrftoken" in request.scope else ""
        channels = self.channels(lang)
        channel_missing = errors is not None and channel not in dict(channels)
        extra = self.ws.page_fragment("_entry_fields.html", lang, csrf=csrf, channels=channels, channel=channel,
                                      channel_missing=channel_missing, answer_language=answer_language,
                                      languages=[(x.code, x.name) for x in i18n.LANGUAGES])
        more_errors = [{"text": i18n.gettext(lang, "Choose how the request was received."), "href": "#channel"}
                       ] if channel_missing else []
        # Both pieces come from our own autoescaping templates, so they are markup already.
        html = render_form(form, lang, action=f"/staff/forms/{form.id}/enter", values=values,
                           errors=errors, privacy_url=f"/{'' if lang == 'ar' else 'en/'}forms/{form.id}/privacy/",
                           prefix=Markup(extra), more_errors=more_errors)
        return self.ws.page(request, "enter.html", lang, status=status, current=current, form_id=form.id,
                            form_title=self.inbox.form_title(form.id, lang), form_html=Markup(html))

    async def enter(self, request: Request) -> Response:
        current, form, response = await self._form(request)
        if current is None or form is None:
            return response  # type: ignore[return-value]
        posted = await request.form()
        data = group_posted([(k, v) for k, v in posted.multi_items() if isinstance(v, str)], form)
        channel = str(data.pop("channel", ""))
        answer_language = str(data.pop("answer_language", ""))
        if answer_language not in i18n.LANGUAGE_CODES:
            answer_language = current.account.language
        for name in ("csrftoken", LANG_FIELD, NOTICE_FIELD, HONEYPOT_FIELD):
            data.pop(name, None)
        if channel not in dict(self.channels(current.account.language)):
            # Nothing is stored without its channel; the answers are checked all the same, so
            # every problem is said at once.
            errors = read_submission(form, data).errors
            return self.entry_page(request, current, form, status=400, values=data, errors=dict(errors),
                                   channel=channel, answer_language=answer_language)
        result = await self.ws.run(lambda: cases.enter_request(
            self.ws.store, form, data, channel=channel, entered_by=current.account.email,
            language=answer_language, now=self.ws.clock(), calendar=self.inbox.calendar))
        if isinstance(result, dict):
            return self.entry_page(request, current, form, status=400, values=data, errors=result, channel=channel,
                                   answer_language=answer_language)
        await self.ws.run(self.inbox.audit, current.account.email, "staff-case-enter", form.id,
                          f"{result.reference} channel={channel}")
        return self.ws.redirect(f"/staff/submissions/{result.reference}?done=entered")


def _name(items: Any, item_id: str | None, lang: str) -> str:
    for item in items:
        if item.id == item_id:
            return str(item.name.get(lang, item_id))
    return item_id or ""


def _version(data: dict[str, str]) -> int:
    text = data.get("version", "")
    if not text.isdigit():
        raise CaseChanged("no version")  # a form from before versions, or tampered: show the case as it is
    return int(text)

