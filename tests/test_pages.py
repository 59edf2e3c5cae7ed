"""Issue 3: the service guide, FAQ and charter, built from the real content."""
from __future__ import annotations

import pytest
import yaml

from generator import PROJECT_ROOT

from html_helpers import Document


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
