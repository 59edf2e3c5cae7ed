"""Small helpers shared by the notification tests."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Coroutine

from generator.submissions.records import Submission, utc_now
from generator.submissions.references import new_reference

from .conftest import CANARY


def submission(language: str = "ar", *, email: str | None = "sara@example.org", status: str = "accepted",
               form_id: str = "request", at: Any = None) -> Submission:
    answers: dict[str, Any] = {"full_name": f"{CANARY}-name", "message": f"{CANARY} أعاني من ألم في الصدر"}
    if email:
        answers["email"] = email
    return Submission(reference=new_reference(), form_id=form_id, form_version="1", language=language,
                      submitted_at=at or utc_now(), consent={}, status=status,  # type: ignore[arg-type]
                      answers=answers)


def send_all(sender: Any) -> int:
    """Run the sender until nothing is due; how many it claimed."""
    async def main() -> int:
        total = 0
        while claimed := await sender.send_due():
            total += claimed
        return total
    return run_apart(main)


def run_apart(main: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """asyncio.run(main()) on a thread of its own: a test's thread may already run an event
    loop (Playwright's sync API keeps one running while a browser is open, and tests/staff's
    browser lives for the whole package), where asyncio.run refuses to start another."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, main()).result()


def rows(store: Any) -> list[Any]:
    return list(store.outbox_messages())
