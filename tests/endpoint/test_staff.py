"""Staff: the token export over HTTP, `export` and `purge` on the command line."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, Callable

import pytest
from frictionless import validate

from generator import PROJECT_ROOT
from generator.endpoint.app import create_app
from generator.submissions.store import open_store
from tests.support.fixtures import LiveServer, make_settings
from tests.support.samples import valid_answers

TOKEN = "correct-horse-battery-staple-0123456789"
TOKEN_HASH = hashlib.sha256(TOKEN.encode()).hexdigest()


def valid_package(folder: Path) -> None:
    report = validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


@pytest.fixture
def server(forms: dict[str, Any], forms_root: Path, store_url: str, live: Callable[[Any], LiveServer]) -> LiveServer:
    settings = make_settings(forms_root, store_url, export_token_hashes=frozenset({TOKEN_HASH}))
    return live(create_app(settings=settings, forms=forms))


def test_token_export_is_a_valid_data_package(server: LiveServer, forms: dict[str, Any], tmp_path: Path) -> None:
    with server.client() as client:
        for form in forms.values():
            for lang in ("ar", "en"):
                answers = {**valid_answers(form), "lang": lang}
                assert client.post(f"/api/forms/{form.id}", data=answers).status_code == 303
        for form in forms.values():
            response = client.get(f"/api/forms/{form.id}/export", headers={"Authorization": f"Bearer {TOKEN}"})
            assert response.status_code == 200
            assert response.headers["content-type"] == "application/zip"
            assert f'filename="{form.id}-' in response.headers["content-disposition"]
            folder = tmp_path / form.id
            with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
                archive.extractall(folder)
            valid_package(folder)
            package = json.loads((folder / "datapackage.json").read_text())
            names = [f["name"] for f in package["resources"][0]["schema"]["fields"]]
            assert names[:4] == ["reference", "submitted_at", "language", "form_version"]
            assert set(form.schema.field_names) <= set(names)
            rows = (folder / f"{form.id}.csv").read_text(encoding="utf-8-sig").splitlines()
            assert len(rows) == 3  # header + one per language


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Basic {TOKEN}", "Bearer", TOKEN, f"Bearer {TOKEN}x"])
def test_export_without_the_token_is_401(server: LiveServer, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    with server.client() as client:
        response = client.get("/api/forms/enquiry/export", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "reference" not in response.text


def test_export_is_off_without_configured_hashes(forms: dict[str, Any], forms_root: Path, tmp_path: Path,
                                                 live: Callable[[Any], LiveServer]) -> None:
    server = live(create_app(settings=make_settings(forms_root, f"sqlite:///{tmp_path / 'x.db'}"), forms=forms))
    with server.client() as client:
        response = client.get("/api/forms/enquiry/export", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 404


def generator_cli(root: Path, db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": db_url, "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.run([sys.executable, "-m", "generator", "--root", str(root), *args],
                          capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=60)


def seed(db_url: str, forms: dict[str, Any], ages_days: list[int], status: str = "accepted") -> None:
    from generator.forms import read_submission
    from generator.submissions.records import Submission, json_ready
    from generator.submissions.references import new_reference

    store = open_store(db_url)
    store.migrate()
    now = dt.datetime.now(dt.timezone.utc)
    form = forms["enquiry"]
    row = read_submission(form, {**valid_answers(form), "message": "=1+2"}).row
    store.insert_batch([Submission(reference=new_reference(), form_id="enquiry", form_version="1", language="ar",
                                   submitted_at=now - dt.timedelta(days=days), consent={}, status=status,  # type: ignore[arg-type]
                                   answers=json_ready(form.schema, row)) for days in ages_days])
    store.close()


def test_cli_export_and_spam_review(forms: dict[str, Any], forms_root: Path, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'cli.db'}"
    seed(db_url, forms, [1, 2])
    seed(db_url, forms, [1], status="suspected-spam")
    done = generator_cli(forms_root, db_url, "export", "enquiry", "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "Exported 2 submission(s) of enquiry" in done.stderr
    assert "prefixed with '" in done.stderr
    valid_package(tmp_path / "out")
    assert "'=1+2" in (tmp_path / "out" / "enquiry.csv").read_text(encoding="utf-8-sig")
    spam = generator_cli(forms_root, db_url, "export", "enquiry", "--suspected-spam", "--out", str(tmp_path / "spam"))
    assert spam.returncode == 0 and "Exported 1 submission(s)" in spam.stderr
    valid_package(tmp_path / "spam")
    unknown = generator_cli(forms_root, db_url, "export", "nope", "--out", str(tmp_path / "x"))
    assert unknown.returncode == 1 and 'there is no form "nope"' in unknown.stderr


def test_cli_purge_follows_each_forms_retention(forms: dict[str, Any], forms_root: Path, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'purge.db'}"
    retention = forms["enquiry"].retention_days
    seed(db_url, forms, [retention + 5, retention + 1, retention - 1, 0])
    dry = generator_cli(forms_root, db_url, "purge", "--dry-run")
    assert dry.returncode == 0 and "enquiry: would delete 2 submission(s)" in dry.stderr
    done = generator_cli(forms_root, db_url, "purge")
    assert done.returncode == 0 and f"enquiry: deleted 2 submission(s) older than {retention} days" in done.stderr
    store = open_store(db_url)
    assert store.count("enquiry") == 2
    store.close()


@pytest.mark.parametrize(("command", "variables", "sentence"), [
    # Each command reads the settings of its package: the endpoint's rate limit stops the
    # endpoint; the purge job reads only where the data and keys are.
    (["endpoint", "--port", "9"], {"QALB_RATE_LIMIT": "many"}, "QALB_RATE_LIMIT must look like"),
    (["purge"], {"QALB_DATA_KEY_FILE": "k.key", "QALB_LOOKUP_KEY_FILE": "k.key"}, "must be three different files"),
])
def test_bad_settings_stop_the_cli_with_a_sentence(forms_root: Path, command: list[str], variables: dict[str, str],
                                                   sentence: str) -> None:
    done = subprocess.run([sys.executable, "-m", "generator", "--root", str(forms_root), *command],
                          capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT), **variables})
    assert done.returncode == 1 and sentence in done.stderr
    assert "Traceback" not in done.stderr
