"""The applicant's status form ("where is my request?"): rendered into the site's
/status/ page by the build and again, with the answer above it, by the endpoint.
The template is templates/forms/status.html; like render_form, the fragment sits
between the qalb-form markers so the endpoint can swap it."""
from __future__ import annotations

from collections.abc import Mapping

from markupsafe import Markup

from .render import END, START, environment


def render_status_form(lang: str, *, action: str, values: Mapping[str, str] | None = None,
                       error: str | None = None, answer: str | None = None) -> str:
    """`answer`: HTML the caller made safe (the endpoint's answer), shown above the form."""
    values = values or {}
    html = environment(lang).get_template("forms/status.html").render(
        lang=lang, action=action, error=error, answer=Markup(answer) if answer else None,
        values={"reference": values.get("reference"), "contact": values.get("contact")}).strip()
    assert html.startswith(START) and html.endswith(END), "templates/forms/status.html lost its markers"
    return html
