"""The search index of one language: every page's text, section by section, as JSON.

The search page downloads it and indexes it in the browser (MiniSearch; each
word read by words.js: its spelling, its stem by Snowball's Arabic stemmer or
the Porter stemmer for English, and its Arabic root:
templates/overrides/assets/javascripts/search.js). The index also carries the
language's synonyms (content/search-synonyms.yml, search_synonyms.py). The
build itself only cuts pages into sections, the same work as Hugo's JSON
index: indexing 2.4 million words at build time (Pagefind) took longer than the
rest of the build put together (docs/benchmarks.md).

A section starts at each h1-h3 heading; deeper headings stay in their section's
text. Markup the index reads, set by templates:
- `data-search-title="..."` on the page's h1: the title the index reads for the page
  (results show the h1 itself: "Privacy notice: Contact us").
- `data-search-weight="0.5"` on the h1: every section of the page counts for half.
- `<ul data-search="form">`: a list of a form's labels, indexed with the form's text.
- `<div data-search="skip">` (no div inside): not indexed. The home page's list of actions is
  the menu again, links named by their pages' titles (one name per form, issue 35): indexed,
  it made the home page the first result for each form's name, above the pages about it;
  the menu itself is outside the article and never indexed.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

from mkdocs.exceptions import PluginError

INDEX_FILE = "search/index.json"

_ARTICLE = re.compile(r'<article class="md-content__inner md-typeset"[^>]*>(.*)</article>', re.S)
_HEADING = re.compile(r"<h([1-3])((?:\s[^>]*)?)>(.*?)</h\1>", re.S)
# Not text a person reads on the page (option lists are the form's, not a topic), and what a
# template or page marks as not this page's topic (data-search="skip").
_DROP = re.compile(r"<(script|style|noscript|template|select)\b.*?</\1>"
                   r'|<div\b[^>]*\sdata-search="skip"[^>]*>.*?</div>', re.S)
# A form, or a list a template marks as its labels (the privacy notice's "What the form asks for").
_FORM = re.compile(r'<form\b.*?</form>|<ul data-search="form">.*?</ul>', re.S)
_ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
# Tags that end a block of text become a space, with the whitespace around them
# (one pass: a separate whitespace pass over megabytes of text cost twice as much);
# inline ones (a link inside a sentence) vanish, so "the <a>form</a>, or" reads "the form, or".
_BLOCK_TAG = re.compile(r"\s*</?(?:p|div|li|ul|ol|dl|dt|dd|h[1-6]|tr|td|th|table|br|hr|section|details|summary"
                        r"|fieldset|legend|label|blockquote|form|button|input|textarea|option)\b[^>]*>\s*")
_TAG = re.compile(r"<[^>]+>")


class SearchIndex:
    """One language's index, written while MkDocs writes the pages.

    Sections go to a file beside the site as each page comes, so a build of
    thousands of sections never holds them all in memory (holding them all once took 400 MB).
    """

    def __init__(self, site_dir: Path, synonyms: list[list[str]] | None = None) -> None:
        self.site_dir = site_dir
        self.synonyms = synonyms or []  # content/search-synonyms.yml, this language's groups
        self.partial = site_dir.with_name(f".{site_dir.name}.search-index.partial")
        self.out = self.partial.open("w", encoding="utf-8")
        self.out.write('{"sections":[')
        self.pages: list[list[str]] = []       # [url, title] or [url, title, title shown]
        self.count = 0                         # sections: [page number, anchor, title, text, weight(, form text)]

    def add_page(self, url: str, title: str, page_html: str) -> None:
        found = _ARTICLE.search(page_html)
        if found is None:  # Material's markup changed: say so rather than index nothing
            raise PluginError(f"search index: no <article> in the page {url or '/'} "
                              "(generator/site/search_index.py expects Material's)")
        article = _DROP.sub(" ", found.group(1))
        number = len(self.pages)
        weight = 1.0
        page_title = title
        shown = ""  # the title results show, when the index reads another
        cuts = list(_HEADING.finditer(article))
        top, top_form = _split(article[:cuts[0].start()] if cuts else article)  # above the first heading, or all
        if top or top_form or not cuts:
            self._section([number, "", page_title, top, top_form, weight])
        for i, heading in enumerate(cuts):
            attributes = dict(_ATTRIBUTE.findall(heading.group(2)))
            end = cuts[i + 1].start() if i + 1 < len(cuts) else len(article)
            anchor = attributes.get("id", "")
            section_title = _text(heading.group(3))
            if heading.group(1) == "1":  # the page's own title: results link to the page itself
                anchor = ""
                if "data-search-title" in attributes:  # what the index reads; results show the h1
                    shown = section_title
                    page_title = section_title = html.unescape(attributes["data-search-title"])
                weight = float(attributes.get("data-search-weight", weight))
            self._section([number, anchor, section_title, *_split(article[heading.end():end]), weight])
        self.pages.append([url, page_title, shown] if shown else [url, page_title])

    def _section(self, section: list) -> None:
        """[page, anchor, title, text, form text, weight]: written [page, anchor, title, text, weight],
        with the form's text last when there is any."""
        form_text = section.pop(4)
        if form_text:
            section.append(form_text)
        self.out.write(("," if self.count else "") + json.dumps(section, ensure_ascii=False, separators=(",", ":")))
        self.count += 1

    def write(self) -> None:
        self.out.write('],"pages":' + json.dumps(self.pages, ensure_ascii=False, separators=(",", ":"))
                       + ',"synonyms":' + json.dumps(self.synonyms, ensure_ascii=False, separators=(",", ":")) + "}")
        self.out.close()
        path = self.site_dir / INDEX_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        self.partial.replace(path)


def _split(fragment: str) -> tuple[str, str]:
    """A section's text and, apart, its forms' text (labels, hints, choices): searched, never shown
    as a result's excerpt, which reads the page's sentences (issue 35)."""
    forms = _FORM.findall(fragment)
    if not forms:
        return _text(fragment), ""
    return _text(_FORM.sub(" ", fragment)), " ".join(_text(form) for form in forms)


def _text(fragment: str) -> str:
    text = html.unescape(_TAG.sub("", _BLOCK_TAG.sub(" ", fragment))).strip()
    while "  " in text:  # where block tags met
        text = text.replace("  ", " ")
    return text


# The search page's libraries, from npm (package.json), copied next to search.js
# with their licences. Their source-map comment goes: the map is not shipped.
SCRIPTS = {
    "minisearch.js": "node_modules/minisearch/dist/es/index.js",
    "minisearch.LICENSE.txt": "node_modules/minisearch/LICENSE.txt",
    "stemmer-ar.js": "node_modules/@orama/stemmers/dist/ar.js",
    "stemmer-en.js": "node_modules/@orama/stemmers/dist/en.js",
    "stemmers.LICENSE.txt": "node_modules/@orama/stemmers/LICENSE.md",  # .txt: a .md would become a page
}
_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.M)


def missing_scripts(root: Path) -> list[str]:
    return [source for source in SCRIPTS.values() if not (root / source).exists()]


def install_scripts(root: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name, source in SCRIPTS.items():
        text = (root / source).read_text(encoding="utf-8")
        (target / name).write_text(_SOURCE_MAP.sub("", text) if name.endswith(".js") else text, encoding="utf-8")
