"""Web forms defined once in `forms/<id>.yml`: checked, rendered, and read back.

    problems = Problems()
    forms = load_forms(root, problems)          # id -> Form; invalid forms left out
    html = render_form(forms["contact"], "ar", action="/api/forms/contact")
    result = read_submission(forms["contact"], posted)   # .row, .errors, .ok
    text = error_message(forms["contact"], "mobile", "pattern", "ar")

The pipeline, one module each: model (what a form is, and the list of problem
codes; a leaf) -> loading (load_forms) -> check_form / check_field / check_ui (is a form file
right?) -> fields (posted text -> typed row) -> messages (error words) ->
controls / render (schema -> HTML, with templates/components/<name>/macro.html).

May import: core. Used by the site build, submissions and the web apps.
"""
from __future__ import annotations

from .error_texts import error_message
from .fields import PostedAnswers, group_posted, not_asked, read_answer, read_submission
from .loading import load_forms
from .model import (
    FIELD_PREFIX,
    HONEYPOT_FIELD,
    KEY_FIELD,
    LANG_FIELD,
    NOTICE_FIELD,
    RESERVED_NAMES,
    Form,
    FormField,
    Option,
    Rule,
)
from .render import received_heading, reference_html, render_form, render_thanks

__all__ = [
    "FIELD_PREFIX",
    "HONEYPOT_FIELD",
    "KEY_FIELD",
    "LANG_FIELD",
    "NOTICE_FIELD",
    "RESERVED_NAMES",
    "Form",
    "FormField",
    "Option",
    "Rule",
    "PostedAnswers",
    "error_message",
    "load_forms",
    "group_posted",
    "not_asked",
    "read_answer",
    "read_submission",
    "received_heading",
    "reference_html",
    "render_form",
    "render_thanks",
]
