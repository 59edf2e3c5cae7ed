"""Shared fixtures: the real project, copied or built into temporary folders."""
from __future__ import annotations

import collections
import fcntl
import os
import shutil
from pathlib import Path

import pytest

from generator import PROJECT_ROOT

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

# The database fixtures (a real PostgreSQL server, a store per backend, live servers) serve
# tests/submissions, tests/endpoint and the browser tests alike.
pytest_plugins = ["tests.support.fixtures", "tests.support.clamd"]

# Tests driving chromium (these fixtures) or a benchmark take seconds to a minute each, most
# others milliseconds. `make test` hands whole files to its workers in collection order
# (pytest-xdist `--dist loadfile --no-loadscope-reorder`): the heaviest files go first, so a run
# ends on many short files spread over the workers, not on one worker alone with a long one.
BROWSER_FIXTURES = frozenset({"browser", "tabs", "tab", "no_js_tab"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    heavy: collections.Counter[Path] = collections.Counter()
    tests: collections.Counter[Path] = collections.Counter()
    for item in items:
        tests[item.path] += 1
        if BROWSER_FIXTURES.intersection(getattr(item, "fixturenames", ())) or item.path.name.startswith("test_bench_"):
            heavy[item.path] += 1
    # Stable: each file's tests stay together and in their order.
    items.sort(key=lambda item: (-heavy[item.path], -tests[item.path]))


# What a project folder holds (node_modules is linked, not copied: it is large).
PROJECT_PARTS = ("content", "forms", "templates", "mkdocs.yml", "babel.cfg")


def copy_project(target: Path) -> Path:
    """A private, editable copy of the real project for tests that change files."""
    target.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_PARTS:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        elif source.exists():
            shutil.copy2(source, target / name)
    (target / "node_modules").symlink_to(PROJECT_ROOT / "node_modules")
    # The font subsets are cached by content under .build/fonts, "made once per machine" (each
    # written whole, then renamed): a copy shares the checkout's, as a project on a machine that
    # built once would, instead of subsetting the twelve fonts again (~2 s of CPU a copy).
    fonts = PROJECT_ROOT / ".build" / "fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    (target / ".build").mkdir()
    (target / ".build" / "fonts").symlink_to(fonts)
    return target


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real content, built once per test run into a temporary folder; tests only read it.

    pytest-xdist's workers share one build (the first to ask builds it, under a lock, in the
    folder above their own temporary folders): a build is several seconds of CPU, and with
    three workers on two cores CPU is what the suite waits for."""
    from generator.site.build import build_site

    own = tmp_path_factory.getbasetemp()
    shared = own.parent if os.environ.get("PYTEST_XDIST_WORKER") else own
    site_dir = shared / "built" / "site"
    with open(shared / "built.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not site_dir.exists():  # a build appears whole (staged, then switched in) or not at all
            build_site(PROJECT_ROOT, site_dir=site_dir, record_translations=False)
    return site_dir


@pytest.fixture(scope="session")
def require_browser() -> None:
    """Skip a test that needs chromium + Playwright when they are missing, except in CI
    (.ci/run sets QALB_REQUIRE_BROWSER), where a missing browser fails the run."""
    from generator.site.browser import chromium_path

    missing = None
    if not chromium_path():
        missing = "chromium is not installed (apt-get install chromium; `make setup-test` does it)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "the playwright Python package is not installed (pip install -r requirements.txt)"
    if missing:
        if os.environ.get("QALB_REQUIRE_BROWSER"):
            pytest.fail(f"QALB_REQUIRE_BROWSER is set but {missing}", pytrace=False)
        pytest.skip(missing)


@pytest.fixture
def project_copy(tmp_path) -> Path:
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def project_copy_factory():
    """copy_project for fixtures wider than one test (they give the folder)."""
    return copy_project
