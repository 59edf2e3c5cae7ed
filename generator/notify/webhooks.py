"""Webhooks: a signed JSON post per outbox row of kind "webhook" (docs/webhooks.md), and
per row of kind "reply-sms" to the form's SMS gateway (the webhook listing `reply_sms`:
{reference, mobile, text, language}, the number and text decrypted from the row only
for the post and emptied from it once delivered).

The payload says what happened (event, form, reference, time, language, the
case's state and its public wording in both languages); the applicant's mobile
number and e-mail address only for a webhook with `include_contact: true`;
the answers only with `include_answers: true` over https (a test-only switch,
QALB_WEBHOOK_TEST_LOOPBACK_ANSWERS, allows http://127.0.0.1). Reading a
submission for them is audited ("webhook-read"), like every read of answers.

Headers: `X-Qalb-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>`
with the webhook's secret (as Stripe and FormSG sign), `X-Qalb-Delivery`: the
row's token, the same on every try (a receiver drops repeats by it), and
`X-Qalb-Event`. A 2xx answer is delivered; anything else, or no answer, is
tried again on the e-mail schedule (sender.py BACKOFF), then "failed". Each try
is logged (time, status, duration; never a body) for the workspace. Each
outcome is recorded as soon as the answer is in (the sender's `record`), before
that connection posts the next: a killed sender posts again at most the
CONCURRENCY deliveries it had in flight.
"""
from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import logging
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Mapping, Sequence

import httpx

from generator.core.config import NotifySettings
from generator.forms.check_notify import is_loopback_http
from generator.forms.model import SMS_EVENT
from generator.submissions import audit
from generator.submissions.db.outbox import OutboxMessage, Outcome, Try
from generator.submissions.notices import applicant_address, applicant_mobile

if TYPE_CHECKING:
    from generator.submissions.store import Store

log = logging.getLogger("qalb.notify")

SIGNATURE_HEADER = "X-Qalb-Signature"
DELIVERY_HEADER = "X-Qalb-Delivery"
EVENT_HEADER = "X-Qalb-Event"
USER_AGENT = "qalb-webhooks/1"
#: The outbox kind of a reply by SMS, posted to the form's SMS gateway (its `reply_sms` webhook).
SMS_KIND = "reply-sms"
#: Deliveries of one batch posted at once.
CONCURRENCY = 8
#: Who reads a submission for a webhook, in the audit log.
AUDIT_ACTOR = "webhooks"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The X-Qalb-Signature value: HMAC-SHA256 over "<timestamp>." and the body."""
    mac = hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def answers_allowed(hook: Any, settings: NotifySettings) -> bool:
    """Answers go only where the form file asks for them, and only over https."""
    return bool(hook.include_answers) and (hook.url.startswith("https://")
                                           or (settings.loopback_answers and is_loopback_http(hook.url)))


def build_payload(row: OutboxMessage, form: Any, detail: Mapping[str, Any], *, answers: Mapping[str, Any] | None,
                  contact: bool, include_answers: bool) -> dict[str, Any]:
    state_id = detail.get("state")
    state = None
    if state_id and form.workflow is not None:
        found = form.workflow.state(state_id)
        state = {"id": found.id, "public": dict(found.public)}
    payload: dict[str, Any] = {
        "id": row.token,
        "event": detail["event"],
        "form": row.form_id,
        "form_title": dict(form.title),
        "reference": row.reference,
        "time": row.created_at.astimezone(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "language": row.language,
        "state": state,
    }
    if contact:
        payload["contact"] = {"mobile": applicant_mobile(form, answers or {}),
                              "email": applicant_address(form, answers or {})}
    if include_answers:
        payload["answers"] = dict(answers or {})
    return payload


def sms_payload(row: OutboxMessage) -> dict[str, Any]:
    """A reply by SMS (outbox kind "reply-sms"): the number and the text, decrypted from the
    outbox row only to be posted, with the reference and the applicant's language. Nothing
    else of the submission: no answer unless the caseworker typed it."""
    return {"id": row.token, "event": SMS_EVENT, "form": row.form_id, "reference": row.reference,
            "time": row.created_at.astimezone(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "language": row.language, "mobile": row.recipient, "text": row.detail}


def encode(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


RunDb = Callable[..., Awaitable[Any]]


class WebhookPoster:
    """Posts a claimed batch of webhook rows; an Outcome (with its logged try) for each,
    handed to `record` (which returns once it is stored) as soon as it is known."""

    def __init__(self, store: Store, forms: Mapping[str, Any], settings: NotifySettings, *, run_db: RunDb,
                 clock: Callable[[], dt.datetime], retry: Callable[[OutboxMessage, str, dt.datetime], Outcome],
                 record: Callable[[Outcome], Awaitable[None]], transport: httpx.AsyncBaseTransport | None = None
                 ) -> None:
        self.store, self.forms, self.settings = store, forms, settings
        self.run_db, self.clock, self.retry, self.record = run_db, clock, retry, record
        self.transport = transport
        # Made once: each new client would otherwise read the whole CA bundle again (tens of ms a batch).
        self.tls = httpx.create_ssl_context()
        self.sent = 0

    async def deliver(self, rows: Sequence[OutboxMessage]) -> list[Outcome]:
        limit = asyncio.Semaphore(CONCURRENCY)
        async with httpx.AsyncClient(timeout=self.settings.webhook_timeout, follow_redirects=False, verify=self.tls,
                                     transport=self.transport, headers={"User-Agent": USER_AGENT}) as client:
            async def one(row: OutboxMessage) -> Outcome:
                async with limit:  # held until the outcome is recorded
                    started, clock = time.monotonic(), self.clock()
                    try:
                        outcome = await self._post(client, row)
                    except Exception as exc:  # a bug, or a form file changed under it: never retried blindly
                        log.error("webhook delivery %d (%s) could not be built (%s)", row.id, row.reference,
                                  type(exc).__name__)
                        outcome = self._failed(row, type(exc).__name__, started, clock)
                    await self.record(outcome)
                    return outcome
            return list(await asyncio.gather(*(one(row) for row in rows)))

    async def _post(self, client: httpx.AsyncClient, row: OutboxMessage) -> Outcome:
        started, clock = time.monotonic(), self.clock()
        form = self.forms.get(row.form_id)
        if row.kind == SMS_KIND:  # a caseworker's reply, to the form's SMS gateway
            detail = {"event": SMS_EVENT}
            hook = form.notify.sms_webhook if form else None
        else:
            detail = json.loads(row.detail)
            hook = next((h for h in form.notify.webhooks if h.name == detail["webhook"]), None) if form else None
        if form is None or hook is None:  # the form file no longer has it: nothing to try again
            log.error("webhook delivery %d (%s): the form file no longer has the webhook", row.id, row.reference)
            return self._failed(row, "unknown-webhook", started, clock)
        secret = self.settings.webhook_secrets.get(hook.secret_variable, "")
        if not secret:
            log.error("webhook delivery %d (%s, %s): no secret, %s is not set", row.id, hook.name, row.reference,
                      hook.secret_variable)
            return _with_try(self.retry(row, "no-secret", clock), Try(clock, None, 0, "no-secret"))
        if row.kind == SMS_KIND:
            body = encode(sms_payload(row))
        else:
            include_answers = answers_allowed(hook, self.settings)
            answers = None
            if include_answers or hook.include_contact:
                answers = await self.run_db(self._read, row, hook.name)
                if answers is None:  # the submission is gone (deleted): its row goes with it
                    return self._failed(row, "submission-gone", started, clock)
            body = encode(build_payload(row, form, detail, answers=answers, contact=hook.include_contact,
                                        include_answers=include_answers))
        timestamp = int(self.clock().timestamp())
        headers = {"Content-Type": "application/json; charset=utf-8", DELIVERY_HEADER: row.token,
                   EVENT_HEADER: detail["event"], SIGNATURE_HEADER: signature(secret, timestamp, body)}
        try:  # the status only: the answer's body is never read (nor kept, nor logged)
            async with client.stream("POST", hook.url, content=body, headers=headers) as response:
                status = response.status_code
        except httpx.HTTPError as exc:
            error = type(exc).__name__
            tried = Try(clock, None, _ms(started), error)
            log.warning("webhook delivery %d (%s, %s) not answered (%s)", row.id, hook.name, row.reference, error)
            return _with_try(self.retry(row, error, clock), tried)
        if 200 <= status < 300:
            self.sent += 1
            log.info("delivered webhook %d (%s, %s): %d", row.id, hook.name, row.reference, status)
            return Outcome(row.id, "sent", tried=Try(clock, status, _ms(started)))
        error = f"HTTP {status}"
        log.warning("webhook delivery %d (%s, %s) answered %d", row.id, hook.name, row.reference, status)
        return _with_try(self.retry(row, error, clock), Try(clock, status, _ms(started), error))

    def _read(self, row: OutboxMessage, webhook: str) -> Mapping[str, Any] | None:
        """The answers, for a webhook that carries them or the contact details; audited."""
        sub = next(self.store.submissions(row.form_id, status=None, reference=row.reference), None)
        if sub is None:
            return None
        audit.record(self.store, who=AUDIT_ACTOR, action="webhook-read", form_id=row.form_id, rows=1,
                     detail=f"reference={row.reference} webhook={webhook}")
        return dict(sub.answers)

    def _failed(self, row: OutboxMessage, error: str, started: float, clock: dt.datetime) -> Outcome:
        return Outcome(row.id, "failed", error=error, tried=Try(clock, None, _ms(started), error))


def _with_try(outcome: Outcome, tried: Try) -> Outcome:
    return dataclasses.replace(outcome, tried=tried)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
