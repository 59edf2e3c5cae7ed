"""HTML for the data-driven pages (services, FAQ, charter), without Python-Markdown.

At 1,000 services those pages are megabytes of Markdown that our own templates
wrote from YAML, and Python-Markdown spent seconds parsing them back. Their
templates (`templates/pages/*.html.j2`) now write the HTML themselves through a
`PageHTML`, and the MkDocs hook (`stash`, `restore`) hands it to MkDocs as the
page content, with the table of contents, anchors and links MkDocs would have
taken from Python-Markdown.

Staff-written fields may contain Markdown. A field with no character that
Markdown gives a meaning to is written as it is (the fast path: nearly every
field); any other field goes through Python-Markdown with the extensions of
mkdocs.yml, alone or in the construct the old template put it in (a heading,
a list), so it becomes the same HTML as before.
"""
from __future__ import annotations

import copy
import json
import posixpath
import re
from collections.abc import Iterable
from functools import lru_cache
from html.parser import HTMLParser
from itertools import groupby
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import markdown
from markdown.extensions.toc import nest_toc_tokens, strip_tags, unique
from markdown.util import AMP_SUBSTITUTE
from markupsafe import Markup, escape
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File
from mkdocs.structure.pages import _RelativePathTreeprocessor
from mkdocs.structure.toc import get_toc
from mkdocs.utils import get_relative_url
from mkdocs.utils.yaml import yaml_load

META_KEY = "qalb_html"  # front matter flag of a page whose body is HTML written by PageHTML
_MARKER = "<!-- qalb:prerendered "  # last line of such a body: JSON of its toc, anchors and links

# What Python-Markdown (with the extensions below) could read as syntax in a
# paragraph: inline markup, raw HTML and entities, attr_list braces, tables,
# fences, control characters; a line start that opens a block (list, quote,
# definition, details, rule, setext underline, code) and whitespace ending a
# line (stripped or a line break).
_SYNTAX_CHAR = re.compile(r"[\\`*_{}\[\]<>&!#|~\x00-\x09\x0b-\x1f\x7f]")
_BLOCK_START = re.compile(r"[-+=:?\s]|\d+\.")
# What ties a paragraph to others across a blank line: raw HTML and comments,
# fences, reference definitions, indented continuations (of list items,
# admonitions, details, code), definitions, attr_list lines; and headings,
# whose generated ids must differ from the others' (atx `#`, setext underlines).
_JOINS = re.compile(r"<|```|~~~|\]:|^[ \t:{#]|^[=-]+ *$", re.M)
# The fast path is only right for the extensions it was written against: others
# give plain text meanings (smart quotes, emoji, bare-URL links, permalinks).
FAST_PATH_EXTENSIONS = {"toc", "tables", "fenced_code", "attr_list", "md_in_html", "admonition",
                        "def_list", "pymdownx.details", "pymdownx.superfences"}


def is_plain(text: str, lines: bool = False) -> bool:
    """True when Python-Markdown gives `text` back as it is: as one paragraph, or (not
    `lines`) as the one-line text of a heading or list item."""
    if _SYNTAX_CHAR.search(text):
        return False
    split = text.split("\n")
    # (Line by line in Python: one multi-line regex is several times slower on megabytes.)
    return (lines or len(split) == 1) and all(
        line and not _BLOCK_START.match(line) and not line[-1].isspace() for line in split)


@lru_cache(maxsize=None)
def markdown_options(mkdocs_yml: Path) -> tuple[list[str], dict[str, Any]]:
    """The extensions and their configs MkDocs gives Python-Markdown, read as MkDocs reads them."""
    with open(mkdocs_yml, encoding="utf-8") as fp:
        raw = yaml_load(fp)
    option = copy.deepcopy(MkDocsConfig.markdown_extensions)  # adds MkDocs' built-in toc, tables, fenced_code
    return option.validate(raw.get("markdown_extensions", [])), option.configdata  # type: ignore[attr-defined]


def fast_path_allowed(extensions: list[str], configs: dict[str, Any]) -> bool:
    toc = configs.get("toc", {})
    return set(extensions) <= FAST_PATH_EXTENSIONS and set(toc) <= {"slugify", "permalink"} \
        and not toc.get("permalink")


@lru_cache(maxsize=None)
def _converter(mkdocs_yml: Path) -> markdown.Markdown:
    extensions, configs = markdown_options(mkdocs_yml)
    md = markdown.Markdown(extensions=extensions, extension_configs=configs)
    md.treeprocessors.register(_LinkRewriter(md), "relpath", 0)  # where MkDocs rewrites links
    return md


class _LinkRewriter(markdown.treeprocessors.Treeprocessor):
    """MkDocs' link rewriting for a snippet: `<a href>` and `<img src>`, through PageHTML.link."""

    page: PageHTML

    def run(self, root: Any) -> None:
        for element in root.iter():
            key = {"a": "href", "img": "src"}.get(element.tag)
            if key and element.get(key) is not None:
                element.set(key, self.page.link(element.get(key)))


def page_url(src: str) -> str:
    """The URL MkDocs gives a docs file (use_directory_urls): faq/index.md -> faq/."""
    return File(src, None, "", True).url


def relative_url(url: str, page_src: str) -> str:
    """What MkDocs turns a link in the page `page_src` into, when the target exists."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    # Left alone by MkDocs: external, absolute, e-mail, self-anchor and extension-less links.
    if scheme or netloc or not path or url.startswith(("/", "\\")) or AMP_SUBSTITUTE in url \
            or not posixpath.splitext(path)[1]:
        return url
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page_src), unquote(path)).lstrip("/"))
    return urlunsplit(("", "", get_relative_url(page_url(target), page_url(page_src)), query, fragment))


class PageHTML:
    """Writes one page's HTML from template fields; collects its toc, anchors and links."""

    def __init__(self, src: str, mkdocs_yml: Path) -> None:
        self.src = src  # e.g. "faq/index.md"
        self.mkdocs_yml = mkdocs_yml
        self.fast = fast_path_allowed(*markdown_options(mkdocs_yml))
        self.toc: list[dict[str, Any]] = []  # flat, in page order; nested in finish()
        self.anchors: dict[str, None] = {}  # every id on the page (ordered set)
        self.links: dict[str, str] = {}  # link as written -> as rewritten
        # Ids Python-Markdown made up for headings inside fields, and those of them an
        # explicit id later on the page also uses (renamed in finish()).
        self.generated: set[str] = set()
        self.taken_later: list[str] = []

    def _plain(self, *texts: str) -> bool:
        return self.fast and all(is_plain(t) for t in texts)

    def block(self, text: Any) -> Markup:
        """A field that stood alone between blank lines: paragraphs, lists..."""
        source = str(text)
        text = source.rstrip("\n")
        paragraphs = text.split("\n\n")
        fast = [_fast_paragraph(p) if self.fast else None for p in paragraphs]
        if None not in fast:
            return Markup(_paragraphs(fast))  # type: ignore[arg-type]  # no None in it
        if not self.fast or _JOINS.search(text):
            # The field as written: an unclosed raw HTML block keeps its trailing newlines.
            return self.markdown(source)
        # Markdown reads paragraphs apart (nothing joins them here): only those with
        # syntax need it, a run of them at once (the items of a loose list).
        parts = []
        for is_fast, group in groupby(zip(fast, paragraphs), key=lambda pair: pair[0] is not None):
            chunk = list(group)
            parts.append(_paragraphs([html for html, _ in chunk if html is not None]) if is_fast
                         else self.markdown("\n\n".join(p for _, p in chunk)))
        return Markup("\n".join(part for part in parts if part))

    def heading(self, level: int, text: Any, id: str) -> Markup:
        """`## text { #id }`"""
        text = str(text)
        if not self._plain(text):
            return self.markdown(f"{'#' * level} {text} {{ #{id} }}", explicit=id)
        self.toc.append({"level": level, "id": id, "name": strip_tags(text)})
        self._explicit(id)
        return Markup(f'<h{level} id="{escape(id)}">{text}</h{level}>')  # plain: nothing to escape

    def _explicit(self, id: str) -> None:
        if id in self.generated:
            self.taken_later.append(id)
        self.anchors[id] = None

    def items(self, lines: Iterable[Any], ordered: bool = False) -> Markup:
        """`- line` (or `1. line`) for each line: one list."""
        lines = [str(line) for line in lines]
        if not self._plain(*lines):
            return self.markdown("\n".join(f"{n}. {line}" if ordered else f"- {line}"
                                           for n, line in enumerate(lines, 1)))
        if not lines:
            return Markup()
        tag = "ol" if ordered else "ul"
        return Markup(f"<{tag}>\n" + "".join(f"<li>{line}</li>\n" for line in lines) + f"</{tag}>")

    def button(self, text: Any, href: str) -> Markup:
        """`[text](href){ .md-button .md-button--primary }` alone in its paragraph."""
        text = str(text)
        if not self._plain(text):
            return self.markdown(f"[{text}]({href}){{ .md-button .md-button--primary }}")
        return Markup(f'<p><a class="md-button md-button--primary" href="{escape(self.link(href))}">{text}</a></p>')

    def link_paragraph(self, text: Any, href: str) -> Markup:
        """`[text](href)` alone in its paragraph."""
        text = str(text)
        if not self._plain(text):
            return self.markdown(f"[{text}]({href})")
        return Markup(f'<p><a href="{escape(self.link(href))}">{text}</a></p>')

    def markdown(self, source: str, explicit: str | None = None) -> Markup:
        """Python-Markdown, as MkDocs would run it on this page (the slow path).

        Python-Markdown keeps the ids it makes up for headings unique within one
        conversion; the page used to be one conversion, so each field's made-up ids
        are renamed here as it would have (`x` -> `x_1`) when the page already has them.
        """
        md = _converter(self.mkdocs_yml)
        md.treeprocessors["relpath"].page = self
        out = md.reset().convert(str(source))
        tokens = list(_flatten(md.toc_tokens))
        at = 0  # where the previous heading's id was found: the headings are in `out` in toc order
        for token in tokens:
            old = token["id"]
            if old == explicit:
                self._explicit(old)
                continue
            token["id"] = new = unique(old, set(self.anchors))
            self.generated.add(new)
            self.anchors[new] = None
            attribute = f'id="{escape(old)}"'
            found = out.find(attribute, at)
            if found >= 0:
                out = f'{out[:found]}id="{escape(new)}"{out[found + len(attribute):]}'
                at = found + 1
        self.toc.extend(tokens)
        ids = _Ids()  # from the HTML, as MkDocs also takes them from raw HTML in Markdown
        ids.feed(out)
        self.anchors.update(dict.fromkeys(ids.ids))
        return Markup(out)

    def link(self, url: str) -> str:
        """A link target as written in Markdown (`../forms/x/index.md#y`) -> as on the built page."""
        if url not in self.links:
            self.links[url] = relative_url(url, self.src)
        return self.links[url]

    def finish(self, text: str) -> str:
        """The page's file text: what the template wrote, and the marker line for the hook."""
        for id in self.taken_later:  # a made-up id that an explicit one later on the page needs
            new = unique(id, set(self.anchors))
            text = text.replace(f'id="{escape(id)}"', f'id="{escape(new)}"', 1)  # the made-up one comes first
            next(token for token in self.toc if token["id"] == id)["id"] = new
            self.anchors[new] = None
        data = {"toc": nest_toc_tokens(self.toc), "anchors": list(self.anchors),
                "links": list(self.links.items())}
        return f"{text.rstrip()}\n{_MARKER}{json.dumps(data, ensure_ascii=False)} -->"


class _Ids(HTMLParser):
    """The ids a page can be linked to (`#id`): MkDocs' rule, `id` on any tag, `name` on <a>."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [v for k, v in attrs if v is not None and (k == "id" or (k == "name" and tag == "a"))]


def _paragraphs(fast: list[str]) -> str:
    return "\n".join(f"<p>{p}</p>" for p in fast)


# Bold (`**words**`) is the one inline syntax staff text uses often enough to be
# worth a fast path: a paragraph whose only syntax it is. (Python-Markdown took
# ~0.5 s a language for 1,000 such answers; tests/test_prerendered.py checks
# this path against Python-Markdown like the plain one.)
_STRONG = re.compile(r"\*\*([^*\s](?:[^*]*?[^*\s])?)\*\*")


def _fast_paragraph(text: str) -> str | None:
    """A paragraph's HTML without Python-Markdown (None: it needs it)."""
    if is_plain(text, lines=True):
        return text  # plain: no <, > or & to escape
    if "**" in text and is_plain(_STRONG.sub(r"\1", text), lines=True):
        return _STRONG.sub(r"<strong>\1</strong>", text)
    return None


def _flatten(tokens: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    for token in tokens:
        yield {"level": token["level"], "id": token["id"], "name": token["name"]}
        yield from _flatten(token["children"])


# --- the MkDocs side (called from generator/site/mkdocs_hooks.py) -------------------

_stashed: dict[str, str] = {}  # src_uri -> body, from on_page_markdown to on_page_content


def stash(source: str, page: Any) -> str:
    """on_page_markdown: keep a prerendered body away from Python-Markdown."""
    if not page.meta.get(META_KEY):
        return source
    _stashed[page.file.src_uri] = source
    return ""


def restore(content: str, page: Any, config: Any, files: Any) -> str:
    """on_page_content: the stashed HTML, with what Page.render would have set from Markdown."""
    source = _stashed.pop(page.file.src_uri, None)
    if source is None:
        return content
    body, _, marker = source.rstrip().rpartition("\n")
    if not marker.startswith(_MARKER):
        raise PluginError(f"{page.file.src_uri}: prerendered page without its {_MARKER}...--> line")
    data = json.loads(marker[len(_MARKER):-len(" -->")])
    page.toc = get_toc(data["toc"])
    page.present_anchor_ids = set(data["anchors"])  # what other pages' #anchors are checked against
    # MkDocs' own link check: warns on missing files, records #anchors for its anchor check.
    # (A private class, but the same code as for every other page; a test pins it.)
    checker = _RelativePathTreeprocessor(page.file, files, config)
    for written, ours in data["links"]:
        theirs = checker.path_to_url(written)
        if theirs not in (ours, written):  # `written` back: not found, and MkDocs has warned
            raise PluginError(f"{page.file.src_uri}: generator/site/markup.py rewrote the link {written!r} "
                              f"to {ours!r}, MkDocs to {theirs!r}")
    page.links_to_anchors = checker.links_to_anchors
    return body
