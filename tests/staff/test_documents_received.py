"""Files added to a case later (store.add_attachments, as the status page does) show in the
case's timeline and in the committee print as "documents received", in Arabic and English.
The backend does not matter here (the store's tests run both): SQLite only."""
from __future__ import annotations

import re
from typing import Any

import pytest

from generator.submissions.records import Attachment
from tests.staff.conftest import Staff, csrf
from tests.staff.test_inbox import MOBILE, signed_in
from tests.support.samples import submit

CW = "cw@example.org"


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_documents_received_are_in_the_timeline_and_the_committee_print(both: Staff, forms: dict[str, Any]) -> None:
    ws = both
    reference = submit(ws, forms, "help-request", mobile=MOBILE)
    files = [Attachment(number=n, field="medical_reports", name=f"تقرير {n}.pdf", media_type="application/pdf",
                        size=1000, sha256="0" * 64, scan="clean", key_id="k1", added_by="status-page")
             for n in (1, 2)]
    ws.store.add_attachments(reference, files, who="status-page")
    with signed_in(ws, CW, "caseworker", ("help-request",)) as client:
        for lang, words, who in (("ar", "وصلت مستندات من المتقدم: عدد الملفات", "المتقدم، من صفحة حالة الطلب"),
                                 ("en", "Documents received from the applicant: 2 file(s)",
                                  "The applicant, from the status page")):
            page = client.get(f"/staff/submissions/{reference}").text
            if lang == "en":
                client.post("/staff/language", data={"csrftoken": csrf(page), "lang": "en", "next": "/staff/"})
                page = client.get(f"/staff/submissions/{reference}").text
            for html in (page, client.get(f"/staff/submissions/{reference}/committee").text):
                item = re.search(r'<li class="timeline__documents-received">(.*?)</li>', html, re.S)
                assert item and words in item[1] and f"{who}</bdi>" in item[1], html[:200]
                assert "تقرير" not in item[1]  # the names are not in the timeline
