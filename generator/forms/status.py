"""The applicant's status form ("where is my request?"): rendered into the site's
/status/ page by the build and again, with the answer above it, by the endpoint.
The template is templates/forms/status.html; like render_form, the fragment sits
between the qalb-form markers so the endpoint can swap it."""
from __future__ import annotations

from collections.abc import Mapping

from markupsafe import Markup

from generator.core import i18n

from .controls import control_params
from .model import MB, Form
from .render import END, START, environment


def render_status_form(lang: str, *, action: str, values: Mapping[str, str] | None = None,
                       error: str | None = None, answer: str | None = None, error_href: str = "#f-reference") -> str:
    """`answer`: HTML the caller made safe (the endpoint's answer), shown above the form;
    `error_href`: the field the error summary links to (the upload form's file field)."""
    values = values or {}
    html = environment(lang).get_template("forms/status.html").render(
        lang=lang, action=action, error=error, error_href=error_href, answer=Markup(answer) if answer else None,
        values={"reference": values.get("reference"), "contact": values.get("contact")}).strip()
    assert html.startswith(START) and html.endswith(END), "templates/forms/status.html lost its markers"
    return html


def render_documents(form: Form, lang: str, *, action: str, token: str, minutes: int, needed: str | None = None,
                     errors: Mapping[str, str] | None = None, digits: str = "default") -> str:
    """The upload form under the status answer of a case that waits for the applicant:
    `needed` (the reply that asked for something, or None), the hidden `token` first (it lives
    `minutes`), then
    each of the form's file fields (its limits as they apply now, said in its hint with
    `digits`) with its message from `errors` (field name -> words) beside it. Every file
    field is labelled as the form labels it, without "(optional)": here the files are what
    the page is for. A field whose files are all sent is left out; with none left, the page
    says so instead of showing a form."""
    errors = errors or {}
    controls = []
    for field in form.file_fields:
        if field.files is None or field.files.max_files < 1 or field.files.max_total_bytes < MB:
            continue  # this field's files are all sent already
        component, params = control_params(field, lang, None, errors.get(field.name), digits)
        params["label"] = {"text": field.label[lang]}
        controls.append({"component": component, "params": params})
    lines = [line.strip() for line in (needed or "").splitlines() if line.strip()]
    return environment(lang).get_template("forms/status_documents.html").render(
        lang=lang, action=action, token=token, needed=lines, controls=controls,
        minutes=i18n.localise_digits(str(minutes), lang, digits)).strip()
