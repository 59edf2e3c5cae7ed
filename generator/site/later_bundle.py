"""Material's JavaScript bundle, loaded when a person first does something.

The bundle (~35 KB gzip, a quarter of a first view) only adds what a visitor
uses after the page is shown: the "back to top" button, the table of contents
following the scroll, the page title in the header, tooltips, closing the
drawer with Escape. Nothing on the first screen needs it: the drawer opens
without it (a label and CSS), menu.js makes the menu a button, links are links.
So each page names the bundle in an empty `<script data-qalb-later=...>` and
assets/javascripts/later.js loads it at the first pointer, key, touch, wheel
or scroll.

Loaded after the document has been parsed, the bundle would wait for a
DOMContentLoaded event that has already happened; `patch_bundle` makes it
start at once in that case. Both edits fail the build with a message when a
Material upgrade writes things differently.
"""
from __future__ import annotations

import re

from mkdocs.exceptions import PluginError

_BUNDLE_TAG = re.compile(r'<script src="([^"]*assets/javascripts/bundle\.[0-9a-f]+\.min\.js)"></script>')
_LATER = '<script data-qalb-later="{0}"></script>\n      <script src="{1}" defer></script>'
# Material's document$: a ReplaySubject fed by DOMContentLoaded.
_DOCUMENT = re.compile(r'function (\w+)\(\)\{let (\w+)=new (\w+)\(1\);return (\w+)\(document,"DOMContentLoaded",'
                       r'\{once:!0\}\)\.subscribe\(\(\)=>\2\.next\(document\)\),\2\}')


def defer_bundle(html: str, where: str) -> str:
    """`html` with Material's bundle named for later.js instead of loaded."""
    found = _BUNDLE_TAG.search(html)
    if found is None:
        raise PluginError(f"{where}: Material's <script src=.../bundle.*.min.js> not found; "
                          "update generator/later_bundle.py for this Material version")
    bundle = found.group(1)
    loader = bundle[: bundle.index("assets/javascripts/")] + "assets/javascripts/later.js"
    return html[: found.start()] + _LATER.format(bundle, loader) + html[found.end():]


def patch_bundle(code: str, name: str) -> str:
    """The bundle's code, starting at once when it is loaded after the document was parsed."""
    code, count = _DOCUMENT.subn(
        lambda m: (f"function {m[1]}(){{let {m[2]}=new {m[3]}(1);return document.readyState!==\"loading\"?"
                   f"{m[2]}.next(document):{m[4]}(document,\"DOMContentLoaded\",{{once:!0}})"
                   f".subscribe(()=>{m[2]}.next(document)),{m[2]}}}"), code)
    if count != 1:
        raise PluginError(f"{name}: expected Material's DOMContentLoaded subject once, found {count}; "
                          "update generator/later_bundle.py for this Material version")
    return code
