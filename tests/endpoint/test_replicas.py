"""Replicas on one database: they start together without failing, and a keyed post
(an Idempotency-Key header, or the form's post_key field its script fills) is stored
once however often and wherever it is retried, the retry answered with the first
reference: on one replica, on another, and after the first was killed with SIGKILL
between COMMIT and its answer (QALB_ENDPOINT_FAULT). Both backends where they apply."""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from generator.endpoint.app import create_app
from generator.forms import KEY_FIELD
from generator.submissions.secure_store import open_secure_store
from generator.submissions.store import Store
from tests.endpoint.replicas import script_post, start_together
from tests.support.fixtures import LiveServer, default_tls_context, make_settings
from tests.support.postgres import Postgres
from tests.support.samples import valid_answers

FORM = "contact"


def stored(root: Path, database_url: str, forms: dict[str, Any]) -> Store:
    return open_secure_store(make_settings(root, database_url), forms)


def browser_post(client: httpx.Client, url: str, answers: dict[str, Any]) -> httpx.Response:
    return client.post(f"{url}/api/forms/{FORM}", data=answers, headers={"Origin": url, "Accept": "text/html"})


def reference_of(response: httpx.Response) -> str:
    if response.status_code == 201:
        return str(response.json()["reference"])
    assert response.status_code == 303, response.text[:300]
    return parse_qs(urlsplit(response.headers["location"]).query)["ref"][0]


def test_a_keyed_post_is_stored_once_on_any_replica(forms: dict[str, Any], forms_root: Path, store_url: str,
                                                    live: Callable[[Any], LiveServer]) -> None:
    settings = make_settings(forms_root, store_url)
    first, second = (live(create_app(settings=settings, forms=forms)) for _ in range(2))
    answers = {**valid_answers(forms[FORM]), "lang": "en"}
    key = str(uuid.uuid4())
    with httpx.Client(timeout=20, verify=default_tls_context()) as client:
        answered = [script_post(client, server.url, FORM, answers, key) for server in (first, first, second)]
        assert [r.status_code for r in answered] == [201, 201, 201]
        assert len({r.json()["reference"] for r in answered}) == 1
        # A browser with JavaScript: the key in the hidden field; the same 303 every time.
        page_key = str(uuid.uuid4())
        sent = [browser_post(client, server.url, {**answers, KEY_FIELD: page_key}) for server in (second, first)]
        assert [r.status_code for r in sent] == [303, 303]
        assert sent[0].headers["location"] == sent[1].headers["location"]
        # Without JavaScript (an empty key) and without a header: each post is a post.
        plain = [browser_post(client, first.url, {**answers, KEY_FIELD: ""}) for _ in range(2)]
        assert reference_of(plain[0]) != reference_of(plain[1])
    store = stored(forms_root, store_url, forms)
    try:
        references = {s.reference for s in store.submissions(FORM)}
        assert references == {answered[0].json()["reference"], reference_of(sent[0]), *map(reference_of, plain)}
        assert store.count() == 4
    finally:
        store.close()


@pytest.mark.parametrize("store_url", ["sqlite", "postgresql"], indirect=True)
def test_a_post_whose_replica_was_killed_after_commit_is_stored_once(
        forms: dict[str, Any], forms_root: Path, store_url: str, tmp_path: Path) -> None:
    # Replica A dies (SIGKILL) once the post is committed, before it answers; the client
    # sends it again to replica B, and again: one submission, B answers with its reference.
    doomed, spare = start_together(forms_root, store_url, tmp_path, {"QALB_ENDPOINT_FAULT": "after-commit"}, {})
    answers = {**valid_answers(forms[FORM]), "lang": "ar"}
    key = str(uuid.uuid4())
    try:
        with httpx.Client(timeout=20, verify=default_tls_context()) as client:
            with pytest.raises(httpx.TransportError):
                script_post(client, doomed.url, FORM, answers, key)
            assert doomed.process.wait(timeout=20) == -9
            assert "QALB_ENDPOINT_FAULT=after-commit:1" in doomed.output()
            retries = [script_post(client, spare.url, FORM, answers, key) for _ in range(2)]
    finally:
        doomed.stop()
        spare.stop()
    assert [r.status_code for r in retries] == [201, 201]
    store = stored(forms_root, store_url, forms)
    try:
        assert [s.reference for s in store.submissions(None, status=None)] == [retries[0].json()["reference"]] * 1
        assert retries[1].json()["reference"] == retries[0].json()["reference"]
    finally:
        store.close()


def test_three_replicas_starting_together_on_an_empty_database_all_start(
        forms: dict[str, Any], forms_root: Path, postgres: Postgres, tmp_path: Path) -> None:
    # Before remember_schema was one INSERT ... ON CONFLICT DO NOTHING, one of two died with
    # UniqueViolation on form_schemas_pkey in about 1 start of 4. The deterministic form of
    # that race is in tests/submissions/test_post_keys.py; the crash and load tests on
    # PostgreSQL also start two replicas together on an empty database.
    replicas = start_together(forms_root, postgres.new_database(), tmp_path, {}, {}, {})
    for replica in replicas:
        replica.stop()
        assert "Traceback" not in replica.output(), replica.output()[-3000:]
