"""Property tests (hypothesis), for every form, through a real server:

* a valid record survives post -> store -> export unchanged;
* a record that breaks the schema gets a 4xx and stores nothing;
* any bytes at all get an answer below 500.
"""
from __future__ import annotations

import datetime as dt
import re
import string
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import pytest
from frictionless import Package
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from generator.endpoint.app import create_app
from generator.forms import read_submission
from generator.forms.relevance import not_relevant
from generator.submissions.export import FORMULA_START, export_package
from tests.support.fixtures import LiveServer, form_files, make_settings

FORM_IDS = [p.stem for p in form_files()]
PROPERTY_SETTINGS = settings(max_examples=30, deadline=None, derandomize=True,
                             suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهويةىءأإآؤئ"
TEXT_ALPHABET = ARABIC + string.ascii_letters + string.digits + " .,;:!?'\"()<>&/=+-@#%\u0651\u064e"


@pytest.fixture(scope="module")
def server(forms: dict[str, Any], forms_root: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    db_url = f"sqlite:///{tmp_path_factory.mktemp('props') / 'props.db'}"
    with LiveServer(create_app(settings=make_settings(forms_root, db_url), forms=forms)) as live:
        yield live, db_url


# -- what a valid answer looks like, field by field --------------------------------

def _text(field: Any) -> st.SearchStrategy[str]:
    c = field.constraints
    pattern = c.get("pattern")
    low = max(c.get("minLength", 0), 1)
    high = c.get("maxLength", 200)
    if pattern:
        base: st.SearchStrategy[str] = st.from_regex(f"(?a:{pattern})", fullmatch=True)
    elif field.format == "email":
        base = st.from_regex(r"[a-z][a-z0-9]{0,12}@[a-z]{2,10}\.(com|org|sa)", fullmatch=True)
    else:
        alphabet = TEXT_ALPHABET + ("\n" if field.control == "textarea" else "")
        if field.digits:  # phone/ID-like text loses spaces and hyphens on reading
            alphabet = re.sub(r"[\s\-]", "", alphabet)
        base = st.text(alphabet=alphabet, min_size=low, max_size=min(high, 60))
    # The reader strips outer spaces: a value that would change is not "unchanged".
    return base.filter(lambda s: s == s.strip() and low <= len(s) <= high)


def typed_value(field: Any) -> st.SearchStrategy[Any]:
    c = field.constraints
    if field.files is not None:  # files come only with a multipart post (tests/endpoint/test_uploads.py)
        return st.none()
    if field.type == "array":
        choices = [o.value for o in field.options]
        return st.lists(st.sampled_from(choices), unique=True, min_size=1, max_size=len(choices))
    if field.options:
        return st.sampled_from([o.value for o in field.options])
    if field.type == "boolean":
        return st.sampled_from(c["enum"]) if "enum" in c else st.booleans()
    if field.type in ("integer", "number"):
        low, high = c.get("minimum", -10**6), c.get("maximum", 10**6)
        values = st.integers(int(low), int(high))
        return values if field.type == "integer" else values.map(Decimal)
    if field.type == "date":
        low = dt.date.fromisoformat(str(c.get("minimum", "1900-01-01")))
        high = dt.date.fromisoformat(str(c.get("maximum", "2100-12-31")))
        return st.dates(low, high)
    return _text(field)


def record(form: Any) -> st.SearchStrategy[dict[str, Any]]:
    """Typed answers; optional fields sometimes left out."""
    parts = {f.name: typed_value(f) if f.required else st.none() | typed_value(f) for f in form.fields}
    return st.fixed_dictionaries(parts).map(lambda r: {k: v for k, v in r.items() if v is not None})


def posted(row: dict[str, Any]) -> dict[str, Any]:
    """Typed answers as a browser posts them."""
    def text(value: Any) -> Any:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list):
            return [text(v) for v in value]
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    return {name: text(value) for name, value in row.items()}


def exported_row(live: LiveServer, form: Any, reference: str, folder: Path) -> dict[str, Any]:
    store = live.open_store()
    try:
        result = export_package(store, form, folder)
    finally:
        store.close()
    resource = Package(str(result.package)).resources[0]
    for row in resource.read_rows():
        if row["reference"] == reference:
            return row.to_dict()
    raise AssertionError(f"{reference} is not in the export")


def unneutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("'") and value[1:2] and value[1] in FORMULA_START:
        return value[1:]
    return value


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_a_valid_record_survives_post_store_export_unchanged(server: tuple[LiveServer, str], forms: dict[str, Any],
                                                             form_id: str, tmp_path: Path) -> None:
    live, db_url = server
    form = forms[form_id]
    checked: list[str] = []

    @PROPERTY_SETTINGS
    @given(row=record(form), as_json=st.booleans(), lang=st.sampled_from(["ar", "en"]))
    def check(row: dict[str, Any], as_json: bool, lang: str) -> None:
        data = posted(row)
        result = read_submission(form, data)
        assume(result.ok)  # form-level rules, e.g. "one of phone or e-mail"
        dropped = not_relevant(form.fields, result.row)  # questions that did not apply: never stored
        with live.client() as client:
            if as_json:
                response = client.post(f"/api/forms/{form_id}", json={**data, "lang": lang},
                                       headers={"Accept": "application/json"})
                assert response.status_code == 201, response.text
                reference = response.json()["reference"]
            else:
                response = client.post(f"/api/forms/{form_id}", data={**data, "lang": lang})
                assert response.status_code == 303, response.text[:300]
                reference = response.headers["location"].rsplit("ref=", 1)[1]
        exported = exported_row(live, form, reference, tmp_path / "export")
        assert exported["language"] == lang and exported["form_version"] == str(form.version)
        for field in form.fields:
            expected = None if field.name in dropped else row.get(field.name)
            assert unneutralise(exported[field.name]) == expected, field.name
        checked.append(reference)

    check()
    assert len(checked) >= 10, "too few records passed the form's own rules to mean anything"


def breakers(form: Any) -> list[tuple[str, Any]]:
    """(field, how to break it): each makes the record invalid on its own."""
    result: list[tuple[str, Any]] = [("is_admin", "unknown")]
    for f in form.fields:
        c = f.constraints
        if f.required:
            result.append((f.name, None))
        if f.type == "string" and not f.options and "maxLength" in c:
            result.append((f.name, "x" * (c["maxLength"] + 1)))
        if c.get("pattern"):
            result.append((f.name, "not-a-match!"))
        if f.options and f.type != "array":
            result.append((f.name, "not-a-choice"))
        if f.type == "array":  # for a file field: text is never a file's number ("type")
            result.append((f.name, ["not-a-choice"]))
        if f.type in ("integer", "number"):
            result.append((f.name, "abc"))
            if "maximum" in c:
                result.append((f.name, str(c["maximum"] + 1)))
        if f.type == "date":
            result.append((f.name, "2024-13-45"))
        if f.type == "boolean" and c.get("enum") == [True]:
            result.append((f.name, "false"))
    return result


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_a_record_breaking_the_schema_is_refused_and_nothing_is_stored(
        server: tuple[LiveServer, str], forms: dict[str, Any], form_id: str) -> None:
    live, db_url = server
    form = forms[form_id]
    refused: list[int] = []

    @PROPERTY_SETTINGS
    @given(row=record(form), breaker=st.sampled_from(breakers(form)), as_json=st.booleans())
    def check(row: dict[str, Any], breaker: tuple[str, Any], as_json: bool) -> None:
        data = posted(row)
        name, bad = breaker
        # An answer to a question that does not apply is dropped, not judged (forms/relevance.py).
        assume(name not in not_relevant(form.fields, read_submission(form, data).row))
        if bad is None:
            data.pop(name, None)
        else:
            data[name] = bad
        store = live.open_store()
        try:
            before = store.count()
            with live.client() as client:
                if as_json:
                    response = client.post(f"/api/forms/{form_id}", json=data)
                else:
                    response = client.post(f"/api/forms/{form_id}", data=data)
            assert 400 <= response.status_code < 500, (breaker, response.status_code)
            assert store.count() == before
            refused.append(response.status_code)
        finally:
            store.close()

    check()
    assert len(refused) >= 20


@PROPERTY_SETTINGS
@given(body=st.binary(max_size=2000) | st.text(max_size=500).map(str.encode),
       content_type=st.sampled_from(["application/x-www-form-urlencoded", "application/json",
                                     "application/json; charset=utf-8", "text/plain"]))
def test_any_bytes_get_an_answer_below_500(server: tuple[LiveServer, str], body: bytes, content_type: str) -> None:
    live, _ = server
    with live.client() as client:
        response = client.post("/api/forms/enquiry", content=body, headers={"Content-Type": content_type})
    assert response.status_code < 500
