"""Messages and deliveries: what the outbox could not deliver,
every try of the webhooks, and each account's own choice of e-mails.

    GET  /staff/messages                  admin: failed messages and webhook deliveries with their tries
    POST /staff/messages/<id>/retry       admin: a failed message or delivery goes back in the queue
    GET  /staff/account                   any account: its e-mail alerts and daily digest, on or off
    POST /staff/account

The outbox is read through the store (submissions/db/outbox.py), as the
`notify failed` and `notify retry` commands read it: this package never
imports generator/notify/. A listing shows the row id, form, reference, kind,
language, tries, and for a webhook (and a reply by SMS, posted to the form's SMS gateway) its
name, event and each try's time, HTTP status and duration; never a recipient, a body or an answer. A retry is
audited ("notify-retry"), and so is a change of an account's choices.
"""
from __future__ import annotations

import json
from typing import Any, Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from generator.submissions import audit
from generator.submissions.db.outbox import OutboxMessage, Try

from .context import StaffContext
from .guards import require
from .request_data import form_data, typed_number

#: How many of the latest webhook deliveries the page shows.
DELIVERIES_SHOWN = 100
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def delivery_row(message: OutboxMessage, tries: list[Try], forms: Mapping[str, Any]) -> dict[str, Any]:
    if message.kind == "reply-sms":  # its detail is the reply's text: never shown here
        hook = forms[message.form_id].notify.sms_webhook if message.form_id in forms else None
        detail = {"webhook": hook.name if hook else "", "event": "reply_sms"}
    else:
        detail = json.loads(message.detail or "{}")
    return {"id": message.id, "form_id": message.form_id, "reference": message.reference,
            "webhook": detail.get("webhook", ""), "event": detail.get("event", ""), "status": message.status,
            "attempts": message.attempts, "last_error": message.last_error,
            "created": message.created_at.strftime(TIME_FORMAT),
            "tries": [{"at": t.at.strftime(TIME_FORMAT), "status_code": t.status_code, "duration_ms": t.duration_ms,
                       "error": t.error} for t in tries]}


def failed_row(message: OutboxMessage) -> dict[str, Any]:
    detail = json.loads(message.detail or "{}") if message.kind == "webhook" else {}
    return {"id": message.id, "form_id": message.form_id, "reference": message.reference, "kind": message.kind,
            "webhook": detail.get("webhook", ""), "language": message.language, "attempts": message.attempts,
            "last_error": message.last_error, "created": message.created_at.strftime(TIME_FORMAT)}


class Messages:
    def __init__(self, ctx: StaffContext) -> None:
        self.ctx = ctx

    def routes(self) -> list[Route]:
        return [
            Route("/staff/messages", self.page, methods=["GET"]),
            Route("/staff/messages/{message_id:int}/retry", self.retry, methods=["POST"]),
            Route("/staff/account", self.account_page, methods=["GET"]),
            Route("/staff/account", self.save_account, methods=["POST"]),
        ]

    async def page(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request, role="admin")
        store = ctx.store
        failed = await ctx.run(store.outbox_messages, status="failed")
        posted = [*await ctx.run(store.outbox_messages, kind="webhook", newest=DELIVERIES_SHOWN),
                  *await ctx.run(store.outbox_messages, kind="reply-sms", newest=DELIVERIES_SHOWN)]
        deliveries = sorted(posted, key=lambda m: m.id, reverse=True)[:DELIVERIES_SHOWN]
        tries = await ctx.run(store.outbox_tries, [m.id for m in deliveries])
        counts = await ctx.run(store.outbox_counts)
        retried = request.query_params.get("retried", "")
        return ctx.pages.page(request, "messages.html", current.account.language, current=current,
                              failed=[failed_row(m) for m in failed], counts=counts,
                              deliveries=[delivery_row(m, tries[m.id], ctx.forms) for m in deliveries],
                              retried=retried if typed_number(retried) is not None else "",
                              not_retried=request.query_params.get("missing", "") == "1")

    async def retry(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request, role="admin")
        message_id = typed_number(str(request.path_params["message_id"]))
        now = ctx.clock()
        store = ctx.store
        if message_id is None or not await ctx.run(store.retry_outbox, message_id, now):
            return ctx.pages.redirect("/staff/messages?missing=1")
        found = await ctx.run(store.outbox_messages, ids=[message_id])
        await ctx.run(audit.record, store, who=current.account.email, action="notify-retry",
                      form_id=found[0].form_id or None if found else None, rows=1, detail=f"message={message_id}",
                      now=now)
        return ctx.pages.redirect(f"/staff/messages?retried={message_id}#failed")

    async def account_page(self, request: Request) -> Response:
        current = await require(self.ctx, request)
        return self.ctx.pages.page(request, "account.html", current.account.language, current=current,
                                   saved=request.query_params.get("saved") == "1",
                                   may_be_told=current.account.role != "viewer")

    async def save_account(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request)
        if current.account.role == "viewer":  # viewers are never told of a submission
            return ctx.pages.redirect("/staff/account")
        data = await form_data(request)
        alerts, digest = data.get("alerts") == "on", data.get("digest") == "on"
        account = current.account
        if (alerts, digest) != (account.alerts, account.digest):
            await ctx.run(ctx.accounts.set_notifications, account, alerts=alerts, digest=digest)
        return ctx.pages.redirect("/staff/account?saved=1")
