"""`python -m generator build`: content -> pages (Markdown, or HTML for the data pages) -> two MkDocs builds -> site/.

Each language is its own single-language MkDocs build (Arabic at the root,
English under en/), run in parallel processes that also render their own
language's pages; that is faster than one i18n
build and keeps the bilingual structure in our code, not in a plugin. The
result is assembled in a staging folder and switched in only when everything
succeeded (`switch.py`: site/ is a symlink renamed over to the new build, one
build at a time), so a failed build leaves the previous site/ as it was and a
visitor never meets a half-built or missing one.
"""
from __future__ import annotations

import concurrent.futures
import datetime as dt
import gc
import logging
import multiprocessing
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import yaml

from generator.core import i18n
from generator.core.problems import N_, ContentError, Problem, Problems

from . import build_state, fonts, incremental, search_index, switch, theme_listing
from .check import Project, load_project
from .pages import render_site
from .privacy_dates import write_dates
from .translations import write_lock


@dataclass
class BuildReport:
    site_dir: Path
    seconds: float
    pages: int
    warnings: list[Problem] = field(default_factory=list)
    #: The build folder site_dir linked to before (None: none, or a plain folder).
    previous: Path | None = None
    #: The build folder site_dir links to now.
    current: Path | None = None
    #: Pages rendered through the theme, and pages copied unchanged from the build before
    #: (an incremental build: generator/site/incremental.py), both languages.
    rendered: int = 0
    reused: int = 0


class BuildError(ContentError):
    pass


def build_site(root: Path, *, site_dir: Path | None = None, strict: bool = False,
               record_translations: bool | None = None, date: dt.date | None = None,
               wait: bool = True, incremental: bool = False) -> BuildReport:
    """Build the site; `date` is the one it carries (the sitemaps), by default today's in UTC.

    The translation lock is written only by a build into the project's own site/ (or with
    `record_translations=True`): a preview elsewhere never changes it. `wait=False` raises
    `switch.Busy` at once when another build is switching the same folder. `incremental`: pages
    unchanged since the folder's current build are copied from it (incremental.py)."""
    started = time.perf_counter()
    date = date or dt.datetime.now(dt.timezone.utc).date()
    root = root.resolve()
    if record_translations is None:
        record_translations = site_dir is None
    site_dir = Path(os.path.abspath(site_dir or root / "site"))  # not resolved: it is a link
    with switch.switch_lock(site_dir, wait=wait):
        return build_under_lock(root, site_dir, strict=strict, record_translations=record_translations,
                                date=date, started=started, incremental=incremental)


# One build at a time in a process: the build hands its workers the project through module
# globals (build_state.CURRENT, _PROJECT), so a preview and a publish started by two threads
# of the workspace take turns here (the lock file orders builds across processes).
_BUILDING = threading.Lock()


def build_under_lock(root: Path, site_dir: Path, *, strict: bool = False, record_translations: bool = False,
                     date: dt.date, started: float | None = None, incremental: bool = False) -> BuildReport:
    """`build_site` for a caller already holding `switch.switch_lock(site_dir)` (publish keeps it
    while its command runs)."""
    with _BUILDING:
        return _build(root, site_dir, strict=strict, record_translations=record_translations, date=date,
                      started=time.perf_counter() if started is None else started, reuse=incremental)


def _build(root: Path, site_dir: Path, *, strict: bool, record_translations: bool, date: dt.date,
           started: float, reuse: bool) -> BuildReport:
    # Loading makes millions of objects and none is garbage: the cyclic collector would
    # only scan them again and again (~0.15 s of a 1 s load at 1,000 items a language).
    collecting = gc.isenabled()
    gc.disable()
    try:
        project = load_project(root)
    finally:
        if collecting:
            gc.enable()
    problems = project.problems
    _check_npm_files(root, problems)
    blocking = problems.items if strict else problems.errors
    if blocking:
        raise ContentError(problems.sorted())

    staging = site_dir.parent / f".{site_dir.name}.staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    previous = switch.current_build(site_dir)
    prefixes = {lang.code: lang.prefix for lang in i18n.LANGUAGES}
    plans = incremental.load_plans(root, site_dir, previous, prefixes) if reuse else {}
    try:
        build_state.CURRENT = build_state.BuildState(settings=project.settings, forms=project.forms, root=root,
                                                     cache_dir=root / ".build", synonyms=project.synonyms,
                                                     date=date, plans=plans)
        fonts.subset_fonts(root)  # on a first build, here once rather than in both language workers
        outputs = _build_languages(root, project, staging)
        out = outputs[0][0]
        for lang, (folder, _) in zip(i18n.LANGUAGES[1:], outputs[1:]):
            folder.rename(out / lang.prefix.rstrip("/"))
        current = switch.switch_in(out, site_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    outcomes = {lang.code: outcome for lang, (_, outcome) in zip(i18n.LANGUAGES, outputs)}
    incremental.record(root, site_dir, current, outcomes)
    if record_translations:
        write_lock(root, project.translation_hashes)
        write_dates(root, project.privacy_dates)
    pages = sum(1 for _ in site_dir.rglob("index.html"))
    return BuildReport(site_dir, time.perf_counter() - started, pages, problems.warnings, previous, current,
                       rendered=sum(o.rendered for o in outcomes.values()),
                       reused=sum(o.reused for o in outcomes.values()))


def _check_npm_files(root: Path, problems: Problems) -> None:
    missing = fonts.missing_fonts(root)
    if missing:
        problems.error("package.json", 1, "missing-font",
                       N_("The self-hosted font %(font)s is missing from %(package)s. "
                          "Run `make setup` (it runs `npm ci`) and build again."),
                       font=missing[0], package=fonts.FONT_PACKAGE)
    for source in search_index.missing_scripts(root):
        problems.error("package.json", 1, "missing-script",
                       N_("The search library %(library)s is missing. "
                          "Run `make setup` (it runs `npm ci`) and build again."), library=source)


def _prepare_language(root: Path, project: Project, lang: i18n.Language, staging: Path) -> Path:
    """Write one language's Markdown files and MkDocs config; return the config path."""
    docs = staging / f"docs-{lang.code}"
    rendered = render_site(root, project.content, project.forms, project.settings, lang.code)
    for rel, text in rendered.files.items():
        path = docs / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    fonts.install_fonts(root, docs / "assets" / "fonts")
    search_index.install_scripts(root, docs / "assets" / "javascripts" / "vendor")
    settings = project.settings
    config = {
        "INHERIT": str(root / "mkdocs.yml"),
        "site_name": settings.org("short_name", lang.code) or settings.org("name", lang.code),
        "site_description": settings.org("name", lang.code),
        "site_url": settings.site_url + lang.prefix,
        "docs_dir": str(docs),
        "site_dir": str(staging / f"out-{lang.code}"),
        "theme": {"name": "material", "language": lang.code, "custom_dir": str(root / "templates" / "overrides")},
        "hooks": [str(Path(__file__).with_name("mkdocs_hooks.py"))],
        "plugins": [],  # no Material search: our search page has its own index (generator/site/search_index.py)
        "nav": rendered.nav,
        "extra": {
            "alternate": True,  # not a list: Material then shows our switcher but adds no relative hreflang links
            "qalb": {
                "lang": lang.code,
                "org_name": settings.org("name", lang.code),
                "languages": [_alternate(settings.site_url, lang, other) for other in i18n.LANGUAGES],
            },
        },
    }
    path = staging / f"mkdocs.{lang.code}.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _alternate(site_url: str, current: i18n.Language, other: i18n.Language) -> dict[str, str]:
    up = "../" * current.prefix.count("/")
    return {
        "code": other.code, "name": other.name, "dir": other.direction,
        "absolute_root": site_url + other.prefix,
        "relative_root": up + other.prefix,
        "not_found_link": i18n.gettext(other.code, "Go to the home page"),
    }


# The project being built, for the forked per-language workers (fork shares it;
# pickling thousands of items to each worker would cost more than the work).
_PROJECT: Project | None = None


def _build_languages(root: Path, project: Project, staging: Path) -> list[tuple[Path, incremental.Outcome]]:
    """Each language in its own process, from its Markdown to its MkDocs site, in parallel;
    returns each language's output folder and what its build rendered and copied."""
    global _PROJECT
    _PROJECT = project
    # fork: the children inherit the project and build_state.CURRENT, which the hooks read.
    # Frozen objects are skipped by the children's garbage collector, which would otherwise
    # write to every inherited object and so copy all of the shared memory into each child.
    context = multiprocessing.get_context("fork")
    _warm_up(root)
    gc.freeze()
    try:
        with concurrent.futures.ProcessPoolExecutor(max_workers=len(i18n.LANGUAGES), mp_context=context) as pool:
            running = [pool.submit(_build_language, str(root), lang.code, str(staging)) for lang in i18n.LANGUAGES]
            results = [future.result() for future in running]
    finally:
        _PROJECT = None
        gc.unfreeze()
    failures = [failure for _, failure, _ in results if failure]
    if failures:
        raise BuildError([Problem("mkdocs.yml", 1, "mkdocs", failure) for failure in failures])
    return [(Path(out), outcome) for out, _, outcome in results]


_Result = tuple[str, str | None, incremental.Outcome]


def _warm_up(root: Path) -> None:
    """What every language worker would otherwise do again on each build of a long-lived process
    (the workspace's preview and publish): import MkDocs, Material and the Markdown extensions, and
    compile our page and form templates. Done here, before the fork, the workers inherit it; Jinja
    still compiles a template again when its file changes."""
    from mkdocs.commands import build  # noqa: F401
    from mkdocs.config import load_config

    from generator.forms import render
    from generator.site.pages import template_environment

    incremental.code_digest()  # what the incremental build's digests start from: read once
    if root not in _WARM:
        # Imports the theme and every Markdown extension mkdocs.yml names (any folder will do as docs_dir).
        config = load_config(str(root / "mkdocs.yml"), docs_dir=str(root / "content"))
        theme_listing.remember([str(folder) for folder in config.theme.dirs if folder != config.theme.custom_dir])
        _WARM.add(root)
    for lang in i18n.LANGUAGES:
        pages = template_environment(root / "templates", lang.code)
        forms = render.environment(lang.code)  # its folder holds the workspace's templates too: not those
        for env, names in ((pages, pages.list_templates()),
                           (forms, forms.list_templates(filter_func=_form_part))):
            for name in names:
                try:
                    env.get_template(name)
                except jinja2.TemplateError:
                    pass  # the worker meets it again and reports it with the page it was for


def _form_part(name: str) -> bool:
    return name.startswith(("forms/", "components/")) and name.endswith(".html")


_WARM: set[Path] = set()


def _build_language(root: str, lang_code: str, staging: str) -> _Result:
    """Run in a child process: one language's pages, then its MkDocs build."""
    if _PROJECT is None:
        return ("", f"{lang_code} pages: not started by _build_languages (it hands the workers the project)",
                incremental.Outcome())
    try:
        config = _prepare_language(Path(root), _PROJECT, i18n.language(lang_code), Path(staging))
    except Exception as exc:  # a template or file error: reported like MkDocs' own, not as a traceback
        return "", f"{lang_code} pages: {exc.__class__.__name__}: {exc}", incremental.Outcome()
    return _mkdocs_build(str(config))


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _mkdocs_build(config_path: str) -> _Result:
    """Run in a child process; returns (output folder, None on success or what went wrong, what the
    build rendered and copied)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    collect = _Collect()
    logging.getLogger("mkdocs").addHandler(collect)
    try:
        config = load_config(config_path)
        build(config)
    except (MkDocsException, OSError) as exc:
        return "", "; ".join([*collect.messages, str(exc)]), incremental.Outcome()
    outcome = build_state.CURRENT.outcome or incremental.Outcome()
    return config["site_dir"], "; ".join(collect.messages) or None, outcome
