"""The rendered forms, parsed back: every control against its Table Schema field.

The expectations here are written from the schema and the HTML rules, not
from generator/forms/controls.py, so a mistake in the mapping shows up.
"""
from __future__ import annotations

import pytest

from generator.core import i18n
from generator.forms import (
    FIELD_PREFIX,
    HONEYPOT_FIELD,
    KEY_FIELD,
    LANG_FIELD,
    NOTICE_FIELD,
    error_message,
    render_form,
)

FORM_IDS = ("help-request", "volunteer", "satisfaction", "contact")
LANGS = ("ar", "en")


def _choices(spec, field):
    if field.control == "file":
        return None
    if spec["type"] == "array":
        return [str(v) for v in spec["arrayItem"]["constraints"]["enum"]]
    if "enum" in spec.get("constraints", {}):
        return [str(v) for v in spec["constraints"]["enum"]]
    c = spec.get("constraints", {})
    if field.control in ("radios", "select"):
        return [str(v) for v in range(c["minimum"], c["maximum"] + 1)]
    return None


def _check_described_by(page, element):
    for ref in (element.attrs.get("aria-describedby") or "").split():
        page.by_id(ref)  # each id it names exists, exactly once


def _check_group(page, spec, field, lang, choices):
    name, required = spec["name"], spec.get("constraints", {}).get("required", False)
    kind = "checkbox" if spec["type"] == "array" else "radio"
    boxes = page.find("input", name=name)
    assert [b.attrs["type"] for b in boxes] == [kind] * len(boxes)
    assert sorted(b.attrs["value"] for b in boxes) == sorted(choices)
    assert [b.attrs["value"] for b in boxes] == [str(o.value) for o in field.options]  # the order of ui.options
    assert boxes[0].attrs["id"] == FIELD_PREFIX + name  # where the error summary links
    for box, option in zip(boxes, field.options):
        label = page.find("label", for_=box.attrs["id"])
        assert len(label) == 1 and label[0].text.strip() == option.label[lang]
        # `required` marks a radio group; on checkboxes it would demand every box
        assert box.has("required") == (required and kind == "radio")
        assert not box.has("checked")
    fieldset = next(a for a in boxes[0].ancestors() if a.tag == "fieldset")
    legend = [e for e in page.elements if e.tag == "legend" and e.parent is fieldset]
    assert len(legend) == 1 and legend[0].text.strip().startswith(field.label[lang])
    _check_described_by(page, fieldset)
    return legend[0].text.strip()


def _check_single(page, spec, field, lang):
    name, c = spec["name"], spec.get("constraints", {})
    control = page.by_id(FIELD_PREFIX + name)
    assert control.attrs["name"] == name
    assert len(page.find(name=name)) == 1
    label = page.find("label", for_=control.attrs["id"])
    assert len(label) == 1
    _check_described_by(page, control)
    if field.hint:
        assert f"{control.attrs['id']}-hint" in control.attrs["aria-describedby"].split()
    assert control.has("required") == bool(c.get("required"))
    assert not control.has("aria-invalid")

    if spec["type"] == "boolean":
        assert control.tag == "input" and control.attrs["type"] == "checkbox"
        assert control.attrs["value"] == "true"  # not the browser's "on"
        assert not control.has("checked")  # consent is never ticked for the visitor
        assert label[0].text.strip() == field.label[lang]
        return label[0].text.strip()

    if field.control == "file":  # issue 36: the stored answer is the files' numbers; the page posts files
        limits = field.files
        assert control.tag == "input" and control.attrs["type"] == "file" and not control.has("value")
        assert control.attrs["accept"] == ",".join([*limits.accept, *(
            ending for t in limits.accept for ending in {"application/pdf": [".pdf"], "image/jpeg": [".jpg", ".jpeg"],
                                                          "image/png": [".png"]}[t])])
        assert control.has("multiple") == (limits.max_files > 1)
        assert control.attrs["data-qalb-files"].startswith("{")
        assert page.by_id(f"{control.attrs['id']}-chosen").attrs["aria-live"] == "polite"
        return label[0].text.strip()

    if control.tag == "select":
        options = [e for e in page.elements if e.tag == "option" and e.parent is control]
        assert [o.attrs["value"] for o in options] == [""] + _choices(spec, field)
        return label[0].text.strip()

    expected_tag = "textarea" if field.control == "textarea" else "input"
    assert control.tag == expected_tag
    if expected_tag == "input":
        expected_type = ("date" if spec["type"] == "date" else "email" if spec.get("format") == "email"
                         else "tel" if field.control == "tel" else "text")
        assert control.attrs["type"] == expected_type  # never "number": it refuses Arabic-Indic digits
    is_string = spec["type"] == "string"
    assert control.attrs.get("maxlength") == (str(c["maxLength"]) if is_string else None)
    assert control.attrs.get("minlength") == (str(c["minLength"]) if "minLength" in c else None)
    assert control.attrs.get("pattern") == (c.get("pattern") if expected_tag == "input" else None)
    for key, attr in (("minimum", "min"), ("maximum", "max")):  # HTML allows them on dates only
        assert control.attrs.get(attr) == (str(c[key]) if spec["type"] == "date" and key in c else None)
    inputmode = {"integer": "numeric", "number": "decimal"}.get(spec["type"])
    inputmode = field.inputmode or ("tel" if field.control == "tel" else inputmode)
    assert control.attrs.get("inputmode") == inputmode
    assert control.attrs.get("autocomplete") == field.autocomplete
    ltr = spec.get("format") == "email" or inputmode in ("numeric", "decimal", "tel")
    assert control.attrs.get("dir") == ("ltr" if ltr else None)
    return label[0].text.strip()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("form_id", FORM_IDS)
def test_every_control_matches_its_schema(forms, parse_html, form_id, lang):
    form = forms[form_id]
    html = render_form(form, lang, action=f"/api/forms/{form_id}")
    assert html.startswith("<!-- qalb-form:start -->") and html.endswith("<!-- qalb-form:end -->")
    page = parse_html(html)
    [element] = page.find("form")
    assert element.attrs["method"] == "post" and element.attrs["action"] == f"/api/forms/{form_id}"
    assert element.has("novalidate")  # our messages, in the page's language, not the browser's
    # Only a form with a file field posts multipart/form-data (the endpoint's other forms keep their fast path).
    assert element.attrs.get("enctype") == ("multipart/form-data" if form.file_fields else None)
    assert not page.find(class_="qalb-error-summary")
    posted = {e.attrs["name"] for e in page.elements if e.tag in ("input", "select", "textarea")}
    hidden = {HONEYPOT_FIELD, LANG_FIELD, NOTICE_FIELD, KEY_FIELD}
    assert posted == {spec["name"] for spec in form.descriptor["fields"]} | hidden
    optional = i18n.gettext(lang, "(optional)")
    for spec in form.descriptor["fields"]:
        field = form.field(spec["name"])
        choices = _choices(spec, field)
        if choices is not None and field.control in ("radios", "checkboxes"):
            label = _check_group(page, spec, field, lang, choices)
        else:
            label = _check_single(page, spec, field, lang)
        assert label.startswith(field.label[lang])
        required = field.required  # a follow-up's "required" (when asked) is not in the schema's descriptor
        if spec["type"] != "boolean":
            assert label.endswith(optional) != required, spec["name"]


@pytest.mark.parametrize("lang", LANGS)
def test_the_honeypot_is_hidden_from_people_and_assistive_technology(forms, parse_html, lang):
    page = parse_html(render_form(forms["contact"], lang, action="/api/forms/contact"))
    [trap] = page.find("input", name=HONEYPOT_FIELD)
    assert trap.attrs["tabindex"] == "-1" and trap.attrs["autocomplete"] == "off" and trap.attrs["value"] == ""
    container = trap.parent
    assert container.attrs["aria-hidden"] == "true" and "qalb-honeypot" in container.attrs["class"]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("form_id", FORM_IDS)
def test_errors_show_at_the_top_and_beside_each_field(forms, parse_html, form_id, lang):
    form = forms[form_id]
    errors = {f.name: [next(iter(f.errors))] for f in form.fields if f.errors}
    page = parse_html(render_form(form, lang, action="/x", errors=errors))
    [summary] = page.find(class_="qalb-error-summary")
    assert summary.attrs["tabindex"] == "-1" and summary.has("autofocus")
    assert page.find("div", role="alert")
    links = [e for e in page.elements if e.tag == "a" and summary in e.ancestors()]
    assert [a.attrs["href"] for a in links] == [f"#{FIELD_PREFIX}{name}" for name in errors]
    for link, (name, codes) in zip(links, errors.items()):
        message = error_message(form, name, codes[0], lang)
        assert link.text == message
        page.by_id(link.attrs["href"][1:])  # the link lands on a control
        inline = page.by_id(f"{FIELD_PREFIX}{name}-error")
        assert inline.text.endswith(message)
        control = page.by_id(f"{FIELD_PREFIX}{name}")
        if control.attrs.get("type") not in ("radio",) and not (
                control.attrs.get("type") == "checkbox" and form.field(name).type == "array"):
            assert control.attrs["aria-invalid"] == "true"
            assert f"{FIELD_PREFIX}{name}-error" in control.attrs["aria-describedby"].split()
        else:
            fieldset = next(a for a in control.ancestors() if a.tag == "fieldset")
            assert f"{FIELD_PREFIX}{name}-error" in fieldset.attrs["aria-describedby"].split()


def test_a_form_level_error_is_listed_without_a_link(forms, parse_html):
    page = parse_html(render_form(forms["contact"], "en", action="/x", errors={"": ["unknown-field"]}))
    [summary] = page.find(class_="qalb-error-summary")
    assert "does not ask for" in summary.text
    assert not [e for e in page.elements if e.tag == "a" and summary in e.ancestors()]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("form_id", FORM_IDS)
def test_the_form_says_its_language_and_notice_and_links_to_the_notice(forms, parse_html, form_id, lang):
    form = forms[form_id]
    for errors in ({}, {form.fields[0].name: ["required"]}):  # the page, and the endpoint's second try
        page = parse_html(render_form(form, lang, action="/x", errors=errors))
        hidden = {e.attrs["name"]: e.attrs["value"] for e in page.find("input", type="hidden")}
        # The post's key is empty on a new page (the form's script fills it, form-key.js).
        assert hidden == {LANG_FIELD: lang, NOTICE_FIELD: form.notice_version, KEY_FIELD: ""}
        [link] = [a for a in page.find("a") if a.attrs["href"] == "privacy/"]
        assert link.text == i18n.gettext(lang, "Privacy notice")
        assert link.parent.tag == "p" and link.parent.parent.tag == "form"
    # Shown again with its errors, the form keeps the key it was posted with: nothing was stored.
    page = parse_html(render_form(form, lang, action="/x", errors={form.fields[0].name: ["required"]},
                                  post_key="7f1c-k"))
    assert [e.attrs["value"] for e in page.find("input", name=KEY_FIELD)] == ["7f1c-k"]
    page = parse_html(render_form(form, lang, action="/x", privacy_url="https://example.org/forms/x/privacy/"))
    assert [a.attrs["href"] for a in page.find("a")] == ["https://example.org/forms/x/privacy/"]


def test_the_visitors_answers_are_kept_as_typed(forms, parse_html):
    posted = {"national_id": "١٢٣٤٥٦٧٨٩٠", "relation": "child", "description": "سطر\nسطر <ثانٍ>",
              "declaration": "true", "applicant_name": '"><script>x</script>'}
    html = render_form(forms["help-request"], "ar", action="/x", values=posted)
    assert "<script>" not in html
    page = parse_html(html)
    assert page.by_id("f-national_id").attrs["value"] == "١٢٣٤٥٦٧٨٩٠"
    assert page.by_id("f-applicant_name").attrs["value"] == '"><script>x</script>'
    assert [e.attrs["value"] for e in page.find("input", name="relation") if e.has("checked")] == ["child"]
    # browsers drop the newline just after <textarea>; html.parser keeps it
    assert page.by_id("f-description").text.removeprefix("\n") == "سطر\nسطر <ثانٍ>"
    assert page.by_id("f-declaration").has("checked") and not page.by_id("f-consent").has("checked")
    page = parse_html(render_form(forms["volunteer"], "en", action="/x", values={"interests": ["media", "other"]}))
    assert [e.attrs["value"] for e in page.find("input", name="interests") if e.has("checked")] == ["media", "other"]
    page = parse_html(render_form(forms["satisfaction"], "en", action="/x", values={"rating_overall": 4}))
    assert [e.attrs["value"] for e in page.find("input", name="rating_overall") if e.has("checked")] == ["4"]


def test_misuse_fails_at_once(forms):
    with pytest.raises(ValueError, match="does not have"):
        render_form(forms["contact"], "en", action="/x", errors={"nmae": ["required"]})
    with pytest.raises(ValueError, match="unknown language"):
        render_form(forms["contact"], "fr", action="/x")


@pytest.mark.parametrize("lang,digits,hint", [
    ("ar", "arab", "عدد الملفات حتى ٥، وحجم كل ملف حتى ١٠ ميغابايت، ومجموعها حتى ٢٥ ميغابايت. "
                   "الصيغ المقبولة: PDF أو JPEG أو PNG."),
    ("ar", "latn", "عدد الملفات حتى 5، وحجم كل ملف حتى 10 ميغابايت، ومجموعها حتى 25 ميغابايت. "
                   "الصيغ المقبولة: PDF أو JPEG أو PNG."),
    ("en", "arab", "Up to 5 files, 10 MB each and 25 MB in all. Files can be PDF, JPEG, or PNG."),
])
def test_a_file_field_says_its_limits_in_the_pages_language(forms, parse_html, lang, digits, hint):
    """Issue 36: the limits under the label, their digits as content/settings.yml's arabic_digits says."""
    form = forms["help-request"]
    field = form.field("medical_reports")
    page = parse_html(render_form(form, lang, action="/x", digits=digits))
    [limits] = [e for e in page.elements if e.attrs.get("class") == "qalb-file-limits"]
    assert limits.text == hint
    assert limits.parent is page.by_id(f"{field.id}-hint")
    assert page.by_id(f"{field.id}-hint").text == f"{field.hint[lang]} {hint}"
    control = page.by_id(field.id)
    assert control.attrs["accept"] == "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"
    assert control.has("multiple") and not control.has("required")


def test_one_file_is_said_as_one(forms, parse_html):
    import dataclasses

    from generator.forms.error_texts import file_hint, file_message

    limits = dataclasses.replace(forms["help-request"].field("medical_reports").files, max_files=1,
                                 accept=("application/pdf",))
    assert file_hint(limits, "en") == "One file, up to 10 MB. Files can be PDF."
    assert file_hint(limits, "ar", "arab") == "ملف واحد، حجمه حتى ١٠ ميغابايت. الصيغ المقبولة: PDF."
    assert file_message(limits, "files-too-many", "ar") == "يمكنك إرسال ملف واحد فقط. اختر ملفًا واحدًا."
