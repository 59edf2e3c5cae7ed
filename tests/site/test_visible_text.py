"""Issue 35: no page shows Markdown or template syntax as text (the policy page
once showed `{: .qalb-approval }` after its approval date)."""
from __future__ import annotations

import re
from html.parser import HTMLParser

#: What a reader must never see: an attribute list, a heading id, a Markdown
#: link, bold markers, and Jinja's expression and statement delimiters.
SYNTAX = re.compile(r"\{:|\{\s*#[\w-]+\s*\}|\[[^\]\n]+\]\([^)\s]+\)|\*\*|\{\{|\{%")


class _VisibleText(HTMLParser):
    """The text a reader sees: not scripts, styles, templates or hidden elements."""
    SKIP = {"script", "style", "template", "noscript"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipping: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP or (self.skipping and tag == self.skipping[-1]):
            self.skipping.append(tag)

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def test_the_syntax_check_finds_what_it_looks_for():
    for shown in ("15 July 2023.{: .qalb-approval }", "Approval { #approval }", "see [the form](../index.md)",
                  "**What we collect:**", "{{ _('Send') }}", "{% if x %}"):
        assert SYNTAX.search(visible_text(f"<p>{shown}</p>")), shown
    assert not SYNTAX.search(visible_text('<p>A <a href="x">link</a> <strong>bold</strong></p>'
                                          "<script>if (a) { b } [1](2) ** {{</script>"))


def test_no_built_page_shows_markdown_or_template_syntax(built_site):
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) >= 30
    shown = {}
    for page in pages:
        found = SYNTAX.findall(visible_text(page.read_text(encoding="utf-8")))
        if found:
            shown[str(page.relative_to(built_site))] = found
    assert shown == {}
