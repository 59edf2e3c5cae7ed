"""What every part of the workspace shares, built once by `create_app` and never changed:
the store, the forms, the clock, the organisation settings and its working calendar,
the workspace settings, accounts and sessions, the page renderer, and the helpers to
audit and to work off the event loop.

The parts (sign-in and admin pages, inbox, casework, reports, messages) each take this
context, never the app or each other.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable, Mapping, ParamSpec, TypeVar

import anyio

from generator.core.config import StaffSettings
from generator.core.organisation import Settings
from generator.forms import Form
from generator.forms.replies import Reply
from generator.submissions import audit, cases
from generator.submissions.files import FileStore
from generator.submissions.store import Store

from .accounts import Accounts, Clock
from .sessions import Sessions
from .templates import Pages

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class StaffContext:
    settings: StaffSettings
    forms: Mapping[str, Form]
    store: Store
    clock: Clock
    organisation: Settings  # content/settings.yml
    calendar: cases.WorkingCalendar  # its working days and time zone
    channel_names: Mapping[str, Mapping[str, str]]  # content/channels.yml: {channel id: {language: name}}
    accounts: Accounts
    sessions: Sessions
    pages: Pages
    services: frozenset[str] = frozenset()  # content/channels.yml's `service: true` entries: not channels
    replies: Mapping[str, tuple[Reply, ...]] = field(default_factory=dict)  # content/replies.yml, by form
    files: FileStore | None = None  # the submissions' files (issue 36: files_page.py), sealed with the data key

    @property
    def digits(self) -> str:
        """content/settings.yml's arabic_digits: how numbers are written in Arabic pages."""
        return self.organisation.arabic_digits

    @property
    def zone(self) -> dt.tzinfo:
        """The organisation's time zone: dates are shown in it, report periods start at its midnight."""
        return self.calendar.zone

    @staticmethod
    async def run(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Database and argon2 work off the event loop."""
        return await anyio.to_thread.run_sync(lambda: function(*args, **kwargs))

    def audit(self, who: str, action: str, detail: str = "", *, form_id: str | None = None, rows: int = 0) -> None:
        """An audit row at the clock's time (never a person's answers in `detail`)."""
        audit.record(self.store, who=who, action=action, form_id=form_id, rows=rows, detail=detail, now=self.clock())

    def audit_refusal(self, who: str, action: str, client: str, detail: str = "", *, kind: str = "") -> None:
        """A refusal to someone not signed in: one row per client, `kind` and minute, with a count."""
        audit.refused(self.store, who=who, action=action, client=client, kind=kind, detail=detail, now=self.clock())

    def limited(self, scope: str, client: str, limit: tuple[int, float] | None) -> int | None:
        """None, and counted, while `client` is under `limit` (posts, seconds) for `scope`,
        in the database so every replica counts alike; else the seconds to wait."""
        if limit is None:
            return None
        return self.store.limit_take(scope, client, now=self.clock(), limit=limit[0], period=limit[1])
