"""Issues 8 and 26: search finds the expected page in the top 3, in each language, in a real browser.

Queries with `via` (issue 26) are found through another form of the word: its
stem, its root or a staff synonym; the page must be found in that tier, and
the test runs them again on the site built with an empty synonyms file.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from generator import PROJECT_ROOT
from generator.site.browser import launch_chromium, serve_static
from generator.site.search_synonyms import SYNONYMS_FILE

CASES = yaml.safe_load((Path(__file__).parent / "search_queries.yaml").read_text(encoding="utf-8"))
TIERS = ["exact", "stem", "root", "synonym", "none"]  # search.js, best first
GROUPS = {"exact": 0, "stem": 0, "root": 1, "synonym": 2, "none": 3}  # search.js GROUP: how tiers rank
# The ranking the search page shows (templates/overrides/assets/javascripts/search.js):
# each result's URL and the best tier any query word matched it in.
SEARCH = """async (query) => {
  const found = await window.qalbSearch(query);
  return found.map(r => [new URL('../' + r.url, location.href).pathname, Math.min(...r.tiers)]);
}"""
PREFIXES = [("ar", ""), ("en", "en/")]


@pytest.fixture(scope="module")
def browser(require_browser):
    with launch_chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def search_page(built_site, browser):
    with serve_static(built_site) as base:
        page = browser.new_page()
        yield base, page
        page.close()


@pytest.fixture(scope="module")
def site_without_synonyms(tmp_path_factory, project_copy_factory):
    """The real content with content/search-synonyms.yml emptied."""
    from generator.site.build import build_site

    project = project_copy_factory(tmp_path_factory.mktemp("no-synonyms") / "project")
    (project / SYNONYMS_FILE).write_text("", encoding="utf-8")
    site_dir = project / "site"
    build_site(project, site_dir=site_dir, record_translations=False)
    return site_dir


def run_queries(base: str, page, lang: str, prefix: str) -> dict[str, list[tuple[str, str]]]:
    """Each query of the language -> its results: (path, best tier), best first."""
    page.goto(f"{base}{prefix}search/")
    page.wait_for_function("() => window.qalbSearch !== undefined")
    return {case["query"]: [(url, TIERS[tier]) for url, tier in page.evaluate(SEARCH, case["query"])]
            for case in CASES[lang]}


def misses(lang: str, prefix: str, results: dict, cases: list[dict]) -> list[str]:
    out = []
    for case in cases:
        top = [url for url, _tier in results[case["query"]][:3]]
        if f"/{prefix}{case['page']}" not in top:
            out.append(f"{case['query']!r}: expected /{prefix}{case['page']} in {top}")
    return out


def test_query_set_is_large_enough():
    related = [case for case in CASES["ar"] if "via" in case]
    assert len(CASES["ar"]) >= 30 and len(CASES["en"]) >= 30  # issue 35: ten more English
    assert len(related) >= 30, "issue 26: at least 30 Arabic queries found through another form of the word"
    assert sum(1 for case in related if case["via"] != "synonym") >= 25
    assert {case["via"] for lang in CASES for case in CASES[lang] if "via" in case} <= set(TIERS[1:4])


@pytest.mark.parametrize("lang,prefix", PREFIXES)
def test_every_query_finds_its_page_in_the_top_three(search_page, lang, prefix):
    base, page = search_page
    results = run_queries(base, page, lang, prefix)
    assert misses(lang, prefix, results, CASES[lang]) == []
    wrong_tier = []
    for case in CASES[lang]:
        found = results[case["query"]]
        # Results never cross languages.
        assert all(url.startswith("/en/") == (lang == "en") for url, _tier in found), (case, found)
        # Tiers rank first: a page with a query word as typed or with its stem (one group,
        # issue 35: "suggestion" and "suggestions" are one word) is never below one found
        # only through a root or a synonym, and so on down.
        groups = [GROUPS[tier] for _url, tier in found]
        assert groups == sorted(groups), (case["query"], found)
        if "via" in case:
            tier = dict(found)[f"/{prefix}{case['page']}"]
            if tier != case["via"]:
                wrong_tier.append(f"{case['query']!r}: found /{prefix}{case['page']} by {tier}, not {case['via']}")
    assert wrong_tier == []


@pytest.mark.parametrize("lang,prefix", PREFIXES)
def test_which_queries_rely_on_the_synonyms(site_without_synonyms, browser, lang, prefix):
    with serve_static(site_without_synonyms) as base:
        page = browser.new_page()
        try:
            results = run_queries(base, page, lang, prefix)
        finally:
            page.close()
    need = [case for case in CASES[lang] if case.get("via") == "synonym"]
    print(f"\n{lang}: {len(CASES[lang]) - len(need)} queries pass without synonyms; "
          f"{len(need)} rely on content/search-synonyms.yml: {', '.join(case['query'] for case in need)}")
    assert misses(lang, prefix, results, [case for case in CASES[lang] if case.get("via") != "synonym"]) == []
    # A query marked as found through a synonym really is not found without it.
    assert len(misses(lang, prefix, results, need)) == len(need), misses(lang, prefix, results, need)


def test_search_page_shows_results_for_a_linked_query(search_page):
    base, page = search_page
    page.goto(f"{base}search/?q=" + "اسبوعين")
    page.wait_for_selector(".qalb-search__link", timeout=10_000)
    links = [a.get_attribute("href") for a in page.query_selector_all(".qalb-search__link")]
    assert "../faq/" in links


def test_the_status_says_when_the_index_cannot_be_loaded(search_page):
    base, open_page = search_page
    page = open_page.context.browser.new_page()
    try:
        page.route("**/search/index.json", lambda route: route.fulfill(status=500, body="down"))
        page.goto(f"{base}en/search/?q=help")
        page.locator(".qalb-search__status").filter(has_text="not available").wait_for(timeout=10_000)
        assert page.locator(".qalb-search__link").count() == 0
    finally:
        page.close()


def test_the_status_repeats_the_query_as_typed(search_page):
    base, page = search_page
    query = "{count} $& help"
    page.goto(f"{base}en/search/?q=" + quote(query))
    page.wait_for_selector(".qalb-search__link", timeout=10_000)
    status = page.inner_text(".qalb-search__status")
    assert f"“{query}”" in status, status
    page.goto(f"{base}search/?q=" + quote("المساعدة"))
    page.wait_for_selector(".qalb-search__link", timeout=10_000)
    assert re.search(r"«المساعدة»: \d+$", page.inner_text(".qalb-search__status"))


# --- issue 35: search that doesn't mislead ------------------------------------------

def test_results_found_only_through_a_root_come_last_and_say_they_are_less_sure(search_page):
    base, page = search_page
    page.goto(f"{base}search/")
    page.wait_for_function("() => window.qalbSearch !== undefined")
    for query in ["أطباء", "أجهزة طبية", "مساعدات", "متطوع", "المساعدة", "طلبات"]:
        found = page.evaluate("async (q) => (await window.qalbSearch(q)).map(r => r.unsure)", query)
        assert found == sorted(found), (query, found)  # every sure result before any less sure one
    page.goto(f"{base}search/?q=" + quote("أطباء"))
    page.wait_for_selector(".qalb-search__link", timeout=10_000)
    notes = page.locator(".qalb-search__result--unsure .qalb-search__unsure")
    assert notes.count() >= 1 and "أقل يقينًا" in notes.first.inner_text()
    page.goto(f"{base}search/?q=" + quote("المساعدة"))
    page.wait_for_selector(".qalb-search__link", timeout=10_000)
    first = page.locator(".qalb-search__result").first
    assert first.locator(".qalb-search__unsure").count() == 0


def test_privacy_notice_results_name_their_form(search_page):
    base, page = search_page
    for prefix, query, notice in [("", "الخصوصية", "بيان الخصوصية: "), ("en/", "privacy", "Privacy notice: ")]:
        page.goto(f"{base}{prefix}search/?q=" + quote(query))
        page.wait_for_selector(".qalb-search__link", timeout=10_000)
        titles = [a.inner_text() for a in page.query_selector_all(".qalb-search__link")
                  if a.get_attribute("href").endswith("/privacy/")]
        assert len(titles) >= 4 and len(set(titles)) == len(titles), titles
        assert all(title.startswith(notice) and len(title) > len(notice) for title in titles), titles


def test_an_empty_result_offers_the_contact_page_and_the_help_form(search_page):
    base, page = search_page
    for prefix, query, words in [("", "موعد", "طلب مساعدة"), ("en/", "appointment", "Request help")]:
        page.goto(f"{base}{prefix}search/?q=" + quote(query))
        none = page.locator(".qalb-search__none")
        none.wait_for(state="visible", timeout=10_000)
        links = {a.get_attribute("href"): a.inner_text() for a in none.locator("a").element_handles()}
        assert links.keys() == {"../contact/", "../forms/help-request/"}, links
        assert links["../forms/help-request/"] == words
        # What a screen reader announces (the status) is a whole sentence pointing to the links,
        # which are the next stops after the search button (review of issue 35: it ended "or:").
        status = page.locator(".qalb-search__status[role=status]").inner_text()
        assert status.endswith(("أدناه.", "below.")), status
        page.focus(".qalb-search__button")
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.closest('.qalb-search__none') !== null")
        page.fill(".qalb-search__input", "help" if prefix else "المساعدة")
        page.press(".qalb-search__input", "Enter")
        page.wait_for_selector(".qalb-search__link", timeout=10_000)
        assert not none.is_visible()


def test_excerpts_come_from_the_text_not_the_forms_labels(built_site):
    """A form's labels, hints and choices are searched (the form text of its section)
    but never make a result's excerpt, on the form and on its privacy notice."""
    for prefix, lang in [("", "ar"), ("en/", "en")]:
        index = json.loads((built_site / prefix / "search/index.json").read_text(encoding="utf-8"))
        pages = {page[0]: number for number, page in enumerate(index["pages"])}
        for form_file in sorted((PROJECT_ROOT / "forms").glob("*.yml")):
            form = yaml.safe_load(form_file.read_text(encoding="utf-8"))
            labels = [field["ui"]["label"][lang] for field in form["schema"]["fields"]]
            # The form's page, and its privacy notice's list of the form's questions.
            for url in (f"forms/{form_file.stem}/", f"forms/{form_file.stem}/privacy/"):
                sections = [s for s in index["sections"] if s[0] == pages[url]]
                text = " ".join(s[3] for s in sections)
                form_text = " ".join(s[5] for s in sections if len(s) > 5)
                assert all(label in form_text for label in labels), url
                if url.endswith("/privacy/"):  # its prose may say "your name": no run of labels
                    assert all(f"{a} {b}" not in text for a, b in zip(labels, labels[1:])), url
                else:
                    assert [label for label in labels if label in text] == [], url


def test_a_word_spelled_with_h_for_ta_marbuta_is_the_same_word(search_page):
    """Review of issue 35: «أجهزه» (the FAQ's "what do I prepare") and «أجهزة» are one spelling
    once ة/ه are folded, so each finds the other as typed, never as a less sure root match;
    and a word typed with ه for ة still reaches its root's other words («طبيه»: الطبيب)."""
    base, page = search_page
    page.goto(f"{base}search/")
    page.wait_for_function("() => window.qalbSearch !== undefined")
    found = "async (q) => (await window.qalbSearch(q)).map(r => [r.url, Math.min(...r.tiers), r.unsure, r.terms])"
    for query in ("أجهزة", "أجهزه"):
        results = {url: (tier, unsure) for url, tier, unsure, _terms in page.evaluate(found, query)}
        assert results["faq/"] == (0, False) and results["services/"] == (0, False), (query, results)
    terms = {term for *_rest, found_terms in page.evaluate(found, "طبيه") for term in found_terms}
    assert {"طبيه", "الطبيب"} <= terms, terms


_NOTES = """async (q) => {
  const input = document.querySelector('.qalb-search__input');
  input.value = q;
  input.form.requestSubmit();
  await new Promise((done) => { const t = setInterval(() => {
    if (document.querySelector('.qalb-search__status').textContent.includes(q)) { clearInterval(t); done(); } }, 20); });
  return [...document.querySelectorAll('.qalb-search__result')].map((item) => [
    item.querySelector('.qalb-search__link').textContent,
    item.querySelector('.qalb-search__unsure')?.textContent ?? null]);
}"""


def test_a_less_sure_note_names_root_matches_as_the_site_writes_them(search_page, built_site):
    """Review of issue 35: «إعانة» was noted «(عن، مساعده)»: a two-letter word joined by a root
    fold, a synonym (not a root match at all) and the index's spelling. A note names only root
    matches, each a word the site writes, and no result is found through a word of two letters."""
    base, page = search_page
    index = json.loads((built_site / "search/index.json").read_text(encoding="utf-8"))
    site_words = set(re.findall(r"[\w\u064b-\u065f\u0670\u0640]+", json.dumps(index["sections"], ensure_ascii=False)))
    page.goto(f"{base}search/?q=" + quote("أطباء"))
    page.wait_for_selector(".qalb-search__link", timeout=10_000)
    named = []
    for query in ("إعانة", "أطباء", "مساعدات", "متطوع", "مريض", "بلاغ"):
        for title, note in page.evaluate(_NOTES, query):
            if note is None:
                continue
            words = re.search(r"\((.*)\)", note)[1].split("، ")
            named += words
            assert all(word in site_words for word in words), (query, title, note)
            assert query != "إعانة", (title, note)  # found through its synonyms only: no root match to name
            assert all(len(word) > 3 for word in words), (query, title, note)  # not عن، عنه
    assert len(named) >= 5, named
    found = page.evaluate("async (q) => (await window.qalbSearch(q)).map(r => r.url)", "إعانة")
    assert "services/" in found[:3], found  # through its synonym مساعدة, no longer below every page with «عن»


def test_a_plural_or_singular_is_not_less_sure(search_page):
    """Review of issue 35: «مريض» marked the pages with «مرضى» less sure. A root match that is the
    query word's plural or singular (a broken plural: only the root joins them) stays a root match
    (search_queries.yaml's tiers) but is not less sure, and comes before other words of the root."""
    base, page = search_page
    page.goto(f"{base}search/")
    page.wait_for_function("() => window.qalbSearch !== undefined")
    found = "async (q) => (await window.qalbSearch(q)).map(r => [r.url, Math.min(...r.tiers), r.unsure])"
    for query, url in [("مريض", ""), ("لجان", "services/"), ("هواتف", "contact/"),
                       ("مندوب", "faq/")]:
        results = page.evaluate(found, query)
        assert [url, 2, False] in results, (query, results)
        unsure = [result[2] for result in results if result[1] == 2]
        assert unsure == sorted(unsure), (query, results)
    # A root match of another word still is: «فروع» (branches) and «الفرعية» (the adjective).
    assert all(unsure for _url, _tier, unsure in page.evaluate(found, "فروع")), page.evaluate(found, "فروع")
