"""The checks before each page: `require(...)` returns the signed-in account, or raises
`AccessRefused`; one exception handler (`answer_refused`, registered by app.py) turns a
refusal into its response, so a handler reads top to bottom.

    not signed in                     -> SignInFirst: 303 to the sign-in page (?next=, the cookie cleared)
    a page this account may not see   -> NotFound(current, what): 404 as for a page that does not
                                         exist, and a `staff-refused` audit row naming `what`
    a page that does not exist        -> NotFound(current): 404, no audit row
    a POST without its form's token   -> FormTokenRefused: 403, nothing done, audited (app.py)
"""
from __future__ import annotations

import re
from typing import Literal
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from generator.submissions import references
from generator.submissions.records import Submission

from .accounts import visible_forms
from .context import StaffContext
from .form_tokens import FIELD
from .sessions import Current, cookie_header

_NEXT = re.compile(r"/staff/[A-Za-z0-9/_.\-?=&%]*")
#: "any": every signed-in account; "counts": anyone who handles submissions (viewers too, never
#: an editor); "reader": "counts" but not a viewer; "admin"; "content": admins and editors.
Role = Literal["any", "counts", "reader", "admin", "content"]


class AccessRefused(Exception):
    """A request answered without doing what it asked (see answer_refused)."""


class SignInFirst(AccessRefused):
    def __init__(self, url: str, *, clear_cookie: bool) -> None:
        super().__init__(url)
        self.url, self.clear_cookie = url, clear_cookie


class FormTokenRefused(AccessRefused):
    """A POST whose `csrftoken` field does not fit the browser's session (form_tokens.py)."""


class NotFound(AccessRefused):
    """404; with `what`, a page this account may not see, audited as refused."""

    def __init__(self, current: Current, what: str | None = None) -> None:
        super().__init__(what or "not found")
        self.current, self.what = current, what


def safe_next(value: str | None) -> str:
    """Where to go after sign-in: a path of the workspace only (never another site)."""
    if value and _NEXT.fullmatch(value) and "//" not in value and "/.." not in value:
        return value
    return "/staff/"


async def require(ctx: StaffContext, request: Request, *, role: Role = "any", form_id: str | None = None,
                  what: str = "form") -> Current:
    """The signed-in account, if its role allows the page (see `Role`: an editor sees no submission,
    report or case; a viewer counts only) and, with `form_id`, if the form exists and the account may see it
    (else refused as `what` and the form)."""
    token = request.cookies.get(ctx.sessions.cookies.session)
    current, why, email = await ctx.run(ctx.sessions.current, token)
    if current is None:
        if why in ("expired-idle", "expired-absolute"):
            await ctx.run(ctx.audit, email or "unknown", "staff-session-expired", why or "")
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        url = f"/staff/sign-in?next={quote(safe_next(target), safe='/')}"
        raise SignInFirst(url + ("&ended=1" if why else ""), clear_cookie=bool(token))
    account = current.account
    if role == "admin" and account.role != "admin":
        raise NotFound(current, "admin page, role " + account.role)
    if role == "reader" and account.role == "viewer":
        raise NotFound(current, "viewer")
    if role in ("counts", "reader") and account.role == "editor":
        raise NotFound(current, "editor")
    if role == "content" and account.role not in ("admin", "editor"):
        raise NotFound(current, "content, role " + account.role)
    if form_id is not None and (form_id not in ctx.forms or not may_see(ctx, current, form_id)):
        raise NotFound(current, f"{what} {form_id}")
    return current


async def require_form_token(ctx: StaffContext, request: Request) -> None:
    """Every POST first: its form's token must fit the browser's session (or, before sign-in,
    its cookie from then), else FormTokenRefused. The form is read here within the body
    limit, once: Starlette keeps it on the request for the handler."""
    form = await request.form()
    if not ctx.pages.tokens.fits(request.cookies, form.get(FIELD)):
        raise FormTokenRefused("form token")


async def require_submission(ctx: StaffContext, request: Request) -> tuple[Current, Submission]:
    """A reader, and the submission of the path's reference, of a form this account may see."""
    current = await require(ctx, request, role="reader")
    reference = references.normalise(request.path_params["reference"]) or ""
    subs = await ctx.run(lambda: list(ctx.store.submissions(reference=reference, status=None)))
    if not subs or not may_see(ctx, current, subs[0].form_id) or subs[0].form_id not in ctx.forms:
        raise NotFound(current, "submission")
    return current, subs[0]


def may_see(ctx: StaffContext, current: Current, form_id: str) -> bool:
    return form_id in visible_forms(current.account, sorted(ctx.forms))


async def answer_refused(ctx: StaffContext, request: Request, refused: AccessRefused) -> Response:
    """The one answer to every refusal of the workspace (the audit row written here, once)."""
    if isinstance(refused, SignInFirst):
        cookie = cookie_header(ctx.settings, "", max_age=0) if refused.clear_cookie else None
        return ctx.pages.redirect(refused.url, cookie=cookie)
    assert isinstance(refused, NotFound)
    current = refused.current
    if refused.what is not None:
        await ctx.run(ctx.audit, current.account.email, "staff-refused",
                      f"{request.method} {request.url.path} ({refused.what})")
    return ctx.pages.not_found(request, current.account.language, current)
