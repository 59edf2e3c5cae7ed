"""Material's markup that is not valid HTML and sits outside any template block.

Material's base.html writes its two toggle boxes (the navigation drawer and the
search) as `<input type="checkbox" ... autocomplete="off">`; `autocomplete` is
not allowed on a checkbox (the Nu HTML checker's error on every page). They are
not inside a block a theme override can replace, so the finished page is
mended here. A Material upgrade that writes them differently fails the build
with a message, instead of silently leaving them invalid.
"""
from __future__ import annotations

import re

from mkdocs.exceptions import PluginError

_TOGGLE = re.compile(r'(<input class="md-toggle" data-md-toggle="(?:drawer|search)" type="checkbox" '
                     r'id="__(?:drawer|search)") autocomplete="off">')


def mend_toggles(html: str, where: str) -> str:
    """`html` with `autocomplete` taken off Material's drawer and search boxes."""
    html, count = _TOGGLE.subn(r"\1>", html)
    if count != 2:
        raise PluginError(f"{where}: expected Material's two toggle boxes (__drawer, __search) with "
                          f"autocomplete=\"off\", found {count}; update generator/site/theme_fixes.py for this "
                          "Material version")
    return html
