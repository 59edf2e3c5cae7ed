"""An incremental build: pages whose inputs are unchanged are copied from the site being replaced.

MkDocs reads every page (its Markdown to HTML, our hooks' forms put in), so
every page's title, meta and table of contents are the same as in a full build;
then, instead of rendering a page through the theme's templates, a page whose
*everything that goes into its template* is unchanged since the current build
is copied from that build's folder. What goes in:

- the page itself: its URL, title, meta, table of contents and body (after our
  hooks: a form's texts are in the body, so a changed form changes its pages);
- the whole site's side of every page: this language's MkDocs config as written
  by build.py (navigation, names, URLs), the project's mkdocs.yml and
  templates/, every page's URL, title and meta (menus and neighbours link them),
  the date the site carries, and this code and its libraries (generator/'s
  sources and catalogs, the versions of MkDocs, Material, Markdown, Jinja).

Any difference in the second list renders every page (a settings value, a page
added, removed or renamed, a template edited, the next day). The digests of the
current build's pages are kept in `.build/incremental/` with the name of the
build folder they describe, and a copied page must still hash to what that
build wrote, so a missing or altered file is rendered again. Sitemaps, 404
pages, static files and the search index (fed the copied pages) are made
anew by every build, as before.

The theme render is swapped in MkDocs' `build` module for the build's duration
(in the per-language worker process): MkDocs has no hook that skips a page.
tests/site/test_incremental.py compares incremental builds with full ones byte
for byte, so a MkDocs upgrade that changes this is caught.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterator

from generator import PROJECT_ROOT

MANIFEST_DIR = "incremental"
_LIBRARIES = ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "jinja2")


@dataclass
class Plan:
    """What one language's worker may reuse: the current build's folder for this language and
    its pages' digests (empty: render every page)."""

    previous: Path | None = None
    pages: dict[str, list[str]] = field(default_factory=dict)  # src_uri -> [digest, sha256 of the output]


@dataclass
class Outcome:
    """What one language's worker did: its pages' digests (for the next build) and counts."""

    pages: dict[str, list[str]] = field(default_factory=dict)
    rendered: int = 0
    reused: int = 0


def manifest_path(root: Path, site_dir: Path) -> Path:
    key = hashlib.sha256(os.fsencode(os.path.abspath(site_dir))).hexdigest()[:16]
    return root / ".build" / MANIFEST_DIR / f"{site_dir.name}-{key}.json"


def load_plans(root: Path, site_dir: Path, previous: Path | None,
               prefixes: dict[str, str]) -> dict[str, Plan]:
    """Each language's plan: reuse from `previous` only when the kept digests describe that folder."""
    plans = {lang: Plan() for lang in prefixes}
    if previous is None or not previous.is_dir():
        return plans
    try:
        kept = json.loads(manifest_path(root, site_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return plans
    if not isinstance(kept, dict) or kept.get("build") != previous.name:
        return plans
    for lang, prefix in prefixes.items():
        pages = kept.get("languages", {}).get(lang)
        if isinstance(pages, dict):
            plans[lang] = Plan(previous / prefix, pages)
    return plans


def record(root: Path, site_dir: Path, build: Path, outcomes: dict[str, Outcome]) -> None:
    """Keep the digests of `build` (now current) for the next build of `site_dir`."""
    path = manifest_path(root, site_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.partial")
    partial.write_text(json.dumps({"build": build.name,
                                   "languages": {lang: out.pages for lang, out in outcomes.items()}}),
                       encoding="utf-8")
    partial.replace(path)


@lru_cache(maxsize=None)
def code_digest() -> str:
    """This code and its libraries, as this process runs them."""
    digest = hashlib.sha256()
    for path in sorted((PROJECT_ROOT / "generator").rglob("*")):
        if path.suffix in (".py", ".po") and path.is_file():
            digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    for name in _LIBRARIES:
        digest.update(f"{name}={metadata.version(name)}\0".encode())
    return digest.hexdigest()


def _tree(folder: Path) -> Iterator[bytes]:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            yield path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes()


def site_digest(root: Path, config_text: str, date: str, pages: list[Any]) -> str:
    """Everything every page's template reads besides the page itself (see the module's docstring)."""
    digest = hashlib.sha256(code_digest().encode())
    digest.update(config_text.encode())
    digest.update((root / "mkdocs.yml").read_bytes())
    for chunk in _tree(root / "templates"):
        digest.update(chunk)
    digest.update(date.encode())
    digest.update(json.dumps([[p.file.src_uri, p.url, p.title, p.meta] for p in pages],
                             ensure_ascii=False, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def page_digest(site: str, page: Any) -> str:
    toc = json.dumps(_toc(page.toc), ensure_ascii=False)
    meta = json.dumps(page.meta, ensure_ascii=False, sort_keys=True, default=str)
    parts = (site, page.file.src_uri, page.url, page.title or "", meta, toc, page.content or "")
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _toc(items: Any) -> list[Any]:
    return [[item.level, item.id, item.title, _toc(item.children)] for item in items]


class Reuse:
    """Stands in for `mkdocs.commands.build._build_page` while one language builds."""

    def __init__(self, plan: Plan, site_dir: Path, render: Callable[..., None],
                 index_page: Callable[[Any, str], None], site: Callable[[list[Any]], str]) -> None:
        self.plan = plan
        self.site_dir = site_dir      # this language's output folder
        self.render = render          # MkDocs' own _build_page
        self.index_page = index_page  # the search index's share of on_post_page
        self.site = site              # the site digest, from the pages (computed once)
        self.site_key: str | None = None
        self.outcome = Outcome()

    def __call__(self, page: Any, config: Any, doc_files: Any, nav: Any, env: Any,
                 dirty: bool = False, excluded: bool = False) -> None:
        if self.site_key is None:
            self.site_key = self.site([file.page for file in doc_files])
        key = page_digest(self.site_key, page)
        dest = Path(page.file.abs_dest_path)
        copied = self._copy(page.file.src_uri, key, dest) if not excluded else None
        if copied is None:
            self.render(page, config, doc_files, nav, env, dirty, excluded=excluded)
            self.outcome.rendered += 1
            output = dest.read_bytes() if dest.is_file() else b""
        else:
            output = copied
            self.index_page(page, output.decode("utf-8"))
            self.outcome.reused += 1
        self.outcome.pages[page.file.src_uri] = [key, hashlib.sha256(output).hexdigest()]

    def _copy(self, src_uri: str, key: str, dest: Path) -> bytes | None:
        """The previous build's output of this page when its digest is `key` and its file is intact."""
        kept = self.plan.pages.get(src_uri)
        if self.plan.previous is None or not kept or kept[0] != key:
            return None
        rel = dest.relative_to(self.site_dir)
        try:
            data = (self.plan.previous / rel).read_bytes()
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest() != kept[1]:
            return None
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        return data
