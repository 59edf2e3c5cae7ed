"""Nothing secret in any log: `python -m generator run` as a real process, its stdout
and stderr captured through a scripted day (a setup link opened and completed, a
sign-in, searches by national ID, mobile and e-mail, status lookups, exports), and
none of the setup token, the export token, the national ID, the mobile or the e-mail
is in them; the access log is there, paths only.
"""
from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pyotp
import pytest

from generator import PROJECT_ROOT
from generator.web.access_log import shown_path
from tests.support.fixtures import default_tls_context
from tests.support.postgres import free_port
from tests.support.samples import build_site, valid_answers

NATIONAL_ID = "1098765432"
MOBILE = "0551237788"
EMAIL = "planted.person@example.net"
PASSWORD = "copper lantern orchard minus 47"


def test_a_setup_token_is_shown_redacted_and_without_its_query() -> None:
    assert shown_path("/staff/setup/abcDEF_123-x") == "/staff/setup/…"
    assert shown_path("/staff/setup/abc/../x") == "/staff/setup/…/../x"
    assert shown_path("/staff/submissions/R-1\n200 forged") == "/staff/submissions/R-1\\n200 forged"


def cli(env: dict[str, str], root: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "generator", "--root", str(root), *args], env=env,
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[0]


@pytest.fixture
def run(forms_root: Path, forms: dict[str, Any], tmp_path: Path) -> Iterator[tuple[str, dict[str, str], Path]]:
    """`run` on a free port; yields (its URL, the tokens made for it, the file of its output)."""
    build_site(tmp_path / "site", forms)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT), "HOME": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'log.db'}", "QALB_SITE_DIR": str(tmp_path / "site"),
           "QALB_STAFF_URL": base + "/", "QALB_STAFF_SIGN_IN_LIMIT": "off"}
    tokens = {"setup": cli(env, forms_root, "staff", "add", "admin@example.org", "--name", "Admin", "--role", "admin"),
              "export": cli(env, forms_root, "token", "create", "tester")}
    output = tmp_path / "output.txt"
    with output.open("wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "generator", "--root", str(forms_root), "run",
                                    "--host", "127.0.0.1", "--port", str(port)],
                                   cwd=PROJECT_ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(f"{base}/api/health", timeout=2, verify=default_tls_context())
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline and process.poll() is None, output.read_text()
                    time.sleep(0.1)
            yield base, tokens, output
        finally:
            process.terminate()
            process.wait(timeout=20)


def csrf(html: str) -> str:
    match = re.search(r'name="csrftoken" value="([^"]+)"', html)
    assert match, html[:300]
    return match[1]


def test_a_day_of_work_leaves_no_token_or_identifier_in_the_servers_output(
        run: tuple[str, dict[str, str], Path], forms: dict[str, Any]) -> None:
    base, tokens, output = run
    form = forms["help-request"]
    answers = {**valid_answers(form), "national_id": NATIONAL_ID, "mobile": MOBILE, "email": EMAIL, "lang": "ar"}
    with httpx.Client(base_url=base, timeout=20, verify=default_tls_context()) as client:
        posted = client.post("/api/forms/help-request", data=answers, headers={"Origin": base})
        assert posted.status_code == 303, posted.text[:300]
        reference = re.search(r"ref=([^&]+)", posted.headers["location"])[1]  # type: ignore[index]
        thanks = client.get(posted.headers["location"])  # the thank-you page, ?ref= in its address
        assert thanks.status_code == 200
        assert "strict-transport-security" not in thanks.headers  # QALB_HSTS unset and no https URL: off
        for contact in (MOBILE, EMAIL, "0500000000"):  # right and wrong status lookups
            page = client.post("/api/status", data={"reference": reference, "contact": contact, "lang": "ar"},
                               headers={"Origin": base})
            assert page.status_code in (200, 404), page.text[:300]
        exported = client.get("/api/forms/help-request/export", headers={"Authorization": f"Bearer {tokens['export']}"})
        assert exported.status_code == 200
    with httpx.Client(base_url=base, timeout=20, verify=default_tls_context()) as staff:
        path = "/staff/" + tokens["setup"].split("/staff/", 1)[1]
        page = staff.get(path + "?lang=ar")
        secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.text)[1].replace(" ", "")  # type: ignore[index]
        done = staff.post(path, data={"csrftoken": csrf(page.text), "password": PASSWORD, "password_confirm": PASSWORD,
                                      "code": pyotp.TOTP(secret).now()})
        assert done.status_code == 200, done.text[:300]
        assert staff.get(path).status_code == 404  # used: its token, still, in no log
        for query in (NATIONAL_ID, MOBILE, EMAIL):
            search = staff.get("/staff/search")
            found = staff.post("/staff/search", data={"csrftoken": csrf(search.text), "q": query})
            assert f"/staff/submissions/{reference}" in found.text, query
        staff.get("/staff/search", params={"q": NATIONAL_ID})  # an old bookmark: the words are not used nor logged
        assert staff.get(f"/staff/submissions/{reference}").status_code == 200
        assert staff.get("/staff/forms/help-request/export").status_code == 200
    time.sleep(0.3)  # the last lines reach the file
    logged = output.read_text(encoding="utf-8")
    setup_token = tokens["setup"].rsplit("/", 1)[1]
    for secret_text in (setup_token, tokens["export"], NATIONAL_ID, MOBILE, MOBILE[1:], EMAIL, EMAIL.split("@")[0]):
        assert secret_text not in logged, f"{secret_text!r} is in the server's output"
    assert "uvicorn.access" not in logged and "HTTP/1.1" not in logged  # uvicorn's own access log is off
    for line in ("GET /staff/setup/… 200", "POST /staff/setup/… 200", "POST /staff/search 200",
                 "GET /staff/forms/help-request/export 200", "POST /api/status ", "GET /api/forms/help-request/export 200"):
        assert line in logged, f"{line!r} is not in the access log:\n{logged}"
    assert "?" not in "".join(re.findall(r"(?:GET|POST) (\S+) \d{3} ", logged))  # paths only, never a query
