"""Correcting an answer, replying to the applicant and logging a call, from the case page
(issue 33, items 5 and 6).

    POST /staff/submissions/<reference>/correct  field, value, why, version
    POST /staff/submissions/<reference>/call     direction, outcome, note
    POST /staff/submissions/<reference>/reply    text (from a template of content/replies.yml, edited)

The same people as casework.py (admins, and caseworkers on their own forms; anyone
else 404, audited). A correction is checked by the form's own checks for that field
(forms.read_answer) and refused with the field's message otherwise; it is stored
with what is derived from the answers (db/corrections.py) and the old value kept,
encrypted, in the timeline. The audit names the reference and the field (or the
call's direction and outcome), never a value or a note. A reply goes by e-mail through
the outbox (kind "reply-email", the text encrypted there and emptied once sent) to the
address the applicant gave, in the language they wrote in; its text is kept, encrypted,
in the timeline. It holds only what the caseworker sends: a template has no answer in it.
Where the form has an SMS gateway (a webhook listing `reply_sms`) and the applicant gave a
phone number, the reply may go by SMS instead (`channel=sms`): outbox kind "reply-sms", the
number and text encrypted there, posted to the gateway (notify/webhooks.py) and emptied
once delivered; the timeline and the audit say which channel.
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from generator.forms import error_message, read_answer
from generator.submissions.db.cases import CaseChanged
from generator.submissions.db.corrections import CALL_DIRECTIONS, CALL_OUTCOMES
from generator.submissions.db.outbox import PlannedMessage
from generator.submissions.notices import applicant_address, applicant_mobile

from .casework import Casework, _version
from .request_data import form_data
from .submission_page import NOTE_LIMIT, reply_channels


class Conversation(Casework):
    """Routes beside casework's, sharing its checks (`_case`) and its page again (`again`)."""

    def routes(self) -> list[Route]:
        return [
            Route("/staff/submissions/{reference}/correct", self.correct, methods=["POST"]),
            Route("/staff/submissions/{reference}/call", self.call, methods=["POST"]),
            Route("/staff/submissions/{reference}/reply", self.reply, methods=["POST"]),
        ]

    async def correct(self, request: Request) -> Response:
        ctx = self.ctx
        current, sub = await self._case(request)
        form = ctx.forms[sub.form_id]
        posted = await request.form()
        name = str(posted.get("field", ""))
        if name not in {f.name for f in form.fields}:
            return await self.again(request, current, sub, "correction-field", {})
        field = form.field(name)
        raw = [v for v in posted.getlist("value") if isinstance(v, str)]
        value_in = raw if field.type == "array" else (raw[0] if raw else "")
        why = str(posted.get("why", "")).strip()[:NOTE_LIMIT]
        typed = {"field": name, "value": raw[0] if raw and field.type != "array" else "", "why": why}
        value, codes = read_answer(form, name, value_in)
        if codes:
            typed["error"] = error_message(form, name, codes[0], current.account.language)
            return await self.again(request, current, sub, "correction-invalid", typed)
        try:
            version = _version({"version": str(posted.get("version", ""))})
            await ctx.run(lambda: ctx.store.correct_answer(sub, field=name, value=value, expected_version=version,
                                                           at=ctx.clock(), actor=current.account.email, why=why))
        except CaseChanged:
            return await self.again(request, current, sub, "changed", typed)
        await ctx.run(ctx.audit, current.account.email, "staff-case-correct", f"{sub.reference} field={name}",
                      form_id=sub.form_id, rows=1)
        return ctx.pages.redirect(f"/staff/submissions/{sub.reference}?done=corrected#case")

    async def reply(self, request: Request) -> Response:
        ctx = self.ctx
        current, sub = await self._case(request)
        form = ctx.forms[sub.form_id]
        data = await form_data(request)
        text = data.get("text", "").strip()[:NOTE_LIMIT]
        email, sms = reply_channels(ctx, form, sub)
        channel = data.get("channel", "email")
        typed = {"reply_text": text, "reply_channel": channel}
        if channel == "sms" and sms:
            recipient = applicant_mobile(form, sub.answers)
        elif channel == "email" and email:
            recipient = applicant_address(form, sub.answers)
        else:
            return await self.again(request, current, sub, "reply-no-channel" if email or sms else "reply-no-email",
                                    typed)
        if not text:
            return await self.again(request, current, sub, "reply-empty", typed)
        message = PlannedMessage(kind=f"reply-{channel}", recipient=recipient or "", language=sub.language,
                                 detail=text)
        await ctx.run(lambda: ctx.store.record_reply(sub.reference, channel=channel, text=text, messages=[message],
                                                     at=ctx.clock(), actor=current.account.email))
        await ctx.run(ctx.audit, current.account.email, "staff-case-reply", f"{sub.reference} channel={channel}",
                      form_id=sub.form_id, rows=1)
        return ctx.pages.redirect(f"/staff/submissions/{sub.reference}?done=replied#case")

    async def call(self, request: Request) -> Response:
        ctx = self.ctx
        current, sub = await self._case(request)
        data = await form_data(request)
        direction, outcome = data.get("direction", ""), data.get("outcome", "")
        note = data.get("note", "").strip()[:NOTE_LIMIT]
        if direction not in CALL_DIRECTIONS or outcome not in CALL_OUTCOMES:
            return await self.again(request, current, sub, "call-incomplete", {"call_note": note})
        await ctx.run(lambda: ctx.store.log_call(sub.reference, direction=direction, outcome=outcome, note=note,
                                                 at=ctx.clock(), actor=current.account.email))
        await ctx.run(ctx.audit, current.account.email, "staff-case-call",
                      f"{sub.reference} direction={direction} outcome={outcome}", form_id=sub.form_id, rows=1)
        return ctx.pages.redirect(f"/staff/submissions/{sub.reference}?done=called#case")
