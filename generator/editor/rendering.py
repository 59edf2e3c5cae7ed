"""The "preview" of one item being edited: its typed text rendered by the site's own Markdown
(`site/markup.py`'s PageHTML, with mkdocs.yml's extensions), nothing saved. Markdown fields
become the HTML the built page would hold; lists become a list; other fields stay text (escaped
by the template). The workspace's CSP (no script, no inline style) holds for what is rendered.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from generator import PROJECT_ROOT
from generator.core.i18n import LANGUAGE_CODES
from generator.site.content import ItemSpec
from generator.site.markup import PageHTML

from .catalogue import Values, fields


def render_item(root: Path, spec: ItemSpec, typed: Values) -> dict[str, list[dict[str, Any]]]:
    """Per language: each non-empty field's name and its HTML."""
    mkdocs_yml = root / "mkdocs.yml" if (root / "mkdocs.yml").is_file() else PROJECT_ROOT / "mkdocs.yml"
    page = PageHTML("preview/index.md", mkdocs_yml)
    rendered: dict[str, list[dict[str, Any]]] = {}
    for lang in LANGUAGE_CODES:
        rendered[lang] = []
        for field in fields(spec):
            text = typed.get(lang, {}).get(field.name, "").replace("\r\n", "\n").strip()
            if not text:
                continue
            if field.markdown:
                html = page.block(text)
            elif field.kind is list:
                html = page.items([line.strip() for line in text.splitlines() if line.strip()])
            else:
                html = Markup("<p>%s</p>") % text  # Markup escapes what it is given
            rendered[lang].append({"field": field.name, "html": html})
    return rendered
