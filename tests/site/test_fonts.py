"""Issue 25: the font files are cut to the characters the site uses, and they cover every page.

Each subset (generator/site/fonts.py SUBSETS) is also the `unicode-range` of its
@font-face rules in qalb.css: the two must agree, or the browser would fetch a
file for characters it does not hold. Every character written on a built page
(text and attribute values people read: title, aria-label, placeholder, alt)
must be in a subset, so no letter falls back to another font.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from fontTools.subset import parse_unicodes

from generator import PROJECT_ROOT
from generator.site.fonts import SUBSETS

CSS = PROJECT_ROOT / "templates/overrides/assets/stylesheets/qalb.css"
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "value"}


def _css_ranges() -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for face in re.findall(r"@font-face\s*\{(.*?)\}", CSS.read_text(encoding="utf-8"), re.S):
        subset = re.search(r"ibm-plex-sans-arabic-([a-z]+)-\d+-normal\.woff2", face).group(1)
        ranges = re.search(r"unicode-range:\s*([^;]+);", face).group(1).replace(" ", "")
        found.setdefault(subset, set()).update(parse_unicodes(ranges))
    return found


def test_css_unicode_ranges_are_the_subsets():
    assert _css_ranges() == {name: set(parse_unicodes(ranges)) for name, ranges in SUBSETS.items()}


class _Text(HTMLParser):
    SKIP = {"script", "style"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chars: set[str] = set()
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.chars.update(value)

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.chars.update(data)


def test_every_character_on_the_site_is_in_a_font_subset(built_site: Path):
    covered = set().union(*(parse_unicodes(r) for r in SUBSETS.values()))
    missing: dict[str, set[str]] = {}
    for page in sorted(built_site.rglob("*.html")):
        reader = _Text()
        reader.feed(page.read_text(encoding="utf-8"))
        for char in reader.chars:
            if not char.isspace() and ord(char) not in covered and ord(char) >= 0x20:
                missing.setdefault(f"U+{ord(char):04X} {char!r}", set()).add(page.relative_to(built_site).as_posix())
    assert not missing, ("characters outside every font subset (add them to SUBSETS in generator/site/fonts.py "
                         "and to the unicode-range lines of qalb.css): "
                         + "; ".join(f"{c} on {sorted(p)[:3]}" for c, p in sorted(missing.items())))
