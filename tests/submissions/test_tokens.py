"""Staff access: named, revocable export tokens, and the audit log of every export. Both backends."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from generator.endpoint.app import create_app
from generator.submissions import audit
from generator.submissions.commands import export, token
from generator.submissions.secure_store import open_secure_store
from tests.support.fixtures import LiveServer, make_settings
from tests.support.rawdata import canary_answers


def test_a_revoked_token_gets_401_and_every_export_is_audited(
        forms: dict[str, Any], forms_root: Path, store_url: str, tmp_path: Path, live: Callable[[Any], LiveServer],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", store_url)
    settings = make_settings(forms_root, store_url)  # no QALB_EXPORT_TOKEN_HASHES: database tokens only
    server = live(create_app(settings=settings, forms=forms, store=open_secure_store(settings, forms)))
    answers, canaries = canary_answers(forms["enquiry"])
    with server.client() as client:
        assert client.get("/api/forms/enquiry/export").status_code == 404  # no token yet: export is off
        assert client.post("/api/forms/enquiry", data={**answers, "lang": "en"}).status_code == 303

        assert token(forms_root, action="create", name="amal", staff="admin") == 0
        secret = capsys.readouterr().out.strip()
        assert token(forms_root, action="create", name="amal") == 1  # names are unique
        bearer = {"Authorization": f"Bearer {secret}"}
        response = client.get("/api/forms/enquiry/export", headers=bearer)
        assert response.status_code == 200
        assert client.get("/api/forms/enquiry/export", headers={"Authorization": "Bearer nope"}).status_code == 401

        assert token(forms_root, action="revoke", name="amal") == 0
        response = client.get("/api/forms/enquiry/export", headers=bearer)
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
        assert token(forms_root, action="revoke", name="amal") == 1  # already revoked

    capsys.readouterr()
    assert token(forms_root, action="list") == 0
    listed = capsys.readouterr().out
    assert "amal" in listed and "revoked" in listed and secret not in listed

    assert export(forms_root, form_id="enquiry", out=tmp_path / "out", status="accepted", staff="Huda") == 0
    assert export(forms_root, form_id="enquiry", out=tmp_path / "out2", status="suspected-spam") == 0

    store = open_secure_store(settings, forms)
    entries = store.audit_entries()
    cur = store._conn().cursor()
    cur.execute("SELECT digest FROM export_tokens")
    (digest,), = cur.fetchall()
    store.close()
    assert [(e["actor"], e["action"], e["form_id"], e["rows"]) for e in entries] == [
        ("admin", "token-create", None, 0),
        ("token:amal", "http-export", "enquiry", 1),
        (audit.actor(), "token-revoke", None, 0),
        ("Huda", "export", "enquiry", 1),
        (audit.actor(), "export", "enquiry", 0),
    ]
    assert digest != secret and len(digest) == 64  # only the digest is stored
    text = repr(entries)
    assert secret not in text and not any(value in text for value in canaries)
