"""Issue 3: `python -m generator check` names the file, line and code of every mistake.

Each folder under fixtures/content/ is one mistake: its files replace the real
project's files in a private copy, and the test asserts the exact problem.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.site.check import check_project

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "content"

EXPECTED = {
    # fixture: (path, line, code, severity, words the message must contain)
    "invalid-yaml": ("content/charter.yml", 4, "invalid-yaml", "error", "not valid YAML"),
    "unknown-key": ("content/charter.yml", 5, "unknown-key", "error", 'Did you mean "text"?'),
    "missing-key": ("content/charter.yml", 4, "missing-key", "error", '"title:"'),
    "missing-translation": ("content/charter.yml", 2, "missing-translation", "error", 'no "en:"'),
    "duplicate-slug": ("content/charter.yml", 6, "duplicate-slug", "error", "already used on line 2"),
    "duplicate-key": ("content/charter.yml", 5, "duplicate-key", "error", "first on line 4"),
    "duplicate-anchor": ("content/faq.yml", 10, "duplicate-anchor", "error", "already used on line 6"),
    "unknown-reference": ("content/faq.yml", 6, "unknown-reference", "error", 'Did you mean "help"?'),
    "missing-front-matter": ("content/pages/contact.en.md", 1, "missing-front-matter", "error", "---"),
    "invalid-front-matter": ("content/pages/contact.en.md", 3, "unknown-key", "error",
                             'Did you mean "description"?'),
    "missing-page-translation": ("content/pages/about.ar.md", 1, "missing-translation", "error",
                                 "about.en.md"),
    "encoding": ("content/charter.yml", 4, "encoding", "error", "UTF-8"),
}


def apply_fixture(project: Path, name: str) -> None:
    for source in (FIXTURES / name).rglob("*"):
        if source.is_file():
            target = project / source.relative_to(FIXTURES / name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


def test_the_real_content_has_no_errors(project_copy):
    problems = check_project(project_copy)
    assert [str(p) for p in problems.errors] == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_mistake_is_reported_with_path_line_and_code(project_copy, name):
    apply_fixture(project_copy, name)
    path, line, code, severity, words = EXPECTED[name]
    problems = check_project(project_copy).items
    matching = [p for p in problems if (p.path, p.line, p.code, p.severity) == (path, line, code, severity)]
    assert matching, f"expected {path}:{line}: [{code}], got:\n" + "\n".join(map(str, problems))
    assert words in matching[0].message


def test_broken_links_name_the_line_of_each_language(project_copy):
    apply_fixture(project_copy, "broken-link")
    problems = [p for p in check_project(project_copy).items if p.code == "broken-link"]
    found = {(p.path, p.line) for p in problems}
    assert ("content/faq.yml", 8) in found  # ../servces/index.md: no such page
    assert ("content/faq.yml", 11) in found  # #no-such-service: no such anchor
    assert any("no-such-service" in p.message for p in problems)


def test_unfilled_settings_are_warnings_not_errors(project_copy):
    problems = check_project(project_copy)
    placeholders = [p for p in problems.items if p.code == "placeholder"]
    assert placeholders and all(p.severity == "warning" for p in placeholders)
    assert any(p.path == "content/settings.yml" and "phone" in p.message for p in placeholders)


def test_stale_translation_warns_when_one_language_changes(project_copy):
    from generator.core.problems import Problems
    from generator.site.content import load_content
    from generator.site.translations import update_lock

    update_lock(project_copy, load_content(project_copy, Problems()), accept_all=True)
    charter = project_copy / "content/charter.yml"
    text = charter.read_text(encoding="utf-8")
    charter.write_text(text.replace("A courteous and respectful reception", "A polite and respectful reception", 1), encoding="utf-8")
    stale = [p for p in check_project(project_copy).items if p.code == "stale-translation"]
    assert len(stale) == 1
    assert stale[0].severity == "warning" and stale[0].path == "content/charter.yml"
    assert "English text" in stale[0].message and "Arabic text did not" in stale[0].message
    # Accepting records the change; the warning goes away.
    update_lock(project_copy, load_content(project_copy, Problems()), accept_all=True)
    assert not [p for p in check_project(project_copy).items if p.code == "stale-translation"]


def test_check_command_prints_every_problem_and_exits_non_zero(project_copy):
    apply_fixture(project_copy, "duplicate-slug")
    apply_fixture(project_copy, "unknown-reference")
    result = subprocess.run([sys.executable, "-m", "generator", "--root", str(project_copy), "check"],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "content/charter.yml:6: [duplicate-slug]" in result.stderr
    assert "content/faq.yml:6: [unknown-reference]" in result.stderr
    assert "[placeholder] warning:" in result.stderr


def test_build_refuses_content_with_errors(project_copy, tmp_path):
    apply_fixture(project_copy, "missing-translation")
    result = subprocess.run([sys.executable, "-m", "generator", "--root", str(project_copy), "build",
                             "--site-dir", str(tmp_path / "site")], capture_output=True, text=True)
    assert result.returncode == 1
    assert "content/charter.yml:2: [missing-translation]" in result.stderr
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_big_content_loaded_in_parallel_gives_the_same_items_and_problems(project_copy, monkeypatch, name):
    """Above PARALLEL_BYTES the collection files are parsed in forked processes: same result."""
    from generator.site import content

    apply_fixture(project_copy, name)
    alone = check_project(project_copy)
    monkeypatch.setattr(content, "PARALLEL_BYTES", 0)
    loader = content.ContentLoader(project_copy)
    assert loader.pool is not None  # the parallel path is the one under test
    loader.close()
    assert check_project(project_copy).items == alone.items
    in_parallel = content.load_content(project_copy, content.Problems())
    monkeypatch.setattr(content, "PARALLEL_BYTES", 10**12)
    assert in_parallel == content.load_content(project_copy, content.Problems())
