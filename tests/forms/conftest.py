"""Shared by the forms tests: the real forms, loaded once, and an HTML reader."""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # so `pytest` works as well as `python -m pytest`
    sys.path.insert(0, str(ROOT))

from generator.core.problems import Problems  # noqa: E402
from generator.forms import load_forms  # noqa: E402

FORM_IDS = ("help-request", "volunteer", "satisfaction", "contact")
VOID = {"input", "br", "hr", "img", "meta", "link", "source", "area", "base", "col", "embed", "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""
    parent: "Element | None" = field(default=None, repr=False)

    def has(self, name: str) -> bool:
        return name in self.attrs

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class Collector(HTMLParser):
    """Every element with its attributes and text; fails on unbalanced tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.stack: list[Element] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), parent=self.stack[-1] if self.stack else None)
        self.elements.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1].tag == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data):
        for element in self.stack:
            element.text += data

    def handle_comment(self, data):
        self.comments.append(data.strip())


@dataclass
class Page:
    elements: list[Element]
    comments: list[str]

    def find(self, tag: str | None = None, **attrs: str) -> list[Element]:
        return [e for e in self.elements if (tag is None or e.tag == tag)
                and all(e.attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())]

    def by_id(self, id: str) -> Element:
        found = [e for e in self.elements if e.attrs.get("id") == id]
        assert len(found) == 1, f"{len(found)} elements with id {id!r}"
        return found[0]


def parse(html: str) -> Page:
    collector = Collector()
    collector.feed(html)
    collector.close()
    assert not collector.stack, f"unclosed: {collector.stack}"
    ids = [e.attrs["id"] for e in collector.elements if "id" in e.attrs]
    assert len(ids) == len(set(ids)), f"duplicate ids: {sorted({i for i in ids if ids.count(i) > 1})}"
    return Page(collector.elements, collector.comments)


@pytest.fixture(scope="session")
def loaded():
    problems = Problems()
    forms = load_forms(ROOT, problems)
    return forms, problems


@pytest.fixture(scope="session")
def forms(loaded):
    return loaded[0]


@pytest.fixture(scope="session")
def parse_html():
    """`parse_html(html) -> Page`: elements, attributes, text; checks balance and unique ids."""
    return parse
