"""Issue 35: what a visitor on a phone reads — the logo's text, list markers,
durations, the privacy notice's date, one name per form."""
from __future__ import annotations

import re

SITE_NAME = {"ar": "جمعية قلب", "en": "Qalb"}


def test_the_logo_is_named_in_the_page_language_on_every_page(built_site):
    for page in sorted(built_site.rglob("*.html")):
        lang = "en" if page.relative_to(built_site).parts[0] == "en" else "ar"
        html = page.read_text(encoding="utf-8")
        alts = re.findall(r'<img src="[^"]*logo\.svg" alt="([^"]*)"', html)
        assert alts and set(alts) == {SITE_NAME[lang]}, (page, alts)


def test_every_link_to_a_form_names_it_by_its_title(built_site):
    """One name per form: the menu, the home page, the service guide and the privacy
    notices link to a form with its title (forms/<id>.yml) in the link's text."""
    from generator import PROJECT_ROOT
    from generator.core.problems import Problems
    from generator.forms import load_forms

    forms = load_forms(PROJECT_ROOT, Problems())
    # The FAQ's running text may say "fill in the volunteer form".
    link = re.compile(r'<a ([^>]*href="(?:[^"#?]*/)?forms/([a-z-]+)/"[^>]*)>(.*?)</a>', re.S)
    wrong = set()
    for page in sorted(built_site.rglob("index.html")):
        rel = page.relative_to(built_site)
        if "faq" in rel.parts:
            continue
        lang = "en" if rel.parts[0] == "en" else "ar"
        for attrs, form_id, inner in link.findall(page.read_text(encoding="utf-8")):
            if "hreflang=" in attrs:  # the language switch
                continue
            text = " ".join(re.sub(r"<[^>]+>", " ", inner).split())
            if forms[form_id].title[lang] not in text:
                wrong.add((str(rel), form_id, text))
    assert sorted(wrong) == [], sorted(wrong)
    names = [form.title[lang] for form in forms.values() for lang in ("ar", "en")]
    assert len(set(names)) == len(names)
    assert "Contact us" not in names  # the contact page's name, not a form's


def test_the_home_pages_list_of_actions_is_not_indexed_as_its_text(built_site):
    """The action list is the menu again, each form by its title (data-search="skip" on it):
    indexed, it put the home page above the service guide for "التطوع"
    (tests/site/search_queries.yaml). The rest of the page is indexed."""
    import json

    for prefix, action, about in (("", "قياس رضا المستفيد", "من نحن"), ("en/", "Rate our service", "About us")):
        assert f">{action}</a>" in (built_site / prefix / "index.html").read_text(encoding="utf-8")
        index = json.loads((built_site / prefix / "search/index.json").read_text(encoding="utf-8"))
        home = [section for section in index["sections"] if index["pages"][section[0]][0] == ""]
        assert about in [section[2] for section in home], home
        assert not [section for section in home if action in " ".join(map(str, section[2:]))], home
