"""generator/site/incremental.py: an incremental build is byte for byte a full build of the same content.

One project copy goes through a series of edits (one FAQ answer, a prose page, a form's texts, a
settings value, a page added, a page of the current build altered on disk); after each, the same
content is built incrementally (from the previous incremental build) and in full, on the same date,
and the two trees must hold the same files with the same bytes: nothing is left out of the
comparison. The counts say the incremental build copied what it could and rendered what changed.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from generator.site.build import build_site

DAY = dt.date(2026, 12, 7)
PAGES = 32  # both languages (tests/site/test_site.py lists them)


def tree(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file()}


def replace(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def faq_answer(root: Path) -> None:
    """One word more at the end of the first line of the first answer (Arabic)."""
    faq = root / "content/faq.yml"
    text = faq.read_text(encoding="utf-8")
    end = text.index("\n", text.index("answer: |\n") + len("answer: |\n"))
    faq.write_text(f"{text[:end]} أيضًا{text[end:]}", encoding="utf-8")


def prose_page(root: Path) -> None:
    path = root / "content/pages/policy.en.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")


def form_label(root: Path) -> None:
    replace(root, "forms/volunteer.yml", "en: Your full name}", "en: Your full name as written on your ID}")


def settings_value(root: Path) -> None:
    replace(root, "content/settings.yml", 'email: ""', 'email: "office@example.org"')


def page_added(root: Path) -> None:
    text = (root / "forms/contact.yml").read_text(encoding="utf-8")
    (root / "forms/contact-copy.yml").write_text(text.replace("id: contact\n", "id: contact-copy\n", 1),
                                                 encoding="utf-8")


def test_an_incremental_build_is_a_full_build_of_the_same_content(project_copy, tmp_path):
    inc, full = tmp_path / "inc" / "site", tmp_path / "full" / "site"
    first = build_site(project_copy, site_dir=inc, record_translations=False, date=DAY, incremental=True)
    assert (first.rendered, first.reused) == (PAGES, 0)  # nothing to copy from yet

    # Each edit and the pages it renders again (the rest are copied from the build before).
    steps = [
        (faq_answer, 1),     # faq/
        (prose_page, 2),     # en/policy/, and charter/ altered on disk in the current build (below)
        (form_label, 4),     # the volunteer form's page and privacy notice in both languages: a label
                             # makes a new notice version, which both show
        (settings_value, 12),  # the pages that show the e-mail address (contact, forms, privacy notices)
        (page_added, PAGES + 4),  # a new form: its page and notice in both languages; every menu changes
    ]
    for edit, rendered in steps:
        edit(project_copy)
        if edit is prose_page:  # a page of the served build changed by hand (or damaged): never copied
            (inc.resolve() / "charter" / "index.html").write_text("altered", encoding="utf-8")
        report = build_site(project_copy, site_dir=inc, record_translations=False, date=DAY, incremental=True)
        build_site(project_copy, site_dir=full, record_translations=False, date=DAY)
        built, wanted = tree(inc), tree(full)
        assert sorted(built) == sorted(wanted), edit.__name__
        assert [name for name in wanted if built[name] != wanted[name]] == [], edit.__name__
        pages = sum(1 for name in wanted if name.endswith("index.html"))
        assert (report.rendered, report.reused) == (rendered, pages - rendered), edit.__name__
