"""Issue 3: the service guide, FAQ and charter, built from the real content."""
from __future__ import annotations

import pytest
import yaml

from generator import PROJECT_ROOT
from tests.support.html_helpers import Document


def load(name):
    return yaml.safe_load((PROJECT_ROOT / "content" / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("prefix,lang", [("", "ar"), ("en/", "en")])
def test_service_guide_has_every_service_with_its_parts_and_form(built_site, prefix, lang):
    doc = Document.load(built_site / prefix / "services/index.html")
    services = load("services.yml")
    assert [s["slug"] for s in services] == ["help-request", "volunteering", "enquiries", "evaluation"]
    for service in services:
        heading = doc.by_id(service["slug"])
        assert heading is not None and service[lang]["title"] in heading.text
        for part in ("audience", "prepare", "apply", "steps", "timeline"):
            assert doc.by_id(f"{service['slug']}-{part}") is not None
        for step in service[lang]["steps"]:
            assert step.split("**")[0][:20] in doc.html
        links = [a.get("href") for a in doc.find_all("a")]
        assert f"../forms/{service['form']}/" in links


@pytest.mark.parametrize("prefix,lang", [("", "ar"), ("en/", "en")])
def test_faq_has_every_question_under_its_stable_anchor(built_site, prefix, lang):
    doc = Document.load(built_site / prefix / "faq/index.html")
    faq = load("faq.yml")
    assert len(faq["questions"]) >= 12
    for question in faq["questions"]:
        heading = doc.by_id(question["anchor"])
        assert heading is not None, question["anchor"]
        assert question[lang]["question"] in heading.text
    for topic in faq["topics"]:
        assert topic[lang] in doc.by_id(topic["id"]).text


@pytest.mark.parametrize("prefix,lang", [("", "ar"), ("en/", "en")])
def test_charter_has_every_right_and_duty(built_site, prefix, lang):
    doc = Document.load(built_site / prefix / "charter/index.html")
    charter = load("charter.yml")
    assert len(charter["rights"]) >= 5 and len(charter["duties"]) >= 3
    for item in charter["rights"] + charter["duties"]:
        assert item[lang]["title"] in doc.by_id(item["slug"]).text


def test_evaluation_is_a_right_not_a_punishment(built_site):
    arabic = (built_site / "charter/index.html").read_text(encoding="utf-8")
    english = (built_site / "en/charter/index.html").read_text(encoding="utf-8")
    assert "لا للعقاب" in arabic
    assert "not for punishment" in english


# --- Issue 9: a privacy notice per form and language -----------------------------------------

def real_forms():
    from generator.core.problems import Problems
    from generator.forms import load_forms

    return load_forms(PROJECT_ROOT, Problems())


FORMS = real_forms()


@pytest.mark.parametrize("prefix,lang", [("", "ar"), ("en/", "en")])
@pytest.mark.parametrize("form_id", sorted(FORMS))
def test_each_form_has_a_privacy_notice_listing_every_field_and_the_period(built_site, prefix, lang, form_id):
    from generator.site.pages import localise_retention

    form = FORMS[form_id]
    doc = Document.load(built_site / prefix / f"forms/{form_id}/privacy/index.html")
    assert form.title[lang] in doc.find("h1").text
    items = [li.text.strip() for li in doc.find_all("li")]
    for field in form.fields:
        [item] = [text for text in items if text.startswith(field.label[lang])]
        sensitive = {"ar": "بيانات حساسة", "en": "sensitive data"}[lang]
        assert (sensitive in item) == field.sensitive, item
    assert localise_retention(form.retention_days, lang, "default") in doc.html
    # Issue 35: dated in words; the version (a hash) only for staff, in an attribute.
    version = doc.find("p", class_="qalb-notice-version")
    assert version.get("data-notice-version") == form.notice_version
    assert form.notice_version not in version.text
    changed = {"ar": "آخر تعديل على هذا البيان في 7 ديسمبر 2026.",
               "en": "This notice was last changed on December 7, 2026."}[lang]
    assert changed in version.text
    links = [a.get("href") for a in doc.find_all("a")]
    assert "../" in links  # back to the form
    assert "../../../contact/" in links  # how to ask for access or deletion
    assert doc.find_all("span", class_="qalb-placeholder")  # unset phone etc.: never invented


def test_health_and_id_fields_are_marked_sensitive():
    form = FORMS["help-request"]
    assert [f.name for f in form.fields if f.sensitive] == ["national_id", "heart_condition", "medical_reports"]


@pytest.mark.parametrize("prefix,lang", [("", "ar"), ("en/", "en")])
@pytest.mark.parametrize("form_id", sorted(FORMS))
def test_form_page_links_to_its_notice_and_carries_language_and_version(built_site, prefix, lang, form_id):
    doc = Document.load(built_site / prefix / f"forms/{form_id}/index.html")
    [link] = [a for a in doc.find_all("a") if a.get("href") == "privacy/"]
    assert link.text.strip() == {"ar": "بيان الخصوصية", "en": "Privacy notice"}[lang]
    hidden = {i.get("name"): i.get("value") for i in doc.find_all("input") if i.get("type") == "hidden"}
    # The post's key is empty in the built page: its script (loaded on form pages only) fills it.
    assert hidden == {"lang": lang, "privacy_notice": FORMS[form_id].notice_version, "post_key": ""}
    [script] = [s.get("src") for s in doc.find_all("script") if "form-key" in (s.get("src") or "")]
    assert (built_site / prefix / f"forms/{form_id}" / script).is_file()


@pytest.mark.parametrize("form_id", sorted(FORMS))
def test_switcher_on_a_notice_lands_on_the_other_languages_notice(built_site, form_id):
    from urllib.parse import urljoin

    page = f"forms/{form_id}/privacy/"
    for prefix, other_prefix, other_lang in (("", "en/", "en"), ("en/", "", "ar")):
        doc = Document.load(built_site / prefix / page / "index.html")
        assert doc.find("html").get("lang") == ("en" if prefix else "ar")
        [switcher] = [a for a in doc.find_all("a") if a.get("hreflang") == other_lang]
        assert urljoin(f"http://x/{prefix}{page}", switcher.get("href")) == f"http://x/{other_prefix}{page}"
