"""Issue 2: the bilingual site skeleton, asserted on the real content's built HTML."""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
import yaml

from generator import PROJECT_ROOT
from generator.core.catalogs import catalog_problems
from generator.core.problems import ContentError
from generator.site.build import build_site
from tests.support.html_helpers import Document

SITE_URL = "http://127.0.0.1:8000/"
MAIN_PAGES = ["", "services/", "faq/", "charter/", "policy/", "contact/", "search/"]


def pages_of(site: Path, prefix: str = "") -> set[str]:
    base = site / prefix
    found = set()
    for index in base.rglob("index.html"):
        rel = index.parent.relative_to(base).as_posix()
        if not prefix and (rel == "en" or rel.startswith("en/")):
            continue
        found.add("" if rel == "." else rel + "/")
    return found


def test_every_page_exists_in_both_languages(built_site):
    arabic, english = pages_of(built_site), pages_of(built_site, "en")
    assert set(MAIN_PAGES) <= arabic
    assert arabic == english


@pytest.mark.parametrize("prefix,lang,direction", [("", "ar", "rtl"), ("en/", "en", "ltr")])
def test_html_has_lang_and_dir_on_every_page(built_site, prefix, lang, direction):
    files = [built_site / prefix / p / "index.html" for p in pages_of(built_site, prefix)]
    files.append(built_site / prefix / "404.html")
    for path in files:
        html = Document.load(path).find("html")
        assert (html.get("lang"), html.get("dir")) == (lang, direction), path


@pytest.mark.parametrize("page", MAIN_PAGES)
def test_language_switcher_lands_on_the_same_page(built_site, page):
    for prefix, other_prefix, other_lang in (("", "en/", "en"), ("en/", "", "ar")):
        doc = Document.load(built_site / prefix / page / "index.html")
        links = [a for a in doc.find_all("a") if a.get("hreflang") == other_lang]
        assert links, f"no switcher on /{prefix}{page}"
        here = f"http://x/{prefix}{page}"
        assert urljoin(here, links[0].get("href")) == f"http://x/{other_prefix}{page}"


@pytest.mark.parametrize("page", MAIN_PAGES)
def test_hreflang_alternates_are_absolute_with_x_default(built_site, page):
    for prefix in ("", "en/"):
        doc = Document.load(built_site / prefix / page / "index.html")
        alternates = {link.get("hreflang"): link.get("href")
                      for link in doc.find_all("link", rel="alternate")}
        assert alternates == {
            "ar": f"{SITE_URL}{page}",
            "en": f"{SITE_URL}en/{page}",
            "x-default": f"{SITE_URL}{page}",
        }


def test_policy_shows_the_approval_dates_formatted_per_locale(built_site):
    arabic = Document.load(built_site / "policy/index.html").html
    english = Document.load(built_site / "en/policy/index.html").html
    assert "جلسته رقم (3) المنعقدة بتاريخ 15 يوليو 2023" in arabic
    assert "27 ذو الحجة 1444 هـ" in arabic  # Umm al-Qura, beside the Gregorian date
    assert "session no. 3, held on July 15, 2023" in english
    assert "1444" not in english


def test_arabic_indic_digits_setting(project_copy, tmp_path):
    settings = project_copy / "content/settings.yml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        "arabic_digits: default", "arabic_digits: arab"), encoding="utf-8")
    site = tmp_path / "site"
    build_site(project_copy, site_dir=site, record_translations=False)
    arabic = (site / "policy/index.html").read_text(encoding="utf-8")
    english = (site / "en/policy/index.html").read_text(encoding="utf-8")
    assert "١٥ يوليو ٢٠٢٣" in arabic and "٢٧ ذو الحجة ١٤٤٤ هـ" in arabic
    assert "July 15, 2023" in english  # English keeps 0-9


def test_home_and_contact_list_the_eight_channels_and_placeholders(built_site):
    channels = yaml.safe_load((PROJECT_ROOT / "content/channels.yml").read_text(encoding="utf-8"))
    assert len(channels) == 8
    for prefix, lang in (("", "ar"), ("en/", "en")):
        html = (built_site / prefix / "contact/index.html").read_text(encoding="utf-8")
        for channel in channels:
            assert channel[lang] in html
        placeholders = Document(html).find_all("span", class_="qalb-placeholder")
        assert len(placeholders) >= 3  # phone, e-mail, address are not in the policy


def test_404_pages_are_each_in_their_own_language(built_site):
    arabic = Document.load(built_site / "404.html")
    english = Document.load(built_site / "en/404.html")
    assert arabic.find("h1").text.strip() == "الصفحة غير موجودة"
    assert english.find("h1").text.strip() == "Page not found"


def _asset_urls(site: Path):
    for path in site.rglob("*.html"):
        doc = Document.load(path)
        for element in doc.elements:
            if element.tag == "link" and element.get("rel") in ("alternate", "canonical", "prev", "next"):
                continue  # page addresses, not requests
            for name in ("src", "href", "srcset", "action", "poster", "data"):
                if element.get(name) and element.tag != "a":
                    yield path, element.get(name)
    for path in site.rglob("*.css"):
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", path.read_text(encoding="utf-8")):
            yield path, url


def test_no_asset_is_requested_from_another_host(built_site):
    offenders = [(str(p), url) for p, url in _asset_urls(built_site)
                 if urlparse(url).scheme in ("http", "https") or url.startswith("//")]
    assert offenders == []
    assert "fonts.googleapis" not in (built_site / "index.html").read_text(encoding="utf-8")


def test_search_index_per_language(built_site):
    """Each language has its own index of every page but the search page, section by section."""
    indexes = {prefix: json.loads((built_site / prefix / "search/index.json").read_text(encoding="utf-8"))
               for prefix in ("", "en/")}
    pages = len(pages_of(built_site)) - 1  # every page but the search page itself
    for prefix, index in indexes.items():
        urls = [page[0] for page in index["pages"]]  # [url, title] or [url, title, title shown]
        assert len(urls) == pages and "search/" not in urls, prefix
        # Sections link to headings that exist on their page.
        for number, anchor, *_rest in index["sections"]:  # title, text, weight(, form text)
            if anchor:
                page = (built_site / prefix / urls[number] / "index.html").read_text(encoding="utf-8")
                assert f'id="{anchor}"' in page, (prefix, urls[number], anchor)
    arabic_text = " ".join(section[3] for section in indexes[""]["sections"])
    english_text = " ".join(section[3] for section in indexes["en/"]["sections"])
    assert "المساعدة" in arabic_text and "help" not in arabic_text.lower().split()
    assert "help" in english_text and "المساعدة" not in english_text
    # Only the search page loads the search code.
    search_page = (built_site / "search/index.html").read_text(encoding="utf-8")
    assert "../assets/javascripts/search-later.js" in search_page  # it imports search.js when a search begins
    assert 'import("./search.js")' in (built_site / "assets/javascripts/search-later.js").read_text(encoding="utf-8")
    assert "search.js" not in (built_site / "faq/index.html").read_text(encoding="utf-8")


def test_fonts_are_self_hosted(built_site):
    css = (built_site / "assets/stylesheets/qalb.css").read_text(encoding="utf-8")
    for url in re.findall(r'url\("\.\./fonts/([^"]+)"\)', css):
        assert (built_site / "assets/fonts" / url).stat().st_size > 5_000  # a real font (~9-11 KB each since issue 25)


def test_failed_build_leaves_previous_site_intact(project_copy, tmp_path):
    site = tmp_path / "site"
    build_site(project_copy, site_dir=site, record_translations=False)
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    faq = project_copy / "content/faq.yml"
    faq.write_text(faq.read_text(encoding="utf-8") + "\n  - anchor: [broken\n", encoding="utf-8")
    with pytest.raises(ContentError):
        build_site(project_copy, site_dir=site, record_translations=False)
    after = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert after == before
    assert not list(tmp_path.glob(".site.*"))  # no staging folder left behind


def test_a_page_that_fails_to_render_in_a_worker_is_a_build_error_naming_it(project_copy, tmp_path):
    """Pages are rendered in the per-language workers: a failure there comes back as a
    build problem (not a traceback from another process), and site/ is left as it was."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("previous", encoding="utf-8")
    template = project_copy / "templates/pages/faq.html.j2"
    template.write_text(template.read_text(encoding="utf-8").replace("{% for topic in topics %}",
                                                                     "{% for topic in no_such_list %}"), encoding="utf-8")
    with pytest.raises(ContentError) as raised:
        build_site(project_copy, site_dir=site, record_translations=False)
    messages = [str(p) for p in raised.value.problems]
    assert any("ar pages" in m and "no_such_list" in m for m in messages), messages
    assert any("en pages" in m for m in messages), messages
    assert (site / "index.html").read_text(encoding="utf-8") == "previous"
    assert not list(tmp_path.glob(".site.*"))


def test_catalogs_have_no_missing_unused_or_mismatched_messages():
    assert catalog_problems(PROJECT_ROOT) == []
