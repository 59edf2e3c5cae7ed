"""Issue 7: services, FAQ and charter are written as HTML (generator/markup.py), not
parsed back by Python-Markdown; the HTML, toc, anchors and links must be what
Python-Markdown and MkDocs made of the same fields."""
from __future__ import annotations

import logging
import re
import textwrap
from pathlib import Path

import markdown
import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator import PROJECT_ROOT
from generator.site import markup
from tests.support.html_helpers import Document

MKDOCS_YML = PROJECT_ROOT / "mkdocs.yml"


class RelativeLinks(markdown.treeprocessors.Treeprocessor):
    """MkDocs' link rewriting on faq/index.md (the rule itself is checked against MkDocs below)."""

    def run(self, root):
        for element in root.iter():
            key = {"a": "href", "img": "src"}.get(element.tag)
            if key and element.get(key) is not None:
                element.set(key, markup.relative_url(element.get(key), "faq/index.md"))


def python_markdown(source: str) -> str:
    """What MkDocs' Python-Markdown makes of `source` on faq/index.md."""
    extensions, configs = markup.markdown_options(MKDOCS_YML)
    md = markdown.Markdown(extensions=extensions, extension_configs=configs)
    md.treeprocessors.register(RelativeLinks(md), "relpath", 0)
    return md.convert(source)


def page(src: str = "faq/index.md") -> markup.PageHTML:
    return markup.PageHTML(src, MKDOCS_YML)


def test_the_fast_path_is_on_for_our_extensions():
    assert page().fast
    assert not markup.fast_path_allowed(["toc", "pymdownx.magiclink"], {})
    assert not markup.fast_path_allowed(["toc"], {"toc": {"permalink": True}})


@pytest.mark.parametrize("text", [
    "طلب المساعدة",
    "Asking for help",
    "Who decides whether it's accepted? (Usually: the committee.)",
    "رقم 2024 خلال أسبوعين، وليس قبل ذلك؟",
    'The "research" committee - 3 weeks',
])
def test_plain_text_takes_the_fast_path_and_gives_what_markdown_gives(text):
    assert markup.is_plain(text)
    html = page()
    assert html.block(text) == python_markdown(text)
    assert html.heading(2, text, "help") == python_markdown(f"## {text} {{ #help }}")
    assert html.items([text, text], ordered=True) == python_markdown(f"1. {text}\n2. {text}")
    extensions, configs = markup.markdown_options(MKDOCS_YML)
    md = markdown.Markdown(extensions=extensions, extension_configs=configs)
    md.convert(f"## {text} {{ #help }}")
    assert html.toc == [{k: v for k, v in md.toc_tokens[0].items() if k in ("level", "id", "name")}]


@pytest.mark.parametrize("text", [
    "a *b*", "a_b_", "[x](y)", "`x`", "a <b>", "a & b", "a\\b", "!!! note", "# x", "x { #y }", "a | b",
    "- x", "+ x", "1. x", ": x", "??? x", "  x", "x  ", "x\ny", "> x", "~~~", "",
])
def test_markdown_syntax_is_not_plain(text):
    assert not markup.is_plain(text)


# Pieces that make Markdown syntax when put together at random.
PIECES = ["word", "كلمة", " ", "\n", "\n\n", "- ", "1. ", "* ", "*", "**", "_", "`", "[", "]", "(", ")",
          "<b>", "</b>", "<div>", "</div>", "&amp;", "&", "#", "## ", "{ #x }", "{: .c }", ":", ": ", "|",
          "> ", "    ", "!!! note", "??? ", "```", "~~~", "\\", "  \n", "=", "---", "'", '"', "?", "!",
          ".", "2.", "+", "\t", "<!--", "-->", "[r]: u", "https://x.y", "0"]
texts = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(texts)
@example("<div></div>word<div>\n")  # an unclosed raw HTML block keeps its trailing newlines (found by hypothesis)
def test_a_block_field_is_what_markdown_makes_of_it(text):
    assert page().block(text) == python_markdown(text)


# Bold has a fast path of its own (markup._fast_paragraph): paragraphs made of
# words, spaces, punctuation and asterisks, so that most examples exercise it.
BOLD_PIECES = ["word", "كلمة", " ", "**", "*", ".", "،", "?", "\n", "\n\n", "1. ", "- "]
bold_texts = st.lists(st.sampled_from(BOLD_PIECES), max_size=14).map("".join)


@settings(max_examples=600, deadline=None)
@given(bold_texts)
def test_bold_paragraphs_are_what_markdown_makes_of_them(text):
    assert page().block(text) == python_markdown(text)


def test_bold_takes_the_fast_path():
    assert markup._fast_paragraph("a **b c** and **د**، e") == "a <strong>b c</strong> and <strong>د</strong>، e"
    assert markup._fast_paragraph("a ** b** c") is None  # not bold for Markdown either: left to it
    assert markup._fast_paragraph("**b** and *c*") is None


@settings(max_examples=300, deadline=None)
@given(texts, texts)
def test_headings_and_lists_are_what_markdown_makes_of_them(first, second):
    assert page().heading(3, first, "q") == python_markdown(f"### {first} {{ #q }}")
    assert page().items([first, second]) == python_markdown(f"- {first}\n- {second}")


def test_paragraphs_with_markdown_are_converted_alone_and_the_rest_kept():
    text = "Plain one.\n\nWith **bold** and a [form](../forms/help-request/index.md#x).\n\nPlain two.\n"
    html = page()
    assert html.block(text) == (
        "<p>Plain one.</p>\n"
        '<p>With <strong>bold</strong> and a <a href="../forms/help-request/#x">form</a>.</p>\n'
        "<p>Plain two.</p>")
    assert html.links == {"../forms/help-request/index.md#x": "../forms/help-request/#x"}


@pytest.mark.parametrize("written,final", [
    ("../forms/help-request/index.md", "../forms/help-request/"),
    ("../forms/help-request/index.md#x", "../forms/help-request/#x"),
    ("../index.md", "../"),
    ("index.md#a", "./#a"),
    ("../policy/index.md?q=1#a", "../policy/?q=1#a"),
    ("#here", "#here"),
    ("https://example.org/a.md", "https://example.org/a.md"),
    ("mailto:x@example.org", "mailto:x@example.org"),
    ("../policy/", "../policy/"),
])
def test_links_are_rewritten_as_mkdocs_rewrites_them(written, final):
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import File, Files
    from mkdocs.structure.pages import _RelativePathTreeprocessor

    config = MkDocsConfig()
    config.load_dict({"site_name": "x", "use_directory_urls": True})
    config.validate()
    docs = ["index.md", "faq/index.md", "policy/index.md", "forms/help-request/index.md"]
    files = Files([File(p, "/docs", "/site", True) for p in docs])
    assert markup.relative_url(written, "faq/index.md") == final
    assert _RelativePathTreeprocessor(files.get_file_from_path("faq/index.md"), files, config) \
        .path_to_url(written) == final


# --- through MkDocs -------------------------------------------------------------

HOOKS = '''
from generator.site import markup

def on_page_markdown(markdown, page, config, files):
    return markup.stash(markdown, page)

def on_page_content(html, page, config, files):
    return markup.restore(html, page, config, files)
'''


def mkdocs_build(tmp_path: Path, other_page: str) -> tuple[Path, list[str]]:
    """A small MkDocs site: a prerendered FAQ and a Markdown page linking into it."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.utils.yaml import yaml_load

    docs = tmp_path / "docs"
    (docs / "faq").mkdir(parents=True)
    (docs / "other").mkdir()
    html = page()
    body = "\n".join([
        html.heading(2, "طلب المساعدة", "help"),
        html.heading(3, "كيف أطلب المساعدة؟", "how-to-ask-for-help"),
        html.block("املأ [النموذج](../other/index.md#form)، أو اتصل بنا."),
    ])
    (docs / "faq" / "index.md").write_text(
        html.finish(f"---\ntitle: FAQ\n{markup.META_KEY}: true\n---\n{body}"), encoding="utf-8")
    (docs / "other" / "index.md").write_text(other_page, encoding="utf-8")
    (docs / "index.md").write_text("# Home\n", encoding="utf-8")
    (tmp_path / "hooks.py").write_text(HOOKS, encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump({
        "site_name": "t", "docs_dir": str(docs), "site_dir": str(tmp_path / "site"),
        "hooks": [str(tmp_path / "hooks.py")], "validation": {"links": {"anchors": "warn"}},
    }), encoding="utf-8")
    with MKDOCS_YML.open(encoding="utf-8") as fp:
        extensions = yaml_load(fp)["markdown_extensions"]  # ours (it holds a Python slugify function)
    warnings: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: warnings.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("mkdocs").addHandler(handler)
    try:
        build(load_config(str(tmp_path / "mkdocs.yml"), markdown_extensions=extensions))
    finally:
        logging.getLogger("mkdocs").removeHandler(handler)
    return tmp_path / "site", warnings


def test_a_prerendered_page_gets_its_toc_anchors_and_link_checks(tmp_path):
    other = textwrap.dedent("""\
        # Other

        ## Form { #form }

        [good](../faq/index.md#how-to-ask-for-help), [bad](../faq/index.md#no-such-id)
        """)
    site, warnings = mkdocs_build(tmp_path, other)
    faq = Document.load(site / "faq" / "index.html")
    assert faq.by_id("how-to-ask-for-help").text.strip() == "كيف أطلب المساعدة؟"
    assert "../other/#form" in [a.get("href") for a in faq.find_all("a")]
    toc_links = [a.get("href") for a in faq.find_all("a") if (a.get("href") or "").startswith("#")]
    assert "#help" in toc_links  # the mkdocs theme's sidebar toc (the built-site test checks the h3s)
    # Another page's anchors into the FAQ are checked against the FAQ's ids: only the bad one warns.
    assert [w for w in warnings if "faq/index.md#" in w] == [(
        "Doc file 'other/index.md' contains a link '../faq/index.md#no-such-id', "
        "but the doc 'faq/index.md' does not contain an anchor '#no-such-id'.")]


def test_links_in_a_prerendered_page_are_still_checked(tmp_path):
    _, warnings = mkdocs_build(tmp_path, "# Other\n")  # no #form on it now
    assert warnings == [("Doc file 'faq/index.md' contains a link '../other/index.md#form', "
                         "but the doc 'other/index.md' does not contain an anchor '#form'.")]


@pytest.mark.parametrize("prefix", ["", "en/"])
def test_the_built_services_page_has_its_toc_and_anchors(built_site, prefix):
    doc = Document.load(built_site / prefix / "services/index.html")
    services = yaml.safe_load((PROJECT_ROOT / "content" / "services.yml").read_text(encoding="utf-8"))
    toc = [a.get("href") for a in doc.find_all("a", class_="md-nav__link")]
    for service in services:
        assert f"#{service['slug']}" in toc and f"#{service['slug']}-steps" in toc
        assert doc.by_id(f"{service['slug']}-timeline") is not None
    assert "qalb:prerendered" not in doc.html


# --- whole pages: the HTML templates against the Markdown ones they replaced ----------
# bench/hugo/pages/ keeps the Markdown templates (Hugo still parses them); a page
# written by PageHTML must be what Python-Markdown made of the whole Markdown page,
# including ids it made up for headings inside fields (unique across the page).

def _old_and_new_pages(root: Path):
    import importlib.util
    import re
    import sys

    from generator.site.check import load_project
    from generator.site.pages import render_site

    bench = PROJECT_ROOT / "bench"
    sys.path.insert(0, str(bench))
    try:
        spec = importlib.util.spec_from_file_location("bench_build", bench / "build.py")
        bench_build = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(bench_build)
    finally:
        sys.path.remove(str(bench))
    project = load_project(root)
    body = lambda text: text.split("\n---\n", 1)[1]  # noqa: E731 (after the front matter)
    tidy = lambda html: re.sub(r">\s+<", "><", html).strip()  # noqa: E731
    for lang in ("ar", "en"):
        new = render_site(root, project.content, project.forms, project.settings, lang).files
        for path, markdown_text in bench_build._markdown_pages(project.content, project.forms, lang, project.settings).items():
            extensions, configs = markup.markdown_options(MKDOCS_YML)
            md = markdown.Markdown(extensions=extensions, extension_configs=configs)

            class Links(markdown.treeprocessors.Treeprocessor):
                def run(self, root, path=path):
                    for element in root.iter():
                        if element.tag == "a" and element.get("href") is not None:
                            element.set("href", markup.relative_url(element.get("href"), path))

            md.treeprocessors.register(Links(md), "relpath", 0)
            old_html = md.convert(body(markdown_text))
            new_html = body(new[path]).rsplit("\n", 1)[0]  # without the marker line
            yield lang, path, tidy(old_html), tidy(new_html)


def test_whole_pages_are_what_markdown_made_of_the_markdown_templates():
    for lang, path, old, new in _old_and_new_pages(PROJECT_ROOT):
        assert new == old, (lang, path)


def test_headings_inside_fields_get_ids_unique_across_the_page(project_copy):
    faq = project_copy / "content/faq.yml"
    text = faq.read_text(encoding="utf-8")
    end_of_first = "The full steps are in the [service guide](../services/index.md).\n"
    headings = ("\n        #### Documents\n\n        Bring your ID.\n\n        ### Help\n\n        More help.\n"
                "\n        ### Contact\n\n        Write to us.\n")
    assert end_of_first in text
    text = text.replace(end_of_first, end_of_first + headings, 1)
    # A second answer with the same heading.
    marker = text.index("  - anchor: what-to-prepare")
    answer_at = text.index("    en:\n", marker)
    answer_at = text.index("answer: |\n", answer_at) + len("answer: |\n")
    text = text[:answer_at] + "        #### Documents\n\n        Your papers.\n\n" + text[answer_at:]
    faq.write_text(text, encoding="utf-8")
    found = {(lang, path): (old, new) for lang, path, old, new in _old_and_new_pages(project_copy)}
    old, new = found[("en", "faq/index.md")]
    assert 'id="documents_1"' in old and 'id="help_1"' in old and 'id="contact_1"' in old
    assert new == old
    ids = re.findall(r' id="([^"]+)"', new)
    assert len(ids) == len(set(ids))
