"""`python -m generator run`: the built site and the endpoint together on one port."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest

from generator import PROJECT_ROOT
from generator.endpoint.app import create_app
from tests.support.fixtures import LiveServer, default_tls_context, make_settings
from tests.support.postgres import free_port
from tests.support.samples import build_site, valid_answers


@pytest.fixture
def server(forms: dict[str, Any], forms_root: Path, tmp_path: Path, live: Callable[[Any], LiveServer]) -> LiveServer:
    site = build_site(tmp_path / "site", forms)
    settings = make_settings(forms_root, f"sqlite:///{tmp_path / 'run.db'}", site_dir=site)
    return live(create_app(settings=settings, forms=forms, serve_site=True))


def test_static_pages_and_the_404_of_each_language(server: LiveServer) -> None:
    with server.client() as client:
        assert "الرئيسية" in client.get("/").text
        assert "Home" in client.get("/en/").text
        ar = client.get("/no/such/page/")
        en = client.get("/en/no/such/page/")
        assert (ar.status_code, en.status_code) == (404, 404)
        assert 'lang="ar"' in ar.text and "غير موجودة" in ar.text
        assert 'lang="en"' in en.text and "Not found" in en.text
        assert client.get("/en").status_code in (200, 307)  # the folder without its slash
        assert client.get("/forms/enquiry/").status_code == 200
        assert client.get("/forms/enquiry").status_code == 307  # to the slash URL
        assert client.get("/").headers["x-content-type-options"] == "nosniff"


def test_a_post_from_the_served_page_ends_on_the_thank_you_page(server: LiveServer, forms: dict[str, Any]) -> None:
    form = forms["enquiry"]
    with server.client() as client:
        response = client.post(f"/api/forms/{form.id}", data={**valid_answers(form), "lang": "en"},
                               headers={"Origin": server.url})
        assert response.status_code == 303
        thanks = client.get(response.headers["location"])
    assert thanks.status_code == 200 and "We will reply in about <strong>two weeks</strong>" in thanks.text


def test_the_run_command_serves_site_and_endpoint(forms_root: Path, tmp_path: Path, forms: dict[str, Any]) -> None:
    build_site(tmp_path / "site", forms)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cmd.db'}", "QALB_SITE_DIR": str(tmp_path / "site"),
           "PYTHONPATH": str(PROJECT_ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "generator", "--root", str(forms_root), "run",
                                "--host", "127.0.0.1", "--port", str(port)],
                               cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"{base}/api/health", timeout=2, verify=default_tls_context())
                break
            except httpx.TransportError as exc:
                if time.monotonic() > deadline or process.poll() is not None:
                    output = process.stdout.read().decode() if process.stdout else "no output"
                    raise AssertionError(output) from exc
                time.sleep(0.1)
        assert health.json() == {"status": "ok"}
        assert httpx.get(f"{base}/en/missing", timeout=5, verify=default_tls_context()).status_code == 404
        form = forms["enquiry"]
        posted = httpx.post(f"{base}/api/forms/enquiry", data=valid_answers(form), timeout=5, verify=default_tls_context())
        assert posted.status_code == 303
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0].decode()
    # uvicorn shuts down cleanly, then re-raises SIGTERM so the exit status says why it stopped
    assert process.returncode in (0, -15), output
    assert "Application shutdown complete" in output and "Traceback" not in output


def test_run_opens_one_store_with_one_planner_and_a_case_move_queues_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, live: Callable[[Any], LiveServer]) -> None:
    """`run` as the command builds it (build_app with cli._staff_beside): the endpoint and the
    workspace share one store, whose planner is the one made when it was opened and stays
    it once the lifespans (the endpoint's sender among them) have started; a case moved in
    the workspace to a state that tells the applicant queues that message once."""
    from generator.cli import _staff_beside
    from generator.endpoint.commands import build_app
    from generator.staff.accounts import utc_clock
    from tests.staff.conftest import Staff
    from tests.staff.test_casework import move
    from tests.staff.test_inbox import signed_in
    from tests.support.fixtures import form_files, make_project
    from tests.support.samples import submit

    (tmp_path / "project").mkdir()
    root = make_project(tmp_path / "project", form_files())
    told = root / "forms" / "help-request.yml"  # the applicant is told of the workflow's decisions
    told.write_text(told.read_text(encoding="utf-8").replace("\nschema:\n", "\nnotify:\n  applicant: true\nschema:\n", 1),
                    encoding="utf-8")
    for name, value in {"DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}", "QALB_SITE_DIR": str(tmp_path / "site"),
                        "QALB_SMTP_URL": f"smtp://127.0.0.1:{free_port()}", "QALB_MAIL_FROM": "noreply@qalb.example",
                        "QALB_STAFF_SIGN_IN_LIMIT": "off"}.items():
        monkeypatch.setenv(name, value)

    built = build_app(root, serve_site=True, beside=_staff_beside(root))
    assert built is not None
    app = built[0]
    endpoint, workspace = app.state.endpoint, app.prefixes["/staff"].state.workspace
    store, planner = endpoint.store, endpoint.store.outbox_planner
    assert workspace.store is store and planner is not None and planner.email
    with pytest.raises(AttributeError):
        store.outbox_planner = None  # fixed when opened
    server = live(app)  # the lifespans run: the endpoint starts its sender on this store
    assert app.state.runner.sender is not None and store.outbox_planner is planner and workspace.store is store

    ws = Staff(server, workspace.settings, utc_clock, None, workspace, dict(workspace.forms))  # type: ignore[arg-type]
    reference = submit(server, ws.forms, "help-request", email="sara@example.org")
    with signed_in(ws, "cw@example.org", "caseworker", ("help-request",)) as client:
        assert move(client, reference, "under-study").status_code == 303
        assert move(client, reference, "accepted").status_code == 303  # notify_applicant: true
    told_of = [m for m in store.outbox_messages() if m.reference == reference and m.kind == "state-change"]
    assert [(m.recipient, json.loads(m.detail)["state"]) for m in told_of] == [("sara@example.org", "accepted")]
