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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import Route

from generator import PROJECT_ROOT
from generator.core.i18n import _ARABIC_INDIC, _PERSIAN
from tests.staff.conftest import CSRF, Staff, csrf
from tests.support.samples import submit

PROPERTY_SETTINGS = settings(max_examples=8, deadline=None, derandomize=True, database=None,
                             suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
# Every field name a workspace template posts, read from the templates (a new one is found too).
FIELD_NAMES = sorted(set(re.findall(r'name="([a-z_]+)"', "".join(
    p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "templates" / "staff").glob("*.html")))) - {"csrftoken"})
ADMIN = "admin@example.org"
PARAM = re.compile(r"{(\w+)(?::(\w+))?}")


def arabic(text: str) -> str:
    return text.translate(str.maketrans("0123456789", _ARABIC_INDIC))


def persian(text: str) -> str:
    return text.translate(str.maketrans("0123456789", _PERSIAN))


def test_codes_in_arabic_indic_and_persian_digits_with_spaces_set_up_and_sign_in(
        staff: Any) -> None:
    ws: Staff = staff()
    with ws.client() as client:
        link = ws.add(ADMIN)
        page = client.get("/staff/" + link.split("/staff/", 1)[1])
        secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.text)[1].replace(" ", "")  # type: ignore[index]
        code = ws.code(secret)
        done = client.post("/staff/" + link.split("/staff/", 1)[1], data={
            "csrftoken": csrf(page.text), "password": "copper lantern orchard minus 47",
            "password_confirm": "copper lantern orchard minus 47", "code": f"{arabic(code[:3])} {arabic(code[3:])}"})
        assert done.status_code == 200, done.text[:300]
        codes = re.findall(r"<code>([A-Z2-7-]{19})</code>", done.text)
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


def fill(path: str, draw: Any, real: dict[str, list[str]]) -> str:
    """The route's path with each parameter drawn: a real value (so the handler gets past
    its lookup) or anything (huge numbers for `int` ones)."""
    def value(match: re.Match[str]) -> str:
        name, kind = match[1], match[2]
        if kind == "int":
            return str(draw(st.one_of(st.sampled_from([1, 2]), st.integers(0, 10**30), st.just(2**63))))
        anything = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=30)
        choices = real.get(name, [])
        real_one = st.sampled_from(choices)
        picked: str = draw(st.one_of(real_one, real_one, anything) if choices else anything)
        return quote(picked, safe="")
    return PARAM.sub(value, path)


BODY = st.dictionaries(st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=10)),
                       st.text(st.characters(blacklist_categories=["Cs"]), max_size=80), max_size=8)
TYPED = st.one_of(st.sampled_from(["١٢٣ ٤٥٦", "۱۲۳۴۵۶", "²³", "1e9", "٠x10", str(2**31), str(2**63), "", " "]),
                  st.integers(-10**40, 10**40).map(str), st.integers(0, 10**30).map(str).map(arabic))


@pytest.fixture
def fleet(both: Staff, forms: dict[str, Any]) -> Iterator[tuple[Staff, dict[str, list[str]]]]:
    references = [submit(both, forms, form_id) for form_id in sorted(forms) if forms[form_id].workflow]
    yield both, {"reference": references, "form_id": sorted(forms), "token": ["x" * 43]}


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

    def token(client: httpx.Client, signed_in: bool) -> str:
        page = client.get("/staff/" if signed_in else "/staff/sign-in")
        if signed_in and page.status_code != 200:  # signed out or disabled by an earlier example
            client.close()
            holder["in"] = client = admin_client()
            page = client.get("/staff/")
        match = CSRF.search(page.text)
        assert match, page.text[:300]
        return match[1]

    seen: dict[tuple[str, bool], int] = {}

    def post_anything_to(path: str, signed_in: bool) -> None:
        key = "in" if signed_in else "out"

        @PROPERTY_SETTINGS
        @given(data=st.data(), body=BODY, typed=TYPED)
        def post_anything(data: Any, body: dict[str, str], typed: str) -> None:
            csrftoken = token(holder[key], signed_in)
            target = fill(path, data.draw, real)
            fields = {**body, "version": typed, "code": typed, "csrftoken": csrftoken}
            response = holder[key].post(target, data=fields)
            assert response.status_code < 500, (path, target, fields, response.text[:300])
            seen[path, signed_in] = seen.get((path, signed_in), 0) + 1

        post_anything()

    for path in routes:
        for signed_in in (True, False):
            post_anything_to(path, signed_in)
    assert set(seen) == {(path, signed_in) for path in routes for signed_in in (True, False)}
    for client in holder.values():
        client.close()
