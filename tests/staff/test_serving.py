"""Where the workspace is served: alone (`staff serve`), at /staff/ beside the endpoint and
the site for `run`, and never by the public `endpoint`; and the account commands."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import httpx
import pyotp

from generator import PROJECT_ROOT
from generator.endpoint.app import create_app as create_endpoint
from generator.staff.commands import manage
from generator.submissions.commands import keys
from tests.staff.conftest import PASSWORD, csrf, generator_cli, path_of
from tests.support.fixtures import LiveServer, default_tls_context, make_settings
from tests.support.postgres import free_port


def test_the_public_endpoint_answers_404_under_staff(forms: dict[str, Any], forms_root: Path, store_url: str,
                                                    live: Callable[[Any], LiveServer]) -> None:
    server = live(create_endpoint(settings=make_settings(forms_root, store_url), forms=forms))
    with server.client() as client:
        for path in ("/staff", "/staff/", "/staff/sign-in", "/staff/setup/x", "/staff/static/staff.css"):
            assert client.get(path).status_code == 404, path
        assert client.post("/staff/sign-in", data={"email": "a@example.org"}).status_code == 404
        assert client.get("/api/health").status_code == 200


def test_run_serves_the_workspace_at_staff_beside_the_endpoint(forms: dict[str, Any], forms_root: Path,
                                                               store_url: str,
                                                               live: Callable[[Any], LiveServer]) -> None:
    from generator.cli import _staff_beside

    endpoint = create_endpoint(settings=make_settings(forms_root, store_url), forms=forms)
    app = _staff_beside(forms_root)(endpoint, endpoint.state.endpoint.store, forms)
    server = live(app)
    with server.client() as client:
        page = client.get("/staff/sign-in")
        assert page.status_code == 200 and 'lang="ar" dir="rtl"' in page.text
        assert client.get("/staff/").headers["location"].startswith("/staff/sign-in")
        assert client.get("/api/health").json() == {"status": "ok"}
        # The endpoint's writer runs (its lifespan started): a submission is stored.
        from tests.support.samples import valid_answers

        sent = client.post("/api/forms/enquiry", data=valid_answers(forms["enquiry"]))
        assert sent.status_code == 303


def test_staff_commands_add_list_disable_reset(forms_root: Path, store_url: str) -> None:
    added = generator_cli(forms_root, store_url, "staff", "add", "Nour@Example.org", "--name", "نور",
                          "--role", "caseworker", "--form", "enquiry", "--form", "help-request")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("http://127.0.0.1:8000/staff/setup/")
    again = generator_cli(forms_root, store_url, "staff", "add", "nour@example.org", "--name", "x", "--role", "viewer")
    assert again.returncode == 1 and "already an account for nour@example.org" in again.stderr
    unknown = generator_cli(forms_root, store_url, "staff", "add", "z@example.org", "--name", "z", "--role", "viewer",
                            "--form", "nope")
    assert unknown.returncode == 1 and "there is no form nope" in unknown.stderr
    listed = generator_cli(forms_root, store_url, "staff", "list")
    assert listed.stdout.splitlines() == ["nour@example.org\tنور\tcaseworker\tenquiry, help-request\tsetup-pending"]
    reset = generator_cli(forms_root, store_url, "staff", "reset", "nour@example.org", "--staff", "lead")
    assert reset.returncode == 0 and reset.stdout.startswith("http://127.0.0.1:8000/staff/setup/")
    assert reset.stdout != added.stdout
    disabled = generator_cli(forms_root, store_url, "staff", "disable", "nour@example.org", "--staff", "lead")
    assert disabled.returncode == 0 and "Disabled nour@example.org" in disabled.stderr
    listed = generator_cli(forms_root, store_url, "staff", "list")
    assert listed.stdout.endswith("\tdisabled\n")

    from generator.submissions.store import open_store

    store = open_store(store_url)
    try:
        entries = [(e["actor"], e["action"]) for e in store.audit_entries()]
    finally:
        store.close()
    assert entries[1:] == [("lead", "staff-account-reset"), ("lead", "staff-account-disable")]
    assert entries[0][1] == "staff-account-add"


def test_settings_come_from_the_environment_or_stop_with_a_sentence(tmp_path: Path) -> None:
    import pytest

    from generator.core.config import Config, StaffSettings
    from generator.core.environment import SettingsError

    settings = Config(tmp_path, {"QALB_STAFF_URL": "https://staff.qalb.example",
                                 "QALB_STAFF_IDLE_MINUTES": "15", "QALB_STAFF_SIGN_IN_LIMIT": "5/60"}).staff
    assert settings.secure_cookies and settings.base_url == "https://staff.qalb.example/staff/"
    assert settings.idle_minutes == 15 and settings.absolute_hours == 12 and settings.sign_in_limit == (5, 60.0)
    assert not Config(tmp_path, {}).staff.secure_cookies
    for name, value, words in (("QALB_STAFF_URL", "staff.example", "absolute http(s) URL"),
                               ("QALB_STAFF_IDLE_MINUTES", "0", "whole number above 0"),
                               ("QALB_STAFF_SIGN_IN_LIMIT", "lots", 'must look like "10/60"')):
        with pytest.raises(SettingsError, match=words.replace("(", r"\(").replace(")", r"\)")):
            Config(tmp_path, {name: value}).section(StaffSettings)


def test_staff_serve_opens_its_store_with_its_own_planner(forms_root: Path, tmp_path: Path,
                                                         monkeypatch: Any) -> None:
    """`staff serve` alone: the store it opens carries the planner its e-mail settings call
    for; the account commands' store plans nothing (they cause no message)."""
    from generator.staff.commands import open_workspace_store

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'alone.db'}")
    monkeypatch.setenv("QALB_SMTP_URL", "smtp://127.0.0.1:1")
    for notify in (True, False):
        opened = open_workspace_store(forms_root, notify=notify)
        assert opened is not None
        store = opened[2]
        try:
            planner = store.outbox_planner
            assert (planner.email if planner else None) == (True if notify else None)
        finally:
            store.close()


def test_a_store_without_the_planner_its_app_needs_is_refused_at_once(forms: dict[str, Any], forms_root: Path,
                                                                      tmp_path: Path) -> None:
    """The opener gives the store its planner; an app handed a store opened without one, while
    its settings send e-mail, would lose every message it causes: it refuses to be built."""
    import pytest

    from generator.core.config import StaffSettings
    from generator.staff.app import create_app
    from generator.submissions.secure_store import open_secure_store

    settings = StaffSettings(root=forms_root, database_url=f"sqlite:///{tmp_path / 'bare.db'}", notify_email=True)
    store = open_secure_store(settings, forms, create_keys=True)  # no planner
    try:
        with pytest.raises(ValueError, match="opened without an outbox planner"):
            create_app(settings=settings, forms=forms, store=store)
        quiet = StaffSettings(root=forms_root, database_url=settings.database_url)  # no e-mail, no webhooks
        assert create_app(settings=quiet, forms=forms, store=store) is not None
    finally:
        store.close()


def test_two_staff_serve_processes_on_one_database_accept_each_others_pages(forms_root: Path, store_url: str,
                                                                          tmp_path: Path, monkeypatch: Any,
                                                                          capsys: Any) -> None:
    """Two replicas behind a balancer without sticky sessions: a page from one posts to the
    other, before sign-in (setup) and after (the language, sign-out), for they read one staff
    key file (made once by `keys create`, as docs/deploy.md says) and one database."""
    # The commands in this process (two fewer starts of Python); the replicas as processes.
    monkeypatch.setenv("DATABASE_URL", store_url)
    assert keys(forms_root, action="create") == 0
    assert manage(forms_root, action="add", email="rana@example.org", name="رنا", role="admin") == 0
    link = capsys.readouterr().out.strip()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": store_url,
           "PYTHONPATH": str(PROJECT_ROOT)}
    ports = [free_port(), free_port()]
    logs = [(tmp_path / f"replica-{port}.log").open("w") for port in ports]
    replicas = [subprocess.Popen([sys.executable, "-m", "generator", "--root", str(forms_root), "staff", "serve",
                                  "--port", str(port)], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log)
                for port, log in zip(ports, logs)]
    one, two = (f"http://127.0.0.1:{port}" for port in ports)
    try:
        with httpx.Client(timeout=20, verify=default_tls_context()) as client:
            for url in (one, two):
                deadline = time.monotonic() + 60
                while True:
                    try:
                        if client.get(f"{url}/staff/sign-in").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    assert time.monotonic() < deadline, [p.read_text() for p in tmp_path.glob("replica-*.log")]
                    time.sleep(0.1)
            client.cookies.clear()
            page = client.get(one + path_of(link))  # the setup page from one replica...
            secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.text)[1].replace(" ", "")  # type: ignore[index]
            done = client.post(two + path_of(link), data={  # ...is posted to the other
                "csrftoken": csrf(page.text), "password": PASSWORD, "password_confirm": PASSWORD,
                "code": pyotp.TOTP(secret).now()})
            assert done.status_code == 200 and "/staff/sign-out" in done.text, done.text
            home = client.get(f"{two}/staff/")
            assert home.status_code == 200
            switched = client.post(f"{one}/staff/language", data={"csrftoken": csrf(home.text), "lang": "en",
                                                                  "next": "/staff/"})
            assert switched.status_code == 303
            english = client.get(f"{one}/staff/")
            assert english.status_code == 200 and 'lang="en"' in english.text
            out = client.post(f"{two}/staff/sign-out", data={"csrftoken": csrf(english.text)})
            assert out.status_code == 303 and out.headers["location"].startswith("/staff/sign-in")
            assert client.get(f"{one}/staff/").status_code == 303  # the session ended for both
    finally:
        for replica in replicas:
            replica.terminate()
        for replica, log in zip(replicas, logs):
            replica.wait(timeout=20)
            log.close()
