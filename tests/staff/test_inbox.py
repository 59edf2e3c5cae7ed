"""The inbox (issue 18) against one real server holding the public endpoint and the
workspace on the same store (as `run` serves them), on SQLite and PostgreSQL:
submissions made through the public form in the same test, then found, opened,
printed, released and exported by staff; and the refusals by role."""
from __future__ import annotations

import contextlib
import io
import re
import zipfile
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from tests.staff.conftest import Staff, search
from tests.support.samples import submit

MOBILE = "0512345678"
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@contextlib.contextmanager
def signed_in(ws: Staff, email: str, role: str = "admin", forms: tuple[str, ...] = ()) -> Iterator[httpx.Client]:
    with ws.client() as client:
        ws.set_up(client, ws.add(email, role, forms))
        yield client


def count(page: str, form_id: str, kind: str) -> int:
    row = re.search(rf'<tr data-form="{form_id}">(.*?)</tr>', page, re.S)
    assert row, f"no row for {form_id}"
    cell = re.search(rf'class="count-{kind}">(?:<a [^>]*>)?(\d+)', row[1])
    assert cell
    return int(cell[1])


def test_found_by_arabic_indic_digits_opened_printed_and_audited(both: Staff, forms: dict[str, Any]) -> None:
    ws = both
    reference = submit(ws, forms, "help-request", mobile=MOBILE, applicant_name="\u202eسارة Smith")
    with signed_in(ws, "admin@example.org") as client:
        home = client.get("/staff/")
        new_before = count(home.text, "help-request", "new")
        assert new_before >= 1
        typed = reference.lower().replace("-", " ").translate(ARABIC_INDIC)
        found = search(client, typed)
        assert found.status_code == 200
        assert f'href="/staff/submissions/{reference}"' in found.text
        by_mobile = search(client, "+966 51 234 5678")
        assert f'href="/staff/submissions/{reference}"' in by_mobile.text
        bookmarked = client.get("/staff/search", params={"q": "+966 51 234 5678"})  # from before it was a POST
        assert bookmarked.status_code == 200 and reference not in bookmarked.text and "5678" not in bookmarked.text
        listed = client.get("/staff/forms/help-request/")
        # the list shows the summary answers (issue 33), each isolated as on the submission page
        assert reference in listed.text and '<bdi dir="auto">\u202eسارة Smith</bdi>' in listed.text
        page = client.get(f"/staff/submissions/{reference}")
        assert page.status_code == 200
        assert '<bdi dir="auto">\u202eسارة Smith</bdi>' in page.text
        assert count(client.get("/staff/").text, "help-request", "new") == new_before - 1
        views = ws.audit("staff-view")
        assert [v["detail"] for v in views] == [reference]
        assert "سارة" not in str(ws.store.audit_entries())
        printed = client.get(f"/staff/submissions/{reference}/print")
        assert printed.status_code == 200 and "top__nav" not in printed.text and reference in printed.text
        assert [v["detail"] for v in ws.audit("staff-print")] == [reference]
        # Opening it again does not change the count.
        client.get(f"/staff/submissions/{reference}")
        assert count(client.get("/staff/").text, "help-request", "new") == new_before - 1


def test_a_spam_one_is_released_and_shows_in_the_list(both: Staff, forms: dict[str, Any]) -> None:
    ws = both
    from generator.forms import HONEYPOT_FIELD

    reference = submit(ws, forms, "help-request", **{HONEYPOT_FIELD: "buy now"})
    with signed_in(ws, "cw@example.org", "caseworker", ("help-request",)) as client:
        assert count(client.get("/staff/").text, "help-request", "spam") == 1
        assert reference not in client.get("/staff/forms/help-request/").text
        folder = client.get("/staff/forms/help-request/spam")
        assert reference in folder.text
        token = re.search(r'name="csrftoken" value="([^"]+)"', folder.text)[1]  # type: ignore[index]
        released = client.post(f"/staff/submissions/{reference}/release", data={"csrftoken": token})
        assert released.status_code == 303
        assert reference in client.get("/staff/forms/help-request/").text
        [sub] = ws.store.submissions("help-request", reference=reference)
        assert sub.status == "accepted" and sub.case_state == forms["help-request"].workflow.initial.id
        assert [e["detail"] for e in ws.audit("staff-spam-release")] == [reference]
        # Accepted now: no delete page, no delete.
        assert client.get(f"/staff/submissions/{reference}/delete").status_code == 404
        assert client.post(f"/staff/submissions/{reference}/delete", data={"csrftoken": token}).status_code == 404


def test_an_export_zip_passes_frictionless_validate(both: Staff, forms: dict[str, Any], tmp_path: Path) -> None:
    import subprocess
    import sys

    ws = both
    submit(ws, forms, "volunteer")
    with signed_in(ws, "admin@example.org") as client:
        response = client.get("/staff/forms/volunteer/export", params={"from": "2020-01-01", "to": "2099-12-31"})
        assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            archive.extractall(tmp_path)
        rows = (tmp_path / "volunteer.csv").read_text(encoding="utf-8-sig").splitlines()
        assert len(rows) == 2
        empty = client.get("/staff/forms/volunteer/export", params={"from": "2020-01-01", "to": "2020-01-02"})
        with zipfile.ZipFile(io.BytesIO(empty.content)) as archive:
            assert len(archive.read("volunteer.csv").decode("utf-8-sig").splitlines()) == 1
    checked = subprocess.run([str(Path(sys.executable).parent / "frictionless"), "validate",
                              str(tmp_path / "datapackage.json")], capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert [e["rows"] for e in ws.audit("staff-export")] == [1, 0]


def test_roles_a_volunteer_caseworker_and_a_viewer(both: Staff, forms: dict[str, Any]) -> None:
    ws = both
    reference = submit(ws, forms, "help-request", mobile=MOBILE)
    with signed_in(ws, "vol@example.org", "caseworker", ("volunteer",)) as client:
        assert client.get(f"/staff/submissions/{reference}").status_code == 404
        assert client.get(f"/staff/submissions/{reference}/print").status_code == 404
        assert client.get("/staff/forms/help-request/").status_code == 404
        assert client.get("/staff/forms/help-request/export").status_code == 404
        for query in (reference, MOBILE):
            found = search(client, query)
            assert found.status_code == 200 and f"/staff/submissions/{reference}" not in found.text
    with signed_in(ws, "view@example.org", "viewer", ("help-request",)) as client:
        home = client.get("/staff/")
        assert count(home.text, "help-request", "new") >= 1
        assert 'href="/staff/forms/help-request/"' not in home.text
        assert client.get(f"/staff/submissions/{reference}").status_code == 404
        assert client.get("/staff/forms/help-request/").status_code == 404
        assert search(client, reference).status_code == 404
    refused = [e for e in ws.audit("staff-refused") if e["actor"] in ("vol@example.org", "view@example.org")]
    assert len(refused) >= 7
    assert not ws.audit("staff-view")


def test_found_by_a_name_typed_with_other_letter_forms_only_in_the_forms_seen(
        both: Staff, forms: dict[str, Any]) -> None:
    """Issue 33: callers give their name. All typed words must match; a caseworker of
    help-request finds nothing of contact's, though the name is there."""
    ws = both
    asked = submit(ws, forms, "help-request", applicant_name="محمد عبدالله القحطاني")
    wrote = submit(ws, forms, "contact", name="Faisal Al-Harbi")
    with signed_in(ws, "cw@example.org", "caseworker", ("help-request",)) as client:
        for typed in ("محمد القحطاني", "القحطانى", "مُحمّد"):
            found = search(client, typed)
            assert found.status_code == 200 and f'href="/staff/submissions/{asked}"' in found.text, typed
        assert asked not in search(client, "محمد الحربي").text  # every word, not any
        assert wrote not in search(client, "al-harbi").text  # contact is not this account's form
    with signed_in(ws, "admin@example.org") as client:
        found = search(client, "al-harbi")
        assert f'href="/staff/submissions/{wrote}"' in found.text and asked not in found.text
    details = [e["detail"] for e in ws.audit("staff-search")]
    assert details == ["name found=1"] * 3 + ["name found=0"] * 2 + ["name found=1"]
    assert not [d for d in details if "محمد" in d or "harbi" in d]  # never the name typed


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the page, not the backend, decides
def test_the_page_and_print_show_only_the_questions_that_applied(staff: Any, forms: dict[str, Any]) -> None:
    """Issue 37: a submission from before help-request's follow-ups (or any stored row) that holds
    an answer to a question that did not apply (the patient's name when the applicant is the
    patient, "other support" for financial support) shows without it."""
    import datetime as dt

    from generator.submissions.records import Submission
    from generator.submissions.references import new_reference
    from tests.support.samples import valid_answers

    ws = staff()
    answers = {**valid_answers(forms["help-request"]), "relation": "self", "patient_name": "OLD-PATIENT-NAME",
               "support_kind": "financial", "support_other": "OLD-OTHER-SUPPORT", "city": "CITY-SHOWN"}
    sub = Submission(reference=new_reference(), form_id="help-request", form_version="1", language="ar",
                     submitted_at=ws.clock() - dt.timedelta(hours=1), consent={}, status="accepted",
                     answers=answers)
    assert ws.store.insert_batch([sub]) == [sub]
    with signed_in(ws, "admin@example.org") as client:
        for path in (f"/staff/submissions/{sub.reference}", f"/staff/submissions/{sub.reference}/print"):
            page = client.get(path)
            assert page.status_code == 200
            assert "CITY-SHOWN" in page.text, path
            assert "OLD-PATIENT-NAME" not in page.text and "OLD-OTHER-SUPPORT" not in page.text, path
