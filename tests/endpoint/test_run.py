"""`python -m generator run`: the built site and the endpoint together on one port."""
from __future__ import annotations

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
from tests.support.fixtures import LiveServer, make_settings
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
                health = httpx.get(f"{base}/api/health", timeout=2)
                break
            except httpx.TransportError as exc:
                if time.monotonic() > deadline or process.poll() is not None:
                    output = process.stdout.read().decode() if process.stdout else "no output"
                    raise AssertionError(output) from exc
                time.sleep(0.1)
        assert health.json() == {"status": "ok"}
        assert httpx.get(f"{base}/en/missing", timeout=5).status_code == 404
        form = forms["enquiry"]
        posted = httpx.post(f"{base}/api/forms/enquiry", data=valid_answers(form), timeout=5)
        assert posted.status_code == 303
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0].decode()
    # uvicorn shuts down cleanly, then re-raises SIGTERM so the exit status says why it stopped
    assert process.returncode in (0, -15), output
    assert "Application shutdown complete" in output and "Traceback" not in output
