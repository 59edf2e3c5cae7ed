"""The queries of the activity and response-time reports on `submissions`
and `case_events`: how many submissions arrived in each of a list of intervals, by
which channel, and when each case of a period was first decided. None reads or
decrypts an answer or a note.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

from .connection import Database, marks


@dataclass(frozen=True)
class Decided:
    """One case received in a report's period, and its first decision if it had one."""

    submitted_at: dt.datetime
    due_at: dt.datetime | None
    decided_at: dt.datetime | None
    decision: str | None  # the decision state it first entered


class ActivityQueries(Database):

    def arrivals(self, form_id: str, bounds: Sequence[dt.datetime]) -> list[int]:
        """Accepted submissions of a form in each interval [bounds[i], bounds[i+1]): one
        statement of one index range count per interval (no row leaves the database)."""
        stored = [self._time_to_db(at) for at in bounds]
        count = ("(SELECT COUNT(*) FROM submissions WHERE form_id = ? AND status = 'accepted' "
                 "AND submitted_at >= ? AND submitted_at < ?)")
        cur = self._conn().cursor()
        cur.execute(self._sql("SELECT " + ", ".join([count] * (len(bounds) - 1))),
                    [value for i in range(len(bounds) - 1) for value in (form_id, stored[i], stored[i + 1])])
        return [int(n) for n in cur.fetchone()]

    def channel_counts(self, form_ids: Sequence[str], start: dt.datetime,
                       end: dt.datetime) -> list[tuple[str, str, int]]:
        """(form, channel, accepted submissions) that arrived in [start, end)."""
        if not form_ids:
            return []
        cur = self._conn().cursor()
        cur.execute(self._sql(f"SELECT form_id, channel, COUNT(*) FROM submissions WHERE form_id IN "
                              f"({marks(form_ids)}) AND status = 'accepted' AND submitted_at >= ? AND "
                              f"submitted_at < ? GROUP BY form_id, channel ORDER BY form_id, channel"),
                    (*form_ids, self._time_to_db(start), self._time_to_db(end)))
        return [(form_id, channel, int(n)) for form_id, channel, n in cur.fetchall()]

    def decisions(self, form_id: str, states: Sequence[str], start: dt.datetime,
                  end: dt.datetime) -> list[Decided]:
        """Each case of a form received in [start, end), with the time and state of its first
        move into one of `states` (the workflow's decisions), oldest first."""
        cur = self._conn().cursor()
        listed = marks(states) if states else "NULL"
        cur.execute(self._sql(
            f"SELECT s.id, s.submitted_at, s.due_at, e.at, e.to_state FROM submissions s "
            f"LEFT JOIN case_events e ON e.submission_id = s.id AND e.kind = 'state' AND e.to_state IN ({listed}) "
            f"WHERE s.form_id = ? AND s.status = 'accepted' AND s.case_state IS NOT NULL "
            f"AND s.submitted_at >= ? AND s.submitted_at < ? ORDER BY s.id, e.id"),
            (*states, form_id, self._time_to_db(start), self._time_to_db(end)))
        found: dict[int, Decided] = {}
        for id_, at, due, decided, state in cur.fetchall():
            if id_ not in found:  # the first decision only
                found[id_] = Decided(submitted_at=self._time_from_db(at),
                                     due_at=None if due is None else self._time_from_db(due),
                                     decided_at=None if decided is None else self._time_from_db(decided),
                                     decision=state)
        return list(found.values())

    def open_and_overdue(self, form_id: str, now: dt.datetime) -> tuple[int, int]:
        """(cases of a form not closed, of which past their due time) at `now`: overdue as the
        inbox and `cases.overdue` count it."""
        cur = self._conn().cursor()
        cur.execute(self._sql("SELECT COUNT(*), COALESCE(SUM(CASE WHEN due_at IS NOT NULL AND due_at < ? THEN 1 "
                              "ELSE 0 END), 0) FROM submissions WHERE form_id = ? AND status = 'accepted' "
                              "AND case_state IS NOT NULL AND closed_at IS NULL"),
                    (self._time_to_db(now), form_id))
        total, overdue = cur.fetchone()
        return int(total), int(overdue)
