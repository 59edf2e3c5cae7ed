"""What admins do with messages that could not be sent: list them, put one back.

The `notify failed` / `notify retry` commands call these; the staff
workspace (generator/staff/messages_page.py) does the same through the store's
methods, as it may not import this package. A listing shows the row id, form,
reference, kind, language, tries and the kind of the last error; never the
recipient.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from generator.submissions import audit
from generator.submissions.db.outbox import OutboxMessage
from generator.submissions.records import utc_now

if TYPE_CHECKING:
    from generator.submissions.store import Store


def failed_messages(store: Store) -> list[OutboxMessage]:
    return list(store.outbox_messages(status="failed"))


def retry_message(store: Store, message_id: int, *, who: str, now: dt.datetime | None = None) -> bool:
    """Put a failed message back in the queue (its tries start again) and audit who did;
    False when there is no failed message with that id."""
    now = now or utc_now()
    if not store.retry_outbox(message_id, now):
        return False
    found = store.outbox_messages(ids=[message_id])
    audit.record(store, who=who, action="notify-retry", form_id=found[0].form_id if found else None, rows=1,
                 detail=f"message={message_id}", now=now)
    return True


def describe(message: OutboxMessage) -> str:
    return (f"{message.id}\t{message.form_id}\t{message.reference}\t{message.kind}\t{message.language}\t"
            f"{message.attempts} tries\t{message.last_error or '-'}\t"
            f"{message.created_at.isoformat(timespec='seconds')}")
