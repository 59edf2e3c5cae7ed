"""Whatever a staff member types (codes and numbers in Arabic-Indic or Persian digits,
with spaces), and whatever anyone posts to any route of the workspace, gets an answer
below 500, against a real server on both backends.

The routes come from the app's own route table, so a new POST route is covered
without touching this file; each post carries a valid CSRF token taken from a page
of the same session, so it reaches the handler.
"""
from __future__ import annotations

import re
from typing import Any, Iterator
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from starlette.routing import Route

from generator import PROJECT_ROOT
from tests.staff.conftest import CSRF, PASSWORD, Staff, csrf, path_of, recovery_codes
from tests.support.samples import submit

PROPERTY_SETTINGS = settings(max_examples=6, deadline=None, derandomize=True, database=None,
                             suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
# Every field name a workspace template posts, read from the templates (a new one is found too).
FIELD_NAMES = sorted(set(re.findall(r'name="([a-z_]+)"', "".join(
    p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "templates" / "staff").glob("*.html")))) - {"csrftoken"})
ADMIN = "admin@example.org"
PARAM = re.compile(r"{(\w+)(?::(\w+))?}")


def arabic(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))


def persian(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


def test_codes_in_arabic_indic_and_persian_digits_with_spaces_set_up_and_sign_in(
        staff: Any) -> None:
    ws: Staff = staff()
    with ws.client() as client:
        link = ws.add(ADMIN)
        page = client.get(path_of(link))
        secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.text)[1].replace(" ", "")  # type: ignore[index]
        code = ws.code(secret)
        done = client.post(path_of(link), data={
            "csrftoken": csrf(page.text), "password": PASSWORD, "password_confirm": PASSWORD,
            "code": f"{arabic(code[:3])} {arabic(code[3:])}"})
        assert done.status_code == 200, done.text[:300]
        codes = recovery_codes(done.text)
    ws.clock.advance(seconds=90)  # a new time step: the code above cannot be used again
    with ws.client() as client:
        code = ws.code(secret)
        signed = ws.sign_in(client, ADMIN, f" {persian(code[:2])} {arabic(code[2:4])}\u200f{code[4:]} ")
        assert signed.status_code == 303, signed.text[:300]
    with ws.client() as client:  # a recovery code, its digits typed in Arabic-Indic, in lower case and spaces
        with_digits = next(c for c in codes if re.search("[2-7]", c))  # almost every code has some
        typed = arabic(with_digits.lower().replace("-", " "))
        signed = ws.sign_in(client, ADMIN, typed)
        assert signed.status_code == 303, signed.text[:300]
    assert [e["detail"].split()[0] for e in ws.audit("staff-sign-in")] == ["after", "code", "recovery"]


# -- any input, every POST route ------------------------------------------------------------

def post_routes(app: Any) -> list[str]:
    paths = [r.path for r in app.routes if isinstance(r, Route) and "POST" in (r.methods or ())]
    assert "/staff/sign-in" in paths and "/staff/submissions/{reference}/assign" in paths
    return paths


def path_params(path: str, real: dict[str, list[str]]) -> st.SearchStrategy[dict[str, str]]:
    """Each parameter of the route's path: mostly a real value (so the handler gets past its
    lookup), else anything (huge numbers for `int` ones)."""
    drawn: dict[str, st.SearchStrategy[str]] = {}
    for name, kind in PARAM.findall(path):
        if kind == "int":
            drawn[name] = st.one_of(st.sampled_from([1, 2]), st.integers(0, 10**30), st.just(2**63)).map(str)
        else:
            anything = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=30)
            real_one = st.sampled_from(real.get(name) or ["x"])
            drawn[name] = st.one_of(real_one, real_one, anything)
    return st.fixed_dictionaries(drawn)


def real_params(path: str, real: dict[str, list[str]]) -> dict[str, str]:
    return {name: "1" if kind == "int" else (real.get(name) or ["x"])[0] for name, kind in PARAM.findall(path)}


def fill(path: str, params: dict[str, str]) -> str:
    return PARAM.sub(lambda match: quote(params[match[1]], safe=""), path)


BODY = st.dictionaries(st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=10)),
                       st.text(st.characters(blacklist_categories=["Cs"]), max_size=80), max_size=8)
#: Numbers and codes that broke a handler once (each tried on every route, with real path values).
HOSTILE = ["١٢٣ ٤٥٦", "²³", str(2**31), str(2**63)]
TYPED = st.one_of(st.sampled_from([*HOSTILE, "۱۲۳۴۵۶", "9" * 40, "1e9", "٠x10", "", " "]),
                  st.integers(-10**40, 10**40).map(str), st.integers(0, 10**30).map(str).map(arabic))


@pytest.fixture
def fleet(both: Staff, forms: dict[str, Any]) -> Iterator[tuple[Staff, dict[str, list[str]]]]:
    references = [submit(both, forms, form_id) for form_id in sorted(forms) if forms[form_id].workflow]
    with_workflow = sorted(forms, key=lambda form_id: forms[form_id].workflow is None)
    yield both, {"reference": references, "form_id": with_workflow, "token": ["x" * 43],
                 "action": ["reset", "disable"]}


def test_no_input_to_any_staff_post_route_gets_a_5xx_signed_in_or_not(
        fleet: tuple[Staff, dict[str, list[str]]]) -> None:
    ws, real = fleet
    routes = post_routes(ws.server.app.prefixes["/staff"])
    admins = iter(range(10_000))

    def admin_client() -> httpx.Client:
        client = ws.client()
        ws.set_up(client, ws.add(f"admin{next(admins)}@example.org"))
        return client

    holder = {"in": admin_client(), "out": ws.client()}

    tokens: dict[str, str] = {}  # each client's CSRF token, kept until a post may have changed its session

    def token(key: str) -> str:
        if key not in tokens:
            page = holder[key].get("/staff/" if key == "in" else "/staff/sign-in")
            if key == "in" and page.status_code != 200:  # signed out or disabled by an earlier example
                holder[key].close()
                holder[key] = admin_client()
                page = holder[key].get("/staff/")
            match = CSRF.search(page.text)
            assert match, page.text[:300]
            tokens[key] = match[1]
        return tokens[key]

    seen: dict[tuple[str, bool], int] = {}

    def post_anything_to(path: str, signed_in: bool) -> None:
        key = "in" if signed_in else "out"

        @PROPERTY_SETTINGS
        @given(params=path_params(path, real), body=BODY, typed=TYPED)
        def post_anything(params: dict[str, str], body: dict[str, str], typed: str) -> None:
            target = fill(path, params)
            fields = {**body, "version": typed, "code": typed, "csrftoken": token(key)}
            response = holder[key].post(target, data=fields)
            assert response.status_code < 500, (path, target, fields, response.text[:300])
            if response.status_code == 403 or "sign-in" in response.headers.get("location", "") \
                    or target.startswith(("/staff/accounts/", "/staff/sign-out")):
                tokens.pop(key, None)  # refused, signed out, or perhaps this account disabled: look again
            seen[path, signed_in] = seen.get((path, signed_in), 0) + 1

        for typed in HOSTILE:
            post_anything = example(params=real_params(path, real), body={}, typed=typed)(post_anything)
        post_anything()

    for path in routes:
        for signed_in in (True, False):
            post_anything_to(path, signed_in)
    assert set(seen) == {(path, signed_in) for path in routes for signed_in in (True, False)}
    for client in holder.values():
        client.close()
