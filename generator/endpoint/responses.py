"""How the endpoint answers: its HTML pages with their Content-Security-Policy, and
refusals as a bilingual page for browsers or bilingual JSON for scripts.

Nothing the endpoint answers is cached (no-store): every page carries a
reference, an answer or a status.
"""
from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import HTMLResponse, JSONResponse, Response

from generator.core import i18n
from generator.web import protection

from . import public_pages

NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True)
class Render:
    site_url: str = ""  # QALB_SITE_URL: where the pages' CSS, scripts and fonts come from

    def html(self, text: str, status: int, *, headers: dict[str, str] | None = None,
             script_hashes: tuple[str, ...] = ()) -> HTMLResponse:
        headers = {**NO_STORE, **(headers or {})}
        headers["Content-Security-Policy"] = protection.content_security_policy(
            site_url=self.site_url, script_hashes=script_hashes)
        return HTMLResponse(text, status_code=status, headers=headers)

    def refusal(self, refused: protection.Refused) -> Response:
        headers = dict(NO_STORE)
        if refused.retry_after:
            headers["Retry-After"] = str(refused.retry_after)
        if refused.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        if refused.as_json:
            body = {"error": refused.code,
                    "message": {lang: public_pages.message(refused.code, lang) for lang in i18n.LANGUAGE_CODES}}
            return JSONResponse(body, status_code=refused.status, headers=headers)
        return self.html(public_pages.problem_page(refused.code), refused.status, headers=headers)
