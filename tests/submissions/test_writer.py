"""The single writer: batches concurrent submissions and answers only after COMMIT."""
from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Sequence

import pytest

from generator.submissions.records import Submission
from generator.submissions.store import Store
from generator.submissions.writer import Writer, WriterUnavailable
from tests.submissions.test_store import make


def test_concurrent_writes_are_committed_in_batches(store: Store) -> None:
    async def scenario() -> list[Submission]:
        writer = Writer(store, max_batch=64)
        await writer.start()
        try:
            results = await asyncio.gather(*(writer.write(make()) for _ in range(300)))
        finally:
            await writer.stop()
        assert writer.written == 300
        assert writer.batches < 300  # grouped, not one transaction each
        return results

    results = asyncio.run(scenario())
    assert len({r.reference for r in results}) == 300
    # read on this thread's own connection: the writer's rows are committed, not just written
    assert {s.reference for s in store.submissions()} == {r.reference for r in results}


class GatedStore:
    """Wraps a store; insert_batch waits until the test opens the gate."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.gate = threading.Event()
        self.committed = threading.Event()

    def insert_batch(self, subs: Sequence[Submission]) -> list[Submission | Exception]:
        self.gate.wait(10)
        result = self.inner.insert_batch(subs)
        self.committed.set()
        return result

    def close(self) -> None:
        self.inner.close()

    def checkpoint(self) -> None:
        self.inner.checkpoint()

    def close_this_thread(self) -> None:
        self.inner.close_this_thread()


def test_no_answer_before_commit(store: Store) -> None:
    gated = GatedStore(store)

    async def scenario() -> None:
        writer = Writer(gated, max_batch=8)  # type: ignore[arg-type]
        await writer.start()
        task = asyncio.create_task(writer.write(make()))
        await asyncio.sleep(0.2)
        assert not task.done()  # still waiting: nothing committed yet
        gated.gate.set()
        stored = await task
        assert gated.committed.is_set()
        assert store.count() == 1 and stored.reference
        await writer.stop()

    asyncio.run(scenario())


class BrokenStore:
    def insert_batch(self, subs: Sequence[Submission]) -> list[Submission | Exception]:
        raise OSError("disk full")

    def checkpoint(self) -> None:
        raise OSError("disk full")  # housekeeping fails too: logged, never raised

    def close(self) -> None:
        pass

    def close_this_thread(self) -> None:
        pass


def test_a_failing_store_answers_unavailable_not_success() -> None:
    async def scenario() -> None:
        writer = Writer(BrokenStore(), max_batch=8)  # type: ignore[arg-type]
        await writer.start()
        with pytest.raises(WriterUnavailable):
            await writer.write(make())
        await writer.stop()
        with pytest.raises(WriterUnavailable):
            await writer.write(make())

    asyncio.run(scenario())


def test_misuse_fails_at_once() -> None:
    with pytest.raises(ValueError):
        Writer(BrokenStore(), max_batch=0)  # type: ignore[arg-type]


def test_a_cancelled_request_still_has_its_submission_committed(store: Store) -> None:
    """A visitor who goes away mid-commit (the request task is cancelled) loses nothing,
    and the requests batched with theirs are answered as usual."""
    gated = GatedStore(store)

    async def scenario() -> tuple[str, list[Submission]]:
        writer = Writer(gated, max_batch=8)  # type: ignore[arg-type]
        await writer.start()
        leaving, staying = make(), [make() for _ in range(3)]
        gone = asyncio.create_task(writer.write(leaving))
        others = [asyncio.create_task(writer.write(sub)) for sub in staying]
        await asyncio.sleep(0.2)  # all four queued or in the batch waiting at the gate
        gone.cancel()
        gated.gate.set()
        answered = await asyncio.gather(*others)
        with pytest.raises(asyncio.CancelledError):
            await gone
        await writer.stop()
        return leaving.reference, answered

    leaving, answered = asyncio.run(scenario())
    stored = {s.reference for s in store.submissions()}
    assert leaving in stored
    assert {s.reference for s in answered} <= stored


@pytest.mark.parametrize("interval", [0.05, 3600.0])
def test_the_wal_is_copied_into_the_database_file_beside_the_writer(tmp_path, interval: float) -> None:
    """SQLite: while the endpoint writes, committed pages reach the database file through
    the background checkpoint, not through checkpoints inside the commits (which wait
    for 10,000 pages). Without the background thread (interval of an hour) they stay in the WAL."""
    from generator.submissions.store import open_store

    path = tmp_path / "submissions.db"
    store = open_store(f"sqlite:///{path}")
    store.migrate()
    store.checkpoint()
    before = path.stat().st_size

    async def scenario() -> None:
        writer = Writer(store, max_batch=32, checkpoint_interval=interval)
        await writer.start()
        try:
            for _ in range(10):
                await asyncio.gather(*(writer.write(make()) for _ in range(30)))
            await asyncio.sleep(0.3)  # a few background rounds
        finally:
            await writer.stop()

    asyncio.run(scenario())
    grown = path.stat().st_size > before
    assert grown == (interval < 1), f"database file {before} -> {path.stat().st_size} bytes"
    reopened = open_store(f"sqlite:///{path}")
    try:
        assert reopened.count() == 300  # all committed either way
    finally:
        reopened.close()


def test_files_are_placed_after_commit_and_discarded_for_a_failed_or_retried_post(store: Store, tmp_path: Path) -> None:
    import dataclasses

    from generator.submissions.crypto import DataKeys, new_key
    from generator.submissions.files import FileStore
    from generator.submissions.records import Attachment

    keys, files = DataKeys([new_key()]), FileStore(tmp_path / "files")
    taken = make()
    store.insert_batch([taken])

    def with_file(sub: Submission, **more: object) -> Submission:
        with files.upload(sub.reference, 1, keys) as sealed:
            sealed.write(b"report of " + sub.reference.encode())
        item = Attachment(number=1, field="medical_reports", name="r.pdf", media_type="application/pdf", size=1,
                          sha256="0" * 64, scan="clean", key_id=keys.newest)
        return dataclasses.replace(sub, attachments=(item,), **more)  # type: ignore[arg-type]

    good = with_file(make(), post_key="k" * 64)
    clash = with_file(dataclasses.replace(make(), reference=taken.reference))  # a reference drawn twice
    retry = with_file(make(), post_key="k" * 64)  # the same post again, with its own upload

    async def scenario() -> list[object]:
        writer = Writer(store, files=files)
        await writer.start()
        try:
            first = await writer.write(good)
            rest = await asyncio.gather(writer.write(clash), writer.write(retry), return_exceptions=True)
            return [first, *rest]
        finally:
            await writer.stop()

    first, failed, again = asyncio.run(scenario())
    assert first == good and isinstance(failed, WriterUnavailable)
    assert isinstance(again, Submission) and again.reference == good.reference  # answered with the stored one
    with files.open(good.reference, 1, keys) as reader:
        assert reader.read() == b"report of " + good.reference.encode()
    assert list(files.incoming().iterdir()) == [files.incoming() / ".lock"]  # the other two discarded
    assert not files.path(retry.reference, 1).exists() and not files.path(taken.reference, 1).exists()
    files.close()
