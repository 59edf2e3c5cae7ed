"""Delivering the outbox: claim due rows, send them (e-mail over SMTP, webhooks over
HTTPS: webhooks.py), record what happened.

A `Sender` runs in the endpoint (a task beside the writer, woken after each
submission that queued a message; on SQLite its database calls go through the
writer's thread, beside the submissions' group commits) or alone (`python -m
generator notify run`); any number may run at once on one database, because
each row is claimed by one of them (db/outbox.py: FOR UPDATE SKIP LOCKED, or
SQLite's serialised conditional UPDATE). Each claimed batch goes over a few
SMTP connections at once (CONNECTIONS) and webhook posts (webhooks.CONCURRENCY).

Each outcome is recorded as soon as the server has answered: a connection
builds its next message meanwhile but hands it over only once the last one's
outcome is committed (outcomes ready at the same moment on other connections
share the transaction).
So a sender killed mid-send leaves at most one message per open connection
accepted but not recorded, and only those are sent again: at most
CONNECTIONS + webhooks.CONCURRENCY repeats per killed sender, each with the
same Message-ID (made from the row's token) or X-Qalb-Delivery, so the
receiving side can drop it. A claim lasts the lease (QALB_NOTIFY_LEASE_SECONDS,
30 s by default) and the sender renews it every third of that while it works,
so a killed sender's messages go out again about a lease later, never while
a slow batch is still being sent.

Tries: the first at once, then after 1 minute, 5 minutes, 30 minutes, 2, 6
and 16 hours: 7 tries over 24.6 hours. A try counts when its outcome is
recorded: a claim taken over from a killed sender is none. A temporary failure
(the server cannot be reached, a 4xx answer) waits for the next; a permanent
one (a 5xx answer, such as an unknown mailbox) or the last try makes the
message "failed", listed by `notify failed` and put back by `retry` (the
workspace calls the same).

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
from .webhooks import SMS_KIND, WebhookPoster

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
    if permanent or message.try_number >= MAX_ATTEMPTS:
        return Outcome(message.id, "failed", error=what)
    return Outcome(message.id, "pending", retry_at=now + dt.timedelta(seconds=BACKOFF[message.try_number - 1]),
                   error=what)


def context_for(settings: NotifySettings, forms: Mapping[str, Any], organisation: Organisation) -> Context:
    return Context(forms=forms, mail_from=settings.mail_from,
                   organisation={lang: organisation.org("name", lang) for lang in ("ar", "en")},
                   site_url=settings.site_url or organisation.site_url, staff_url=settings.staff_url,
                   digits=organisation.arabic_digits)


class Sender:
    def __init__(self, store: Store, context: Context, settings: NotifySettings, *, run_db: RunDb | None = None,
                 clock: Callable[[], dt.datetime] = utc_now, name: str | None = None, batch: int = BATCH,
                 busy: Callable[[], bool] | None = None, renew_every: float | None = None) -> None:
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
        #: Seconds between renewals of the claims of the batch being sent (a third of the lease).
        self.renew_every = renew_every or settings.lease.total_seconds() / 3
        self._to_record: list[tuple[Outcome, asyncio.Future[None]]] = []
        self._recording: asyncio.Future[None] | None = None
        self._passes: dict[str, int] = {}  # how often each fault point was passed (QALB_NOTIFY_FAULT)
        self.webhooks = WebhookPoster(store, context.forms, settings, run_db=self._db, clock=clock,
                                      retry=self._retry_webhook, record=self._record)
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
                      message.try_number, what)
        else:
            self.retried += 1
        return outcome

    def wake(self) -> None:
        """Look for due messages now (a submission that queued some was just committed)."""
        self._fault("after-commit")
        self._wake.set()

    async def send_due(self, limit: int | None = None) -> int:
        """Claim one batch of due messages and deliver it, renewing the claims while it
        lasts; how many were claimed."""
        messages = await self._run_db(self.store.claim_outbox, self.name, self.clock(), self.settings.lease,
                                      limit or self.batch)
        if not messages:
            return 0
        self._fault("before-send")
        renewing = asyncio.create_task(self._renew([m.id for m in messages]), name="qalb-notify-renew")
        try:
            await self.deliver(messages)
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
        return len(messages)

    async def deliver(self, messages: Sequence[OutboxMessage]) -> list[Outcome]:
        """Send a claimed batch: its e-mails over up to CONNECTIONS SMTP connections at once
        (the round trips of one overlap the work on another), its webhooks beside them.
        Each outcome is recorded as it comes (`_record`); they are also returned. If
        recording fails (the database went away), the whole batch stops: what is not
        recorded waits for the lease."""
        hooks = [m for m in messages if m.kind in ("webhook", SMS_KIND)]
        mails = [m for m in messages if m.kind not in ("webhook", SMS_KIND)]
        lanes = [list(mails[i::CONNECTIONS]) for i in range(min(CONNECTIONS, len(mails)))]
        self._to_record, self._recording = [], None  # one batch at a time, each on the loop running it
        try:
            async with asyncio.TaskGroup() as group:  # one failing stops the others: none sends unrecorded
                tasks = [group.create_task(self._deliver_over_one_connection(lane)) for lane in lanes]
                if hooks:
                    tasks.append(group.create_task(self._deliver_webhooks(hooks)))
        except ExceptionGroup as failed:
            raise failed.exceptions[0] from None
        return [outcome for task in tasks for outcome in task.result()]

    async def _record(self, outcome: Outcome) -> None:
        """Record one outcome now; returns once it is committed."""
        await self._queue_outcome(outcome)

    def _queue_outcome(self, outcome: Outcome) -> asyncio.Future[None]:
        """Start recording one outcome; the future is done once it is committed. Outcomes
        that other connections have ready meanwhile share one transaction (a group commit)."""
        if outcome.status == "sent":
            self._fault("after-send")
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._to_record.append((outcome, done))
        if self._recording is None or self._recording.done():
            self._recording = asyncio.ensure_future(self._write_outcomes())
        return done

    async def _write_outcomes(self) -> None:
        while self._to_record:
            group, self._to_record = self._to_record, []
            try:
                await self._run_db(self.store.finish_outbox, self.name, [o for o, _ in group], self.clock())
            except Exception as exc:  # each waiting connection stops with it
                for _, done in group:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in group:
                    if not done.done():
                        done.set_result(None)

    async def _renew(self, ids: Sequence[int]) -> None:
        """Every `renew_every` seconds until cancelled: renew the batch's claims not yet recorded."""
        while True:
            await asyncio.sleep(self.renew_every)
            try:
                await self._run_db(self.store.renew_outbox, self.name, ids, self.clock())
            except Exception as exc:  # the next renewal may get through; the lease is three of them
                log.warning("the notification sender could not renew its claims (%s)", type(exc).__name__)

    def _fault(self, point: str) -> None:
        """QALB_NOTIFY_FAULT (tests only): SIGKILL at the Nth pass of `point` in this process."""
        if self.settings.fault == point:
            self._passes[point] = self._passes.get(point, 0) + 1
            if self._passes[point] >= self.settings.fault_after:
                _die(point)

    async def _deliver_webhooks(self, hooks: Sequence[OutboxMessage]) -> list[Outcome]:
        before = self.webhooks.sent
        outcomes = await self.webhooks.deliver(hooks)
        self.sent += self.webhooks.sent - before
        return outcomes

    async def _deliver_over_one_connection(self, messages: Sequence[OutboxMessage]) -> list[Outcome]:
        smtp = self.settings.smtp
        if smtp is None:  # queued while e-mail was on, and QALB_SMTP_URL is gone since
            unsent = [self._after_error(message, ConnectionError("QALB_SMTP_URL is not set")) for message in messages]
            for outcome in unsent:  # recorded as any failed try is, so they wait, then fail
                await self._record(outcome)
            return unsent
        outcomes: list[Outcome] = []

        async def record(outcome: Outcome) -> None:
            await self._record(outcome)
            outcomes.append(outcome)

        client = smtp_client(self.settings)
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as exc:
            client.close()  # a half-made connection (refused greeting, failed STARTTLS) too
            log.warning("the SMTP server %s:%s cannot be reached (%s); %d message(s) wait for their next try",
                        smtp.host, smtp.port, type(exc).__name__, len(messages))
            await asyncio.gather(*(record(self._after_error(message, exc)) for message in messages))
            return outcomes
        # The last accepted message's outcome while it is being recorded: the next message is
        # built meanwhile, but handed over only once it is committed.
        recording: tuple[Outcome, asyncio.Future[None]] | None = None
        try:
            for index, message in enumerate(messages):
                try:
                    email = build_message(message, self.context, now=self.clock())
                except Exception as exc:  # a bug or a form file changed under it: never retried blindly
                    log.error("message %d (%s, %s) could not be built (%s)", message.id, message.kind,
                              message.reference, type(exc).__name__)
                    self.failed += 1
                    await record(Outcome(message.id, "failed", error=type(exc).__name__))
                    continue
                if recording is not None:
                    await recording[1]
                    outcomes.append(recording[0])
                    recording = None
                try:
                    await client.send_message(email, sender=self.context.mail_from[1],
                                              recipients=[message.recipient])
                except (aiosmtplib.SMTPException, OSError) as exc:
                    await record(self._after_error(message, exc))
                    if not client.is_connected:  # the rest of the batch waits for its next try too
                        await asyncio.gather(*(record(self._after_error(rest, exc)) for rest in messages[index + 1:]))
                        break
                else:
                    sent = Outcome(message.id, "sent")
                    recording = (sent, self._queue_outcome(sent))
                    self.sent += 1
                    log.info("sent message %d (%s, %s)", message.id, message.kind, message.reference)
                    await asyncio.sleep(0)  # the recording starts before the next message is built
            if recording is not None:
                await recording[1]
                outcomes.append(recording[0])
                recording = None
        finally:
            if recording is not None:  # stopped (another connection failed): it may or may not be recorded
                recording[1].cancel()
            try:
                with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                    if client.is_connected:
                        await client.quit()
            finally:  # a QUIT that fails, times out or is cancelled still leaves no socket open
                client.close()
        return outcomes

    def _after_error(self, message: OutboxMessage, error: BaseException) -> Outcome:
        outcome = outcome_after_error(message, error, self.clock())
        if outcome.status == "failed":
            self.failed += 1
            log.error("message %d (%s, %s) failed after %d tries (%s)", message.id, message.kind,
                      message.reference, message.try_number, outcome.error)
        else:
            self.retried += 1
            log.warning("message %d (%s, %s) not sent (%s); try %d of %d at %s", message.id, message.kind,
                        message.reference, outcome.error, message.try_number + 1, MAX_ATTEMPTS,
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
