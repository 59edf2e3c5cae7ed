"""Rendering a form as an HTML fragment, with Jinja macros from templates/components.

`render_form` returns the error summary (when there are errors) and the
`<form>`, between `<!-- qalb-form:start -->` and `<!-- qalb-form:end -->`: the
site build puts it in the form's page, and the endpoint swaps exactly that
part when it shows the form again with the visitor's answers and errors.
Both go through here, so the hidden fields (the page's language, the privacy
notice version, the post's key) and the link to the privacy notice are written in one place.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping, Sequence

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from generator import PROJECT_ROOT

from .controls import control_params
from .error_texts import catalog, error_message
from .model import HONEYPOT_FIELD, KEY_FIELD, LANG_FIELD, LANGS, NOTICE_FIELD, Form
from .relevance import script_rules

TEMPLATES_DIR = PROJECT_ROOT / "templates"
START, END = "<!-- qalb-form:start -->", "<!-- qalb-form:end -->"
HONEYPOT_ID = "qalb-hp"


@lru_cache(maxsize=None)
def environment(lang: str) -> Environment:
    """One Jinja environment per language, its gettext installed (cached: the
    endpoint renders per request)."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; forms are in {LANGS}")
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(catalog(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals["reference_html"] = reference_html  # one markup for a reference, in every template
    return env


def _codes(value: Any) -> list[str]:
    if not value:
        return []
    return [value] if isinstance(value, str) else list(value)


def render_form(form: Form, lang: str, *, action: str, privacy_url: str = "privacy/",
                values: Mapping[str, Any] | None = None, errors: Mapping[str, Any] | None = None,
                prefix: Markup | str = "", more_errors: Sequence[Mapping[str, str]] = (),
                post_key: str = "", digits: str = "default") -> str:
    """The form in `lang`, posting to `action`.

    `privacy_url`: the form's privacy notice; the default is relative to the
    form's own page (/forms/<id>/ -> /forms/<id>/privacy/).

    `values`: what to show in each field (as posted, or typed values).
    `errors`: field name -> error codes (`PostedAnswers.errors`), "" for the form
    as a whole; each field shows the message of its first code.
    `prefix`: markup put inside the <form> before the fields (the staff workspace's
    CSRF token and channel, when staff enter a request received elsewhere), and
    `more_errors` ({text, href}) the problems of those fields, first in the summary.
    `post_key`: the key the page was posted with (the form shown again with its errors
    keeps it: nothing was stored); empty on a new page, where the form's script fills it.
    `digits`: content/settings.yml's arabic_digits, for the numbers the form writes itself
    (a file field's limits). A form with a file field posts multipart/form-data.
    """
    env = environment(lang)
    values, errors = values or {}, errors or {}
    names = {f.name for f in form.fields}
    strangers = set(errors) - names - {""}
    if strangers:
        raise ValueError(f"errors for fields that form {form.id!r} does not have: {sorted(strangers)}")
    summary: list[dict[str, str]] = [dict(item) for item in more_errors] + [
        {"text": error_message(form, "", code, lang)} for code in _codes(errors.get(""))
    ]
    controls = []
    for field in form.fields:
        codes = _codes(errors.get(field.name))
        message = error_message(form, field.name, codes[0], lang, digits) if codes else None
        if message:
            summary.append({"text": message, "href": f"#{field.id}"})
        component, params = control_params(field, lang, values.get(field.name), message, digits)
        # A follow-up (`relevant:`) sits in a box of its own under the question before it;
        # relevance.js hides the box while the question does not apply.
        controls.append({"component": component, "params": params,
                         "followup": f"{field.id}-when" if field.relevant else ""})
    _ = catalog(lang).gettext
    html = env.get_template("forms/form.html").render(
        form_id=form.id,
        action=action,
        error_list=summary,
        controls=controls,
        hidden={LANG_FIELD: lang, NOTICE_FIELD: form.notice_version, KEY_FIELD: post_key},
        prefix=prefix,
        privacy_url=privacy_url,
        relevance=script_rules(form.fields),
        multipart=bool(form.file_fields),
        honeypot={"id": HONEYPOT_ID, "name": HONEYPOT_FIELD, "label": {"text": _("Leave this field empty")}},
    ).strip()
    assert html.startswith(START) and html.endswith(END), "templates/forms/form.html lost its markers"
    return html


def received_heading(form: Form, lang: str) -> str:
    """The confirmation's heading: the form file's `received`, or the general one."""
    _ = catalog(lang).gettext  # `_(...)`: the name the catalogs are extracted by
    return form.received.get(lang) or _("We received your request")


def render_thanks(form: Form, lang: str, reference: str, *, status_url: str | None = None) -> str:
    """The confirmation after `form` was sent: heading, `reference` in a panel, what
    happens next; `status_url` where the applicant can follow a request handled in steps."""
    import markdown

    heading = received_heading(form, lang)
    after = Markup(markdown.markdown(form.after_submit.get(lang, "") or ""))  # the form file's own Markdown
    html = environment(lang).get_template("forms/thanks.html").render(
        heading=heading, reference=reference, after=after, status_url=status_url).strip()
    assert html.startswith(START) and html.endswith(END), "templates/forms/thanks.html lost its markers"
    return html


def reference_html(reference: str, *, classes: str = "") -> Markup:
    """A reference number as every public page shows it: isolated left to right, never broken
    (templates call it too); `classes`: more CSS classes, e.g. the confirmation panel's."""
    return Markup('<bdi class="%s" dir="ltr">%s</bdi>') % (" ".join(["qalb-reference", *classes.split()]), reference)
