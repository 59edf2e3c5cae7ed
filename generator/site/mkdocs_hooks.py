"""MkDocs hooks (registered by the per-language config that build.py writes).

They give Material's templates our gettext catalog, put `dir` on <html>
(Material only sets it on <body>), hand MkDocs the pages our templates wrote
as HTML (generator/site/markup.py), put the rendered forms into form pages,
collect each page's text for the search index (generator/site/search_index.py),
and date the pages with the build's date (the sitemaps show it).
"""
from __future__ import annotations

# MkDocs loads this file by path, not as part of the package: imports are absolute.
import re
from pathlib import Path

import jinja2
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError

from generator.core import i18n
from generator.site import markup
from generator.site.build_state import CURRENT
from generator.site.later_bundle import defer_bundle, patch_bundle
from generator.site.memory import release_freed_memory
from generator.site.search_index import SearchIndex
from generator.site.theme_fixes import mend_toggles

BIG_PAGE_CHARS = 500_000

_HTML_TAG = re.compile(r'<html lang="([a-z-]+)"')
_FORM_MARKER = re.compile(r"<!-- qalb:form ([a-z0-9-]+) -->")
_SEARCH_PAGE = "search/"


def on_env(env, config, files):
    lang = config.theme["language"]
    if CURRENT.cache_dir is not None:
        # Compiling Material's templates is ~0.2 s of every build; Jinja checks each
        # cached one against its source, so an edited or upgraded template is recompiled.
        env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(_cache(CURRENT.cache_dir / "jinja")))
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_translations(i18n.translations(lang), newstyle=True)
    return env


def on_pre_page(page, config, files):
    # The sitemaps' <lastmod>, and the time in sitemap.xml.gz's header, are the pages'
    # update dates: the build's date (SOURCE_DATE_EPOCH's when it is set), not MkDocs' own.
    if CURRENT.date is not None:
        page.update_date = CURRENT.date.isoformat()
    return page


def on_page_markdown(markdown, page, config, files):
    # Services, FAQ and charter are HTML already (generator/site/markup.py): keep it from Python-Markdown.
    return markup.stash(markdown, page)


def on_page_content(html, page, config, files):
    html = markup.restore(html, page, config, files)  # the HTML on_page_markdown kept aside, if any
    # The page's Markdown tree (or prerendered source) is garbage now; at 1,000 items a page it is ~100 MB.
    # Only worth handing back after a big page: a full collection costs ~20 ms,
    # which on the real site's 15 small pages a language was a third of the build.
    if len(html) > BIG_PAGE_CHARS:
        release_freed_memory()
    lang = config.theme["language"]

    def form_html(match: re.Match[str]) -> str:
        from generator.forms import render_form

        form = CURRENT.forms[match.group(1)]
        return render_form(form, lang, action=f"{CURRENT.settings.endpoint_url}{form.id}",
                           digits=CURRENT.settings.arabic_digits)

    return _FORM_MARKER.sub(form_html, html)


def _cache(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _set_direction(output: str, config: MkDocsConfig) -> str:
    direction = i18n.language(config.theme["language"]).direction
    return _HTML_TAG.sub(lambda m: f'<html lang="{m.group(1)}" dir="{direction}"', output, count=1)


def on_pre_build(config):
    global _SEARCH_INDEX
    _SEARCH_INDEX = SearchIndex(Path(config["site_dir"]), CURRENT.synonyms.get(config.theme["language"], []))


def on_post_page(output, page, config):
    if page.url == _SEARCH_PAGE:
        output = output.replace("</head>", _SEARCH_HEAD, 1)
    else:
        _SEARCH_INDEX.add_page(page.url, page.title or "", output)
    where = page.file.src_uri
    return _set_direction(defer_bundle(mend_toggles(output, where), where), config)


# Only the search page loads the search code and the index: other pages carry
# no search weight at all. Even there, search-later.js loads search.js only
# when a search begins (the page's first view stays under 100 KB).
_SEARCH_HEAD = """<script type="module" src="../assets/javascripts/search-later.js"></script>
</head>"""
_SEARCH_INDEX: SearchIndex  # set for each build by on_pre_build


def on_post_template(output_content, template_name, config):
    if not template_name.endswith(".html"):
        return output_content
    if "data-md-toggle" in output_content:
        output_content = defer_bundle(mend_toggles(output_content, template_name), template_name)
    return _set_direction(output_content, config)


# Material's bundle fetches `sitemap.xml` beside every <link rel="alternate"> to
# let its own language selector stay on the same page. Our switcher links to
# the same page directly, and those fetches go to the configured site_url
# (another host in a preview) and 404 under each page. Remove that one call;
# the test suite checks no page makes such a request, so an upgrade that
# changes the bundle is caught.
_ALTERNATE_FETCHER = re.compile(r'function (\w+)\(\{document\$:\w+\}\)\{let \w+=new Map;'
                                r'\w+\.pipe\(\w+\(\(\)=>\w+\("link\[rel=alternate\]"\)')


def on_post_build(config):
    _SEARCH_INDEX.write()
    for bundle in Path(config["site_dir"], "assets", "javascripts").glob("bundle.*.min.js"):
        code = bundle.read_text(encoding="utf-8")
        found = _ALTERNATE_FETCHER.search(code)
        if found is None:
            raise PluginError(f"{bundle.name}: Material's alternate-sitemap fetcher not found; "
                               "update generator/site/mkdocs_hooks.py for this Material version")
        call = re.compile(re.escape(found.group(1)) + r"\(\{document\$:\w+\}\);")
        code, count = call.subn("", code)
        if count != 1:
            raise PluginError(f"{bundle.name}: expected one call of the alternate-sitemap fetcher, found {count}")
        bundle.write_text(patch_bundle(code, bundle.name), encoding="utf-8")
