"""A person's files in subject requests and retention (issue 36, item 5), both backends, with
files sealed on disk as the endpoint stores them: `subject export` hands over the person's
files beside the pages, listed with their SHA-256; `subject delete` leaves nothing of them in
the files folder or the database (the raw bytes are read); `purge` removes the files of what
it deletes; the `export` command writes a form's files into its Data Package folder."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from generator.submissions.commands import export, purge, subject
from generator.submissions.files import FileStore
from generator.submissions.secure_store import open_secure_store
from generator.submissions.subject import search_values
from tests.support.attachments import image_bytes, pdf_bytes, store_with_files
from tests.support.fixtures import make_settings
from tests.support.rawdata import raw_database

NAME = "تقرير المريض.pdf"


def stored_paths(root: Path) -> list[str]:
    """Every file under the files folder, as paths relative to it (the incoming folders too)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.name != ".lock")


def test_subject_export_hands_over_the_files_and_subject_delete_and_purge_leave_no_byte(
        forms: dict[str, Any], forms_root: Path, store_url: str, tmp_path: Path, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "files"
    monkeypatch.setenv("DATABASE_URL", store_url)
    monkeypatch.setenv("QALB_FILES_DIR", str(folder))
    store = open_secure_store(make_settings(forms_root, store_url), forms)
    files, form = FileStore(folder), forms["help-request"]
    now = dt.datetime.now(dt.timezone.utc)
    pdf, png = pdf_bytes("mine"), image_bytes("PNG")
    mine = store_with_files(store, files, form, [(NAME, "application/pdf", pdf), ("صورة.png", "image/png", png)],
                            at=now, national_id="1098765432", mobile="0551112222", applicant_name="سارة محمد")
    other = store_with_files(store, files, form, [("other.pdf", "application/pdf", pdf_bytes("other"))], at=now,
                             national_id="1011111111", mobile="0559999999", applicant_name="Someone Else Entirely")
    files.close()
    store.close()
    ask = search_values(mobile=["+966 55 111 2222"])

    assert subject(forms_root, action="export", values=ask, out=tmp_path / "handover") == 0
    handover = tmp_path / "handover"
    data = json.loads((handover / "subject-data.json").read_text(encoding="utf-8"))
    [sub] = data["submissions"]
    assert [(f["number"], f["name"], f["sha256"]) for f in sub["files"]] == [
        (1, NAME, hashlib.sha256(pdf).hexdigest()), (2, "صورة.png", hashlib.sha256(png).hexdigest())]
    for item, content in zip(sub["files"], (pdf, png), strict=True):
        path = handover / item["path"]
        assert path.read_bytes() == content and item["path"].startswith(f"files/{mine}/{item['number']}-")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    page = (handover / "subject-data.html").read_text(encoding="utf-8")
    assert f'href="{sub["files"][0]["path"]}"><bdi dir="auto">{NAME}</bdi>' in page
    with (handover / "files.csv").open(encoding="utf-8", newline="") as handle:
        assert [r["reference"] for r in csv.DictReader(handle)] == [mine, mine]
    assert other not in str(sorted(handover.rglob("*")))

    assert subject(forms_root, action="delete", values=ask) == 0
    assert "deleted 1 submission(s)" in capsys.readouterr().err
    assert stored_paths(folder) == [f"{other}/1"]  # nothing of the person in the files folder
    store = open_secure_store(make_settings(forms_root, store_url), forms)
    try:
        assert store.attachments_of(mine) == [] and len(store.attachments_of(other)) == 1
        cur = store._conn().cursor()
        cur.execute(store._sql("SELECT COUNT(*) FROM attachments WHERE reference = ?"), (mine,))
        assert cur.fetchone()[0] == 0
    finally:
        store.close()
    raw = raw_database(store_url, request)  # SQLite: the files with their free pages; PostgreSQL: a dump
    assert mine.encode() not in raw and other.encode() in raw

    # A delete stopped between its commit and the files' removal leaves a folder without rows: purge finds it.
    (folder / mine).mkdir()
    (folder / mine / "1").write_bytes(b"sealed bytes left behind")
    assert purge(forms_root, now=now + dt.timedelta(days=form.retention_days + 1)) == 0
    assert "deleted the files of 1 submission(s) no longer stored" in capsys.readouterr().err
    assert stored_paths(folder) == []  # the purged submission's files went with it, and the leftover


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the folder, not the backend, is tested
def test_the_export_command_writes_the_files_into_the_package(
        forms: dict[str, Any], forms_root: Path, store_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "files"
    monkeypatch.setenv("DATABASE_URL", store_url)
    monkeypatch.setenv("QALB_FILES_DIR", str(folder))
    store = open_secure_store(make_settings(forms_root, store_url), forms)
    files = FileStore(folder)
    pdf = pdf_bytes()
    reference = store_with_files(store, files, forms["help-request"], [(NAME, "application/pdf", pdf)],
                                 at=dt.datetime.now(dt.timezone.utc))
    files.close()
    store.close()
    out = tmp_path / "package"
    assert export(forms_root, form_id="help-request", out=out, status="accepted") == 0
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in package["resources"]] == ["help-request", "files"]
    [stored] = list((out / "files" / reference).iterdir())
    assert stored.read_bytes() == pdf and stored.name == "1-file.pdf"  # an Arabic name: no ASCII letters
