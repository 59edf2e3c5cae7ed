"""The single writer: concurrent submissions are committed together.

Each request hands its submission to `Writer.write` and waits. One task on the
event loop takes everything queued so far (up to `max_batch`), and one thread
(the only one that writes) commits it in a single transaction. Only when
COMMIT has returned are the waiting requests answered, so an acknowledged
submission is on disk; while one batch commits, the next one gathers.

Why: with one commit per submission SQLite at synchronous=FULL spends its time
in fsync and lock hand-offs (~2,000/s measured at 50 connections). Group commit
pays one fsync per batch, and a single writing thread means SQLite never waits
on its own lock. PostgreSQL goes through the same path for the same reason.

A submission's attached files (records.Attachment) were sealed into the files
folder's incoming place before it reached the writer (files.py): their rows are
committed with it, and only then, before anyone is answered, are the files
renamed into place. A process killed in between leaves them for the start-up
sweep (FileStore.sweep), which places the files of committed rows. A submission
whose batch failed, or that turned out to be a retry of a stored post, has its
files discarded.

A second thread runs the store's housekeeping (`Store.checkpoint`: for SQLite,
copying the WAL into the database file) every `checkpoint_interval` seconds,
so the writer's commits do not stop to do it while every client waits.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, NoReturn

from .records import Submission
from .store import Store

if TYPE_CHECKING:
    from .files import FileStore

log = logging.getLogger("qalb.endpoint")


def die_at(point: str) -> NoReturn:
    """A fault-injection point (QALB_ENDPOINT_FAULT, tests only): SIGKILL this process now,
    as a power cut or the OOM killer would, with nothing cleaned up."""
    log.critical("QALB_ENDPOINT_FAULT=%s: killing this process now", point)
    os.kill(os.getpid(), signal.SIGKILL)
    raise SystemExit(137)  # not reached


class WriterUnavailable(RuntimeError):
    """The store could not take the submission; nothing was acknowledged."""


class Writer:
    def __init__(self, store: Store, *, max_batch: int = 512, max_pending: int = 10_000,
                 checkpoint_interval: float = 0.1, die_after_batches: int = 0,
                 files: FileStore | None = None) -> None:
        if max_batch < 1 or max_pending < max_batch:
            raise ValueError("need max_batch >= 1 and max_pending >= max_batch")
        self.store = store
        self.max_batch = max_batch
        self.max_pending = max_pending
        self.checkpoint_interval = checkpoint_interval
        #: The fault-injection point (QALB_ENDPOINT_FAULT, tests only): SIGKILL once this many
        #: batches are committed, before their posts are answered; 0: never.
        self.die_after_batches = die_after_batches
        #: Where attached files are placed after COMMIT (None: a store without files).
        self.files = files
        self._queue: asyncio.Queue[tuple[Submission, asyncio.Future[Submission]] | None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._checkpoints: asyncio.Task[None] | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qalb-writer")
        self._housekeeping = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qalb-checkpoint")
        self.batches = 0  # counters for tests and benchmarks
        self.written = 0
        self.last_batch_at = 0.0  # time.monotonic() of the last commit: how busy the writer is

    async def start(self) -> None:
        if self._task is not None:
            raise RuntimeError("Writer.start() called twice")
        self._queue = asyncio.Queue(self.max_pending)
        self._task = asyncio.create_task(self._run(), name="qalb-writer")
        self._checkpoints = asyncio.create_task(self._checkpoint_loop(), name="qalb-checkpoint")

    async def stop(self) -> None:
        """Commit what is queued, then stop. Requests arriving later get WriterUnavailable."""
        if self._task is None or self._queue is None:
            return
        await self._queue.put(None)
        await self._task
        self._task = None
        loop = asyncio.get_running_loop()
        if self._checkpoints is not None:
            self._checkpoints.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpoints
            await loop.run_in_executor(self._housekeeping, self.store.close_this_thread)
        self._housekeeping.shutdown(wait=True)
        await loop.run_in_executor(self._thread, self.store.close)
        self._thread.shutdown(wait=True)

    async def call(self, function: Any, *args: Any) -> Any:
        """Run `function` on the writer thread (store writes other than submissions)."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, function, *args)

    async def write(self, submission: Submission) -> Submission:
        """Return the stored submission (its reference may have been redrawn) after COMMIT."""
        if self._task is None or self._task.done() or self._queue is None:
            raise WriterUnavailable("the writer is not running")
        future: asyncio.Future[Submission] = asyncio.get_running_loop().create_future()
        await self._queue.put((submission, future))
        # No shield needed: if this request is cancelled (the visitor went away), only
        # its future is; the submission is still in the queue or in the batch, and is
        # committed all the same (`_run` skips answering a future that is done).
        return await future

    async def _checkpoint_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.checkpoint_interval)
            try:
                await loop.run_in_executor(self._housekeeping, self.store.checkpoint)
            except Exception as exc:
                log.warning("background checkpoint failed (%s)", type(exc).__name__)

    async def _run(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        stopping = False
        while not stopping:
            item = await self._queue.get()
            batch: list[tuple[Submission, asyncio.Future[Submission]]] = []
            while True:
                if item is None:
                    stopping = True
                else:
                    batch.append(item)
                if stopping or len(batch) >= self.max_batch or self._queue.empty():
                    break
                item = self._queue.get_nowait()
            if not batch:
                continue
            try:
                results = await loop.run_in_executor(
                    self._thread, self.store.insert_batch, [sub for sub, _ in batch])
            except Exception as exc:  # the store itself failed: no one in this batch is acknowledged
                results = [exc] * len(batch)
            self.batches += 1
            self.last_batch_at = time.monotonic()
            if self.batches == self.die_after_batches:
                die_at(f"after-commit:{self.batches}")
            if self.files is not None and any(sub.attachments for sub, _ in batch):
                await loop.run_in_executor(self._thread, self._place_files, [sub for sub, _ in batch], results)
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, Exception):
                    future.set_exception(WriterUnavailable(type(result).__name__))
                else:
                    self.written += 1
                    future.set_result(result)

    def _place_files(self, subs: list[Submission], results: list[Submission | Exception]) -> None:
        """After COMMIT: the files of each stored submission into place; those of a failed one,
        or of a retry answered with the submission stored before, discarded."""
        assert self.files is not None
        for sub, result in zip(subs, results, strict=True):
            stored = isinstance(result, Submission) and result.reference == sub.reference
            for item in sub.attachments:
                try:
                    if stored:
                        self.files.place(sub.reference, item.number)
                    else:
                        self.files.discard(sub.reference, item.number)
                except OSError as exc:
                    # Its row is committed: the file stays in this process's incoming folder and
                    # the next start's sweep places it. The submission is stored all the same.
                    log.error("an attached file could not be placed (%s); the next start places it",
                              type(exc).__name__)
