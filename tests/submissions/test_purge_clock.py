"""Retention: `purge` with the clock moved forward (an injected `now`, no sleeping)
leaves no submission older than its form's retention_days, on both backends."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from generator.submissions.commands import purge
from generator.submissions.records import Submission
from generator.submissions.references import new_reference
from generator.submissions.secure_store import open_secure_store
from tests.support.fixtures import make_settings


@pytest.mark.parametrize("days_later", [0, 45, 400])
def test_purge_leaves_nothing_past_each_forms_limit(forms: dict[str, Any], forms_root: Path, store_url: str,
                                                    days_later: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", store_url)
    settings = make_settings(forms_root, store_url)
    store = open_secure_store(settings, forms)
    start = dt.datetime(2026, 3, 1, 12, tzinfo=dt.timezone.utc)
    rows = [Submission(reference=new_reference(), form_id=form.id, form_version="1", language="ar",
                       submitted_at=start - dt.timedelta(days=age), consent={}, status=status,  # type: ignore[arg-type]
                       answers={"mobile": "0512345678", "note": "x"})
            for form in forms.values()
            for age in (0, 1, form.retention_days - 1, form.retention_days + 1, 3 * form.retention_days)
            for status in ("accepted", "suspected-spam")]
    assert store.insert_batch(rows) == rows
    store.close()

    now = start + dt.timedelta(days=days_later)
    assert purge(forms_root, now=now) == 0

    store = open_secure_store(settings, forms)
    left = list(store.submissions(None, status=None))
    for form in forms.values():
        limit = now - dt.timedelta(days=form.retention_days)
        assert store.count_before(form.id, limit) == 0
        expected = {r.reference for r in rows if r.form_id == form.id and r.submitted_at >= limit}
        assert {s.reference for s in left if s.form_id == form.id} == expected
    assert store.lookup_key_ids() <= {store.indexer.key.id}
    cur = store._conn().cursor()
    cur.execute("SELECT COUNT(*) FROM submission_lookups")
    assert cur.fetchone()[0] == len(left)  # the purged rows' lookup hashes went with them
    purges = [e for e in store.audit_entries() if e["action"] == "purge"]
    store.close()
    assert sorted(e["form_id"] for e in purges) == sorted(forms)
    assert sum(e["rows"] for e in purges) == len(rows) - len(left)
