"""Delivering the outbox: claim due rows, send them (e-mail over SMTP, webhooks over
HTTPS: webhooks.py), record what happened.

A `Sender` runs in the endpoint (a task beside the writer, woken after each
submission that queued a message) or alone (`python -m generator notify run`);
any number may run at once on one database, because each row is claimed by
one of them (db/outbox.py: FOR UPDATE SKIP LOCKED, or SQLite's serialised
conditional UPDATE). Each claimed batch goes over a few SMTP connections at once.

Tries: the first at once, then after 1 minute, 5 minutes, 30 minutes, 2, 6
and 16 hours: 7 tries over 24.6 hours. A temporary failure (the server cannot
be reached, a 4xx answer) waits for the next; a permanent one (a 5xx answer,
such as an unknown mailbox) or the last try makes the message "failed", listed
by `notify failed` and put back by `retry` (the workspace calls the same).
The outcome is recorded after the batch is handed over, so a sender killed
mid-send may send a message again when its claim runs out (the lease): the
only way a repeat happens, and the Message-ID, made from the row's token, is
the same, so the receiving side can drop it.

Logs name a message by its row id, kind and reference; never its recipient or
any answer.
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import secrets
import signal
import socket
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Mapping, Sequence

import aiosmtplib

from generator.core.config import NotifySettings
from generator.core.organisation import Settings as Organisation
from generator.submissions.db.outbox import OutboxMessage, Outcome
from generator.submissions.records import utc_now

from .compose import Context, build_message
from .smtp import smtp_client
from .webhooks import WebhookPoster

if TYPE_CHECKING:
    from generator.submissions.store import Store

log = logging.getLogger("qalb.notify")

#: Wait before try 2, 3, ... 7 (seconds): 7 tries over 24.6 hours.
BACKOFF = (60, 300, 1800, 7200, 21600, 57600)
MAX_ATTEMPTS = len(BACKOFF) + 1
BATCH = 50
CONNECTIONS = 4  # SMTP connections one batch is sent over, at once
#: While the endpoint's writer is busy, its sender gives way to the submissions: a
#: batch of at most BUSY_BATCH, then a pause of BUSY_PAUSE seconds (the rest waits,
#: safe in the outbox, and goes as soon as the load passes).
BUSY_BATCH = 10
BUSY_PAUSE = 1.0

RunDb = Callable[..., Awaitable[Any]]


def outcome_after_error(message: OutboxMessage, error: BaseException, now: dt.datetime) -> Outcome:
    """Retry later, or failed: for good after a permanent refusal or the last try."""
    code = getattr(error, "code", None)
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused) and error.recipients:
        code = error.recipients[0].code
    what = type(error).__name__ + (f" {code}" if code else "")
    permanent = isinstance(code, int) and 500 <= code < 600
    return retry_or_fail(message, what, now, permanent=permanent)


def retry_or_fail(message: OutboxMessage, what: str, now: dt.datetime, *, permanent: bool = False) -> Outcome:
    """The next try on the BACKOFF schedule, or "failed" after the last (or a permanent refusal)."""
    if permanent or message.attempts >= MAX_ATTEMPTS:
        return Outcome(message.id, "failed", error=what)
    return Outcome(message.id, "pending", retry_at=now + dt.timedelta(seconds=BACKOFF[message.attempts - 1]),
                   error=what)


def context_for(settings: NotifySettings, forms: Mapping[str, Any], organisation: Organisation) -> Context:
    return Context(forms=forms, mail_from=settings.mail_from,
                   organisation={lang: organisation.org("name", lang) for lang in ("ar", "en")},
                   site_url=settings.site_url or organisation.site_url, staff_url=settings.staff_url,
                   digits=organisation.arabic_digits)


class Sender:
    def __init__(self, store: Store, context: Context, settings: NotifySettings, *, run_db: RunDb | None = None,
                 clock: Callable[[], dt.datetime] = utc_now, name: str | None = None, batch: int = BATCH,
                 busy: Callable[[], bool] | None = None) -> None:
        self.store = store
        self.context = context
        self.settings = settings
        self.clock = clock
        self.batch = batch
        self.busy = busy  # the endpoint's writer is storing submissions right now
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._own_thread: ThreadPoolExecutor | None = None
        self._run_db = run_db or self._in_own_thread
        self._wake = asyncio.Event()
        self.webhooks = WebhookPoster(store, context.forms, settings, run_db=self._db, clock=clock,
                                      retry=self._retry_webhook)
        self.sent = 0  # counters for tests and benchmarks
        self.failed = 0
        self.retried = 0

    async def _in_own_thread(self, function: Any, *args: Any) -> Any:
        if self._own_thread is None:
            self._own_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qalb-notify")
        return await asyncio.get_running_loop().run_in_executor(self._own_thread, function, *args)

    async def _db(self, function: Any, *args: Any) -> Any:
        return await self._run_db(function, *args)

    def _retry_webhook(self, message: OutboxMessage, what: str, now: dt.datetime) -> Outcome:
        outcome = retry_or_fail(message, what, now)
        if outcome.status == "failed":
            self.failed += 1
            log.error("webhook delivery %d (%s) failed after %d tries (%s)", message.id, message.reference,
                      message.attempts, what)
        else:
            self.retried += 1
        return outcome

    def wake(self) -> None:
        """Look for due messages now (a submission that queued some was just committed)."""
        self._wake.set()

    async def send_due(self, limit: int | None = None) -> int:
        """Claim one batch of due messages and deliver it; how many were claimed."""
        now = self.clock()
        if self.settings.fault == "after-commit" and await self._run_db(self.store.outbox_due, now):
            _die("after-commit")
        messages = await self._run_db(self.store.claim_outbox, self.name, now, self.settings.lease,
                                      limit or self.batch)
        if not messages:
            return 0
        if self.settings.fault == "before-send":
            _die("before-send")
        outcomes = await self.deliver(messages)
        await self._run_db(self.store.finish_outbox, self.name, outcomes, self.clock())
        return len(messages)

    async def deliver(self, messages: Sequence[OutboxMessage]) -> list[Outcome]:
        """Send a claimed batch: its e-mails over up to CONNECTIONS SMTP connections at once
        (the round trips of one overlap the work on another), its webhooks beside them;
        an outcome per message."""
        hooks = [m for m in messages if m.kind == "webhook"]
        mails = [m for m in messages if m.kind != "webhook"]
        lanes = [list(mails[i::CONNECTIONS]) for i in range(min(CONNECTIONS, len(mails)))]
        results = await asyncio.gather(*(self._deliver_over_one_connection(lane) for lane in lanes),
                                       *([self._deliver_webhooks(hooks)] if hooks else []))
        return [outcome for outcomes in results for outcome in outcomes]

    async def _deliver_webhooks(self, hooks: Sequence[OutboxMessage]) -> list[Outcome]:
        before = self.webhooks.sent
        outcomes = await self.webhooks.deliver(hooks)
        self.sent += self.webhooks.sent - before
        return outcomes

    async def _deliver_over_one_connection(self, messages: Sequence[OutboxMessage]) -> list[Outcome]:
        smtp = self.settings.smtp
        if smtp is None:  # queued while e-mail was on, and QALB_SMTP_URL is gone since
            return [self._after_error(message, ConnectionError("QALB_SMTP_URL is not set")) for message in messages]
        outcomes: list[Outcome] = []
        client = smtp_client(self.settings)
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as exc:
            log.warning("the SMTP server %s:%s cannot be reached (%s); %d message(s) wait for their next try",
                        smtp.host, smtp.port, type(exc).__name__, len(messages))
            return [self._after_error(message, exc) for message in messages]
        try:
            for message in messages:
                try:
                    email = build_message(message, self.context, now=self.clock())
                except Exception as exc:  # a bug or a form file changed under it: never retried blindly
                    log.error("message %d (%s, %s) could not be built (%s)", message.id, message.kind,
                              message.reference, type(exc).__name__)
                    outcomes.append(Outcome(message.id, "failed", error=type(exc).__name__))
                    self.failed += 1
                    continue
                try:
                    await client.send_message(email, sender=self.context.mail_from[1],
                                              recipients=[message.recipient])
                except (aiosmtplib.SMTPException, OSError) as exc:
                    outcomes.append(self._after_error(message, exc))
                    if not client.is_connected:  # the rest of the batch waits for its next try too
                        rest = messages[len(outcomes):]
                        outcomes += [self._after_error(m, exc) for m in rest]
                        break
                else:
                    outcomes.append(Outcome(message.id, "sent"))
                    self.sent += 1
                    log.info("sent message %d (%s, %s)", message.id, message.kind, message.reference)
        finally:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                if client.is_connected:
                    await client.quit()
        return outcomes

    def _after_error(self, message: OutboxMessage, error: BaseException) -> Outcome:
        outcome = outcome_after_error(message, error, self.clock())
        if outcome.status == "failed":
            self.failed += 1
            log.error("message %d (%s, %s) failed after %d tries (%s)", message.id, message.kind,
                      message.reference, message.attempts, outcome.error)
        else:
            self.retried += 1
            log.warning("message %d (%s, %s) not sent (%s); try %d of %d at %s", message.id, message.kind,
                        message.reference, outcome.error, message.attempts + 1, MAX_ATTEMPTS,
                        outcome.retry_at.isoformat(timespec="seconds") if outcome.retry_at else "?")
        return outcome

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set: a full batch is followed at once by the next; otherwise
        wait to be woken, or `poll_seconds` (messages due for a retry, other processes)."""
        while not stop.is_set():
            self._wake.clear()
            busy = self.busy is not None and self.busy()
            limit = BUSY_BATCH if busy else self.batch
            try:
                claimed = await self.send_due(limit)
            except Exception as exc:  # the database went away: keep trying, never crash the endpoint
                log.error("the notification sender could not reach the database (%s)", type(exc).__name__)
                claimed = 0
            if busy and claimed:  # give way to the submissions: a pause that a wake-up does not cut short
                await self._wait(stop, BUSY_PAUSE)
            elif claimed < limit:
                await self._wait(stop, self.settings.poll_seconds, self._wake)

    @staticmethod
    async def _wait(stop: asyncio.Event, seconds: float, wake: asyncio.Event | None = None) -> None:
        waiters = [asyncio.ensure_future(event.wait()) for event in (stop, wake) if event is not None]
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()

    def close(self) -> None:
        if self._own_thread is not None:
            self._own_thread.submit(self.store.close_this_thread).result()
            self._own_thread.shutdown(wait=True)
            self._own_thread = None


def _die(point: str) -> None:
    """The fault-injection point (QALB_NOTIFY_FAULT, tests only): SIGKILL, no clean-up."""
    log.critical("QALB_NOTIFY_FAULT=%s: killing this process now", point)
    os.kill(os.getpid(), signal.SIGKILL)
