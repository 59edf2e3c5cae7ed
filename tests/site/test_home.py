"""Issue 24: the home page starts with what visitors come to do.

Its heading and title are the charity's name (from content/settings.yml), then
the main actions as links, in order, then the phone, WhatsApp and e-mail from
the settings, then the rest of content/pages/index.<lang>.md.
"""
from __future__ import annotations

import pytest

from generator import PROJECT_ROOT
from generator.core.organisation import load_settings
from generator.core.problems import Problems
from tests.support.html_helpers import Document

# (link, as the page writes it) in order: ask for help, check a request (the status
# page, added later by the staff side), volunteer, rate a service, ask/complain/suggest.
ACTIONS = ["forms/help-request/", "status/", "forms/volunteer/", "forms/satisfaction/", "forms/contact/"]


@pytest.mark.parametrize("prefix,lang", [("", "ar"), ("en/", "en")])
def test_home_page_opens_with_the_charitys_name_then_its_actions_then_its_phone(built_site, prefix, lang):
    name = load_settings(PROJECT_ROOT, Problems()).org("name", lang)
    doc = Document.load(built_site / prefix / "index.html")
    assert doc.find("title").text.strip() == name
    headings = doc.find_all("h1")
    assert [h.text.strip() for h in headings] == [name]
    order = doc.elements
    actions = doc.find("div", class_="qalb-actions")
    reach = doc.find("div", class_="qalb-reach")
    assert actions is not None and reach is not None
    start = order.index(actions)
    links = [e.get("href") for e in order[start:order.index(reach)] if e.tag == "a"]
    assert links == ACTIONS
    # Nothing but the heading comes before the actions inside the article.
    article = doc.find("article")
    between = [e for e in order[order.index(article) + 1:start] if e.tag not in ("h1",)]
    assert between == [], between
    reach_text = " ".join(reach.text.split())
    assert "qalb-placeholder" in doc.html  # phone, WhatsApp and e-mail are not in the policy: placeholders
    assert len([e for e in order[order.index(reach):] if e.get("class") == "qalb-placeholder"]) >= 3, reach_text
    after = [e for e in order[order.index(reach):] if e.tag == "h2"]
    assert len(after) >= 2, "the reach-us heading, then the rest of the page"
