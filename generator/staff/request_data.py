"""What the pages read from a request besides its path: the posted fields, the client's
address (for the sign-in limit and the audit), and the language of a signed-out page."""
from __future__ import annotations

from starlette.requests import Request

from generator.core import i18n


async def form_data(request: Request) -> dict[str, str]:
    """The posted form's text fields (one value each)."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def signed_out_lang(request: Request) -> str:
    """?lang= on the pages before sign-in, else the default language."""
    lang = request.query_params.get("lang", "")
    return lang if lang in i18n.LANGUAGE_CODES else i18n.DEFAULT_LANGUAGE.code
