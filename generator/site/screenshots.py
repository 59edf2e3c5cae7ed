"""`python -m generator screenshots`: every page, both languages, phone and desktop.

For people to review: PNGs named <language>-<page>-<width>.png in one folder.
"""
from __future__ import annotations

from pathlib import Path

from generator.core.languages import DEFAULT_LANGUAGE, LANGUAGES, language_of_path

from .browser import launch_chromium, serve_static

VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 800)}


def page_paths(site_dir: Path) -> list[str]:
    """Every page of the Arabic site (index.html files), as URL paths."""
    paths = []
    for index in sorted(site_dir.rglob("index.html")):
        rel = index.parent.relative_to(site_dir).as_posix()
        if language_of_path("/" + rel + "/") is not DEFAULT_LANGUAGE:
            continue
        paths.append("" if rel == "." else rel + "/")
    return paths


def take_screenshots(site_dir: Path, out_dir: Path, *, only: list[str] | None = None,
                     full_page: bool = True) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    paths = only if only is not None else page_paths(site_dir)
    with serve_static(site_dir) as base, launch_chromium() as browser:
        for name, (width, height) in VIEWPORTS.items():
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            for prefix, lang in ((language.prefix, language.code) for language in LANGUAGES):
                for path in paths:
                    page.goto(base + prefix + path, wait_until="networkidle")
                    slug = path.strip("/").replace("/", "-") or "home"
                    target = out_dir / f"{lang}-{slug}-{name}.png"
                    page.screenshot(path=str(target), full_page=full_page)
                    written.append(target)
            context.close()
    return written
