"""Issue 24: every built page, both languages, is valid HTML (the Nu HTML checker reports no error).

Material's own markup included: its toggle boxes and navigation labels
(generator/site/theme_fixes.py, templates/overrides/partials/). Pages the endpoint
writes (a form with its errors) are checked in tests/browser/test_forms_e2e.py.
"""
from __future__ import annotations

from pathlib import Path

from tests.support.vnu import vnu_errors


def test_every_built_page_is_valid_html(built_site: Path):
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) >= 30, f"expected every page of both languages, found {len(pages)}"
    names = {page: page.relative_to(built_site).as_posix() for page in pages}
    errors = vnu_errors(pages, names=names)
    assert not errors, f"vnu found {len(errors)} error(s):\n" + "\n".join(errors)
