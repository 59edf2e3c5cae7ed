"""The content editor (/staff/content/, generator/editor/) against a real server and a real git
repository made here in tmp (a copy of content/ and forms/): saves checked by the site's
checker, stopped over a change made since the page was opened, committed as the editor,
restored; only editors and admins get in. SQLite only: nothing here depends on the backend."""
from __future__ import annotations

import contextlib
import difflib
import html
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest

from generator import PROJECT_ROOT
from tests.staff.conftest import Staff, csrf
from tests.support.shots import screenshot

pytestmark = pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
ITEM = "/staff/content/faq/questions/how-to-volunteer"
FAQ = "content/faq.yml"
_FIELD = re.compile(r'<textarea id="([a-z]{2}-[a-z]+)" name="\1"[^>]*>(.*?)</textarea>'
                    r'|<input type="text" id="([a-z]{2}-[a-z]+)" name="\3"[^>]*value="([^"]*)"', re.S)
_FIELD_TEXT = re.compile(r'<textarea id="(text-\d+-[a-z]{2})" name="\1"[^>]*>(.*?)</textarea>'
                         r'|<input type="text" id="(text-\d+-[a-z]{2})" name="\3"[^>]*value="([^"]*)"', re.S)
_HIDDEN = re.compile(r'<input type="hidden" name="(opened_file|opened_item)" value="([^"]*)">')


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout


def make_project(root: Path, *, repository: bool = True) -> Path:
    for folder in ("content", "forms"):
        shutil.copytree(PROJECT_ROOT / folder, root / folder)
    if repository:
        git(root, "init", "--quiet")
        git(root, "add", "content", "forms")
        git(root, "-c", "user.name=Setup", "-c", "user.email=setup@example.org", "commit", "--quiet", "-m", "start")
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


@contextlib.contextmanager
def signed_in(ws: Staff, email: str, role: str) -> Iterator[httpx.Client]:
    with ws.client() as client:
        ws.set_up(client, ws.add(email, role))
        yield client


def form_of(page: str) -> dict[str, str]:
    """The edit page's fields as the browser would post them."""
    data = {"csrftoken": csrf(page)}
    for match in _FIELD.finditer(page):
        name, value = (match[1], match[2]) if match[1] else (match[3], match[4])
        data[name] = html.unescape(value)
    data.update(dict(_HIDDEN.findall(page)))
    return data


def commits(root: Path) -> list[str]:
    return git(root, "log", "--format=%H").split()


def test_only_editors_and_admins_get_in_and_editors_see_no_submission_or_report(
        staff: Callable[..., Staff], project: Path) -> None:
    ws = staff(root=project)
    for email, role in (("cw@example.org", "caseworker"), ("viewer@example.org", "viewer")):
        with signed_in(ws, email, role) as client:
            assert client.get("/staff/content/").status_code == 404
            assert client.get(ITEM).status_code == 404
            page = client.get("/staff/")
            assert client.post(ITEM, data={"csrftoken": csrf(page.text), "en-answer": "x"}).status_code == 404
    refused = [e["detail"] for e in ws.audit("staff-refused")]
    assert sum("/staff/content/" in d for d in refused) == 6
    with signed_in(ws, "editor@example.org", "editor") as client:
        home = client.get("/staff/")
        assert 'href="/staff/content/"' in home.text and "/staff/reports/" not in home.text
        for path in ("/staff/reports/", "/staff/forms/contact/", "/staff/search?q=1", "/staff/submissions/ABC-123"):
            assert client.get(path).status_code == 404, path
        assert client.get("/staff/content/").status_code == 200
    assert any(d.endswith("(editor)") for d in (e["detail"] for e in ws.audit("staff-refused")))
    assert commits(project) == commits(project)[-1:]  # nothing was written


def test_an_empty_english_answer_is_shown_beside_the_field_in_arabic_and_nothing_is_written(
        staff: Callable[..., Staff], project: Path) -> None:
    ws = staff(root=project)
    before, head = (project / FAQ).read_bytes(), commits(project)
    with signed_in(ws, "editor@example.org", "editor") as client:
        data = form_of(client.get(ITEM).text)
        data["en-answer"] = "  "
        answer = client.post(ITEM, data=data)
    assert answer.status_code == 422
    page = answer.text
    assert '<html lang="ar" dir="rtl">' in page
    assert "<title>خطأ:" in page
    summary = re.search(r'<div class="problem" id="error-summary".*?</div>', page, re.S)
    assert summary and 'href="#en-answer"' in summary[0] and "لم يحفظ شيء" in summary[0]
    beside = re.search(r'<p class="error-message" id="en-answer-error">(.*?)</p>', page, re.S)
    assert beside and beside[1].startswith("خطأ:") and "answer" in beside[1]
    assert 'aria-describedby="en-answer-error"' in page
    assert (project / FAQ).read_bytes() == before and commits(project) == head
    assert ws.audit("content-save") == []


def test_an_arabic_edit_is_one_line_committed_as_the_editor_and_marks_the_english_for_review(
        staff: Callable[..., Staff], project: Path) -> None:
    ws = staff(root=project)
    with signed_in(ws, "editor@example.org", "editor") as client:
        data = form_of(client.get(ITEM).text)
        assert data["ar-question"] and data["en-question"]
        data["ar-question"] = data["ar-question"].replace("أتطوع", "أتطوّع") if "أتطوع" in data["ar-question"] \
            else data["ar-question"] + " اليوم"
        saved = client.post(ITEM, data=data, follow_redirects=False)
        assert saved.status_code == 303, saved.text
        page = client.get(saved.headers["location"]).text
        assert 'id="saved"' in page and 'id="review"' in page
        # The checker's warning, in the account's language (Arabic), not its code.
        assert "stale-translation" not in page and "تغيّر النص باللغة العربية" in page
        # What changed in the Arabic since the two were in step: the lock has a hash, the history the text.
        shown = re.search(r'<div class="notice" id="review">.*?</div>', page, re.S)
        assert shown and html.escape(data["ar-question"]) in shown[0] and "<pre class=\"diff\"" in shown[0]
        listing = client.get("/staff/content/?show=work").text
    diff = git(project, "show", "--format=%an <%ae>|%s", "--unified=0", "HEAD", "--", FAQ)
    header, _, body = diff.partition("\n")
    assert header == "Test editor <editor@example.org>|FAQ: how-to-volunteer, Arabic question"
    changed = [line for line in body.splitlines() if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))]
    assert len(changed) == 2 and changed[0].startswith("-      question:")
    assert (project / FAQ).read_text(encoding="utf-8").startswith("# Frequently asked questions.")
    assert "content/translations.lock.yml" not in git(project, "show", "--name-only", "--format=", "HEAD")
    row = re.search(r'<tr data-key="content/faq.yml#questions/how-to-volunteer" data-state="(\w+)"[^>]*>(.*?)</tr>',
                    listing, re.S)
    assert row and row[1] == "review" and "ترجمة الإنجليزية تحتاج إلى مراجعة" in row[2]
    assert listing.count("<tr data-key=") == 1  # the filter shows only the items that need work
    others = re.search(r'<table id="others">(.*?)</table>', listing, re.S)
    assert others and 'data-kind="setting" data-state="placeholder"' in others[1] and "<code dir=\"ltr\">phone</code>" in others[1]
    assert 'data-state="complete"' not in others[1] and "قيمة مؤقتة لم تُملأ" in others[1]
    entry = ws.audit("content-save")[0]
    assert entry["actor"] == "editor@example.org"
    assert entry["detail"] == f"content/faq.yml#questions/how-to-volunteer {commits(project)[0][:12]}"


def test_a_hand_edit_after_opening_stops_the_save_and_keeps_both(staff: Callable[..., Staff],
                                                                 project: Path) -> None:
    ws = staff(root=project)
    with signed_in(ws, "editor@example.org", "editor") as client:
        data = form_of(client.get(ITEM).text)
        other = form_of(client.get("/staff/content/faq/questions/what-to-prepare").text)
        text = (project / FAQ).read_text(encoding="utf-8")
        hand = text.replace(data["en-question"], data["en-question"] + " (by hand)", 1)
        (project / FAQ).write_text(hand, encoding="utf-8")
        data["en-question"] = "Typed in the browser"
        stopped = client.post(ITEM, data=data)
        assert stopped.status_code == 409
        assert 'id="conflict"' in stopped.text and "Typed in the browser" in stopped.text
        assert html.escape(data["ar-question"], quote=True) in stopped.text
        assert "(by hand)" in stopped.text  # the version saved now, shown beside
        assert (project / FAQ).read_text(encoding="utf-8") == hand
        # Another item of the same file, opened before the hand edit, saves: its own text had not changed.
        other["en-question"] += " now"
        assert client.post("/staff/content/faq/questions/what-to-prepare", data=other,
                           follow_redirects=False).status_code == 303
    now = (project / FAQ).read_text(encoding="utf-8")
    assert "(by hand)" in now and other["en-question"] in now


def test_restore_an_earlier_version(staff: Callable[..., Staff], project: Path) -> None:
    ws = staff(root=project)
    original = (project / FAQ).read_bytes()
    with signed_in(ws, "editor@example.org", "editor") as client:
        data = form_of(client.get(ITEM).text)
        data["en-answer"] = data["en-answer"] + "\n\nOne more sentence."
        assert client.post(ITEM, data=data, follow_redirects=False).status_code == 303
        first = commits(project)[-1]
        page = client.get(f"{ITEM}?version={first}").text
        assert "One more sentence." in page and 'action="' + ITEM + '/restore"' in page
        done = client.post(f"{ITEM}/restore", data={"csrftoken": csrf(page), "version": first},
                           follow_redirects=False)
        assert done.status_code == 303
    assert (project / FAQ).read_bytes() == original
    assert len(commits(project)) == 3
    assert git(project, "log", "-1", "--format=%s") == f"FAQ: how-to-volunteer, restored from {first[:12]}\n"
    assert ws.audit("content-restore")[0]["detail"].startswith("content/faq.yml#questions/how-to-volunteer")


def test_not_a_repository_is_said_and_saving_refused(staff: Callable[..., Staff], tmp_path: Path) -> None:
    root = make_project(tmp_path / "plain", repository=False)
    ws = staff(root=root)
    before = (root / FAQ).read_bytes()
    with signed_in(ws, "admin@example.org", "admin") as client:
        assert "git init" in client.get("/staff/content/").text
        page = client.get(ITEM).text
        assert 'id="no-git"' in page
        data = form_of(page)
        data["en-question"] = "Changed"
        refused = client.post(ITEM, data=data)
    assert refused.status_code == 409 and "git init" in refused.text
    assert (root / FAQ).read_bytes() == before


def test_editor_pages_pass_axe_nu_and_390px_in_both_languages(staff: Callable[..., Staff], project: Path,
                                                               browser: Any, tmp_path: Path) -> None:
    from generator.staff.sessions import COOKIE
    from tests.staff.test_browser import SEEN, keyboard_problems, page_checks
    from tests.support.vnu import vnu_errors_in_html

    SEEN.clear()
    ws = staff(root=project)
    problems: list[str] = []
    for lang in ("ar", "en"):
        with signed_in(ws, f"editor-{lang}@example.org", "editor") as client:
            if lang == "en":
                client.post("/staff/language", data={"csrftoken": csrf(client.get("/staff/").text), "lang": "en"})
            session = client.cookies[COOKIE]
        for width in (390, 1280):
            context = browser.new_context(viewport={"width": width, "height": 844})
            context.set_default_timeout(10_000)
            context.add_cookies([{"name": COOKIE, "value": session, "url": ws.url}])
            tab = context.new_page()
            try:
                # Every page at 390 px in Arabic; the edit page (and its errors) in both languages at
                # 390 px, and at 1280 px side by side (the pages share their templates: kept cheap).
                paths = ("/staff/content/", "/staff/content/services/-/help-request",
                         "/staff/content/faq/questions/_new", "/staff/content/forms/contact", "/staff/content/settings",
                         "/staff/content/synonyms", "/staff/content/pages/contact",
                         "/staff/content/faq/topics/help/delete") if (width, lang) == (390, "ar") else ()
                for path in paths:
                    tab.goto(ws.url + path)
                    assert tab.locator("html").get_attribute("lang") == lang
                    problems += page_checks(tab, f"{width}px {path} {lang}")
                    screenshot(tab, tmp_path / f"{path.strip('/').replace('/', '_')}-{lang}-{width}.png",
                               full_page=True)
                tab.goto(ws.url + ITEM)
                assert tab.locator("html").get_attribute("lang") == lang
                if width == 390:
                    problems += page_checks(tab, f"{width}px {ITEM} {lang}")
                    problems += keyboard_problems(tab, f"{width}px {ITEM} {lang}")
                tab.fill("#en-answer", "")
                tab.click("form.content-form button[type=submit]")
                problems += page_checks(tab, f"{width}px {ITEM} error {lang}")
                screenshot(tab, tmp_path / f"editor-{lang}-{width}.png", full_page=True)
                if width == 1280:  # Arabic on the right, English on the left, side by side
                    ar, en = (tab.locator(f"#{code}-fields").bounding_box() for code in ("ar", "en"))
                    assert ar and en and ar["x"] > en["x"] and abs(ar["y"] - en["y"]) < 2
            finally:
                context.close()
    problems += vnu_errors_in_html(dict(SEEN))
    SEEN.clear()
    assert problems == []


def test_add_move_and_delete_an_faq_question_and_a_topic_still_named_is_not_deleted(
        staff: Callable[..., Staff], project: Path) -> None:
    ws = staff(root=project)
    new = "/staff/content/faq/questions/_new"
    with signed_in(ws, "editor@example.org", "editor") as client:
        page = client.get(new).text
        assert '<select id="key-topic" name="key-topic">' in page
        data = {**form_of(page), "new_id": "", "key-topic": "contact", "ar-question": "هل يمكنني التبرع؟",
                "ar-answer": "نعم، تواصل معنا.", "en-question": "Can I donate?", "en-answer": "Yes, contact us."}
        taken = client.post(new, data={**data, "new_id": "how-to-volunteer"})
        assert taken.status_code == 422 and 'id="new_id-error"' in taken.text
        assert client.post(new, data=data, follow_redirects=False).headers["location"] == \
            "/staff/content/faq/questions/can-i-donate?saved=1"  # the id proposed from the English title
        text = (project / FAQ).read_text(encoding="utf-8")
        assert ("\n\n  - anchor: can-i-donate\n    topic: contact\n    ar:\n      question: هل يمكنني التبرع؟\n"
                "      answer: |\n        نعم، تواصل معنا.\n") in text  # after a blank line, as the others
        order = [line for line in text.splitlines() if "anchor:" in line]
        moved = client.post("/staff/content/faq/questions/can-i-donate/move",
                            data={"csrftoken": csrf(page), "direction": "up"}, follow_redirects=False)
        assert moved.status_code == 303
        after = [line for line in (project / FAQ).read_text(encoding="utf-8").splitlines() if "anchor:" in line]
        at = order.index("  - anchor: can-i-donate")
        assert after[at - 1] == order[at] and after[at] == order[at - 1]
        # A topic that questions still name: the confirmation lists them; deleting stops at the checker's error.
        confirm = client.get("/staff/content/faq/topics/help/delete").text
        assert "content/faq.yml:" in confirm and "topic: help" in confirm
        refused = client.post("/staff/content/faq/topics/help/delete", data={"csrftoken": csrf(confirm)})
        assert refused.status_code == 422 and 'id="error-summary"' in refused.text
        assert "  - id: help\n" in (project / FAQ).read_text(encoding="utf-8")
        confirm = client.get("/staff/content/faq/questions/can-i-donate/delete").text
        assert 'id="no-mentions"' in confirm
        assert client.post("/staff/content/faq/questions/can-i-donate/delete", data={"csrftoken": csrf(confirm)},
                           follow_redirects=False).status_code == 303
        # The last question of a topic: the next topic's comment line, which ruamel keeps on it, stays.
        before = (project / FAQ).read_text(encoding="utf-8")
        confirm = client.get("/staff/content/faq/questions/procedures-unclear/delete").text
        assert client.post("/staff/content/faq/questions/procedures-unclear/delete",
                           data={"csrftoken": csrf(confirm)}, follow_redirects=False).status_code == 303
    after = (project / FAQ).read_text(encoding="utf-8")
    assert "can-i-donate" not in after and "procedures-unclear" not in after
    assert "  # --- rights -----------------------------------------------------------\n" in after
    diff = [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))]
    assert diff[1] == "-  - anchor: procedures-unclear" and len(diff) == 11  # its lines (and a blank) only
    assert git(project, "log", "--format=%s", "-3").splitlines() == [
        "FAQ: procedures-unclear, deleted", "FAQ: can-i-donate, deleted", "FAQ: can-i-donate, moved up"]
    assert [e["detail"].split()[1] for e in ws.audit("content-save")] == ["added", "moved", "deleted", "deleted"]


def test_form_texts_a_shared_error_is_edited_once_keeping_its_anchor(staff: Callable[..., Staff],
                                                                      project: Path) -> None:
    ws = staff(root=project)
    path, file = "/staff/content/forms/contact", "forms/contact.yml"
    before = (project / file).read_text(encoding="utf-8")
    with signed_in(ws, "editor@example.org", "editor") as client:
        page = client.get(path).text
        assert "enum, maxLength" in page  # the shared error names the other codes using it
        assert page.count('class="hint notice-version"') >= 2  # the labels and the privacy text
        data = {"csrftoken": csrf(page), "opened": re.search(r'name="opened" value="([^"]+)"', page)[1]}
        units = dict(re.findall(r'<input type="hidden" name="(key-\d+)" value="([^"]+)">', page))
        data.update(units)
        for match in _FIELD_TEXT.finditer(page):
            name, value = (match[1], match[2]) if match[1] else (match[3], match[4])
            data[name] = html.unescape(value)
        index = next(k for k, v in units.items() if v == "fields/kind/errors/required").split("-")[1]
        data[f"text-{index}-en"] = "Choose what kind of message this is"
        empty = dict(data)
        label = next(k for k, v in units.items() if v == "fields/name/label").split("-")[1]
        empty[f"text-{label}-en"] = ""
        refused = client.post(path, data=empty)
        assert refused.status_code == 422 and f'id="text-{label}-en-error"' in refused.text
        assert (project / file).read_text(encoding="utf-8") == before
        assert client.post(path, data=data, follow_redirects=False).status_code == 303
    after = (project / file).read_text(encoding="utf-8")
    assert "required: &kind-choose\n" in after and "enum: *kind-choose\n" in after
    assert "            en: Choose what kind of message this is\n" in after
    changed = [line for line in git(project, "show", "--format=", "--unified=0", "HEAD", "--", file).splitlines()
               if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))]
    assert len(changed) == 2
    assert git(project, "log", "-1", "--format=%s") == "Form contact: English kind errors required\n"


def test_a_commit_git_refuses_leaves_the_files_as_they_were(staff: Callable[..., Staff], project: Path) -> None:
    ws = staff(root=project)
    before, head = (project / FAQ).read_bytes(), commits(project)
    lock_before = (project / "content/translations.lock.yml").read_bytes()
    with signed_in(ws, "editor@example.org", "editor") as client:
        data = form_of(client.get(ITEM).text)
        data["ar-question"] += " الآن"
        (project / ".git/index.lock").write_text("", encoding="utf-8")  # as another git command running
        try:
            failed = client.post(ITEM, data=data)
        finally:
            (project / ".git/index.lock").unlink()
    assert failed.status_code == 409 and 'id="git-failed"' in failed.text and "الآن" in failed.text
    assert (project / FAQ).read_bytes() == before and commits(project) == head
    assert (project / "content/translations.lock.yml").read_bytes() == lock_before
    assert ws.audit("content-save") == []


def test_settings_placeholders_are_marked_and_filled_with_arabic_indic_digits(staff: Callable[..., Staff],
                                                                              project: Path) -> None:
    ws = staff(root=project)
    path, file = "/staff/content/settings", "content/settings.yml"
    before = (project / file).read_text(encoding="utf-8")
    with signed_in(ws, "editor@example.org", "editor") as client:
        page = client.get(path).text
        assert page.count('class="hint placeholder-state"') == 14  # as many as `check` lists
        data = {"csrftoken": csrf(page), "opened": re.search(r'name="opened" value="([^"]+)"', page)[1]}
        keys = dict(re.findall(r'<input type="hidden" name="(key-\d+)" value="([^"]+)">', page))
        data.update(keys)
        data.update({name: html.unescape(value) for name, value in
                     re.findall(r'<input type="text" id="(setting-[\w-]+)" name="\1"[^>]*value="([^"]*)"', page)})
        data.update(re.findall(r'<textarea id="(setting-[\w-]+)" name="\1"[^>]*>(.*?)</textarea>', page, re.S))
        index = {v: k.split("-")[1] for k, v in keys.items()}
        refused = client.post(path, data={**data, f"setting-{index['name']}-ar": ""})
        assert refused.status_code == 422 and f'id="setting-{index["name"]}-ar-error"' in refused.text
        assert (project / file).read_text(encoding="utf-8") == before
        data[f"setting-{index['phone']}"] = "٠١١ ٢٣٤ ٥٦٧٨"
        assert client.post(path, data=data, follow_redirects=False).status_code == 303
        assert client.get(path).text.count('class="hint placeholder-state"') == 13
    after = (project / file).read_text(encoding="utf-8")
    assert '  phone: "011 234 5678"\n' in after
    assert len([line for line in after.splitlines() if line not in before.splitlines()]) == 1
    assert git(project, "log", "-1", "--format=%an|%s") == "Test editor|Settings: phone\n"


def test_one_synonym_group_changed_is_one_line_and_a_word_in_two_groups_is_refused(
        staff: Callable[..., Staff], project: Path) -> None:
    ws = staff(root=project)
    path, file = "/staff/content/synonyms", "content/search-synonyms.yml"
    before = (project / file).read_text(encoding="utf-8")
    with signed_in(ws, "editor@example.org", "editor") as client:
        page = client.get(path).text
        data = {"csrftoken": csrf(page), "opened": re.search(r'name="opened" value="([^"]+)"', page)[1]}
        data.update((name, html.unescape(value)) for name, value in
                    re.findall(r'<textarea id="(synonyms-\w+)" name="\1"[^>]*>(.*?)</textarea>', page, re.S))
        assert "عملية، جراحة" in data["synonyms-ar"]
        twice = client.post(path, data={**data, "synonyms-en": data["synonyms-en"] + "\nsurgery، cut"})
        assert twice.status_code == 422 and 'id="synonyms-en-error"' in twice.text
        assert '<a href="#synonyms-en">' in twice.text  # the summary links to the box with the error
        assert (project / file).read_text(encoding="utf-8") == before
        data["synonyms-ar"] = data["synonyms-ar"].replace("عملية، جراحة", "عملية، جراحة, مشرط")  # either comma
        assert client.post(path, data=data, follow_redirects=False).status_code == 303
    after = (project / file).read_text(encoding="utf-8")
    assert "  - [عملية, جراحة, مشرط]\n" in after and after.startswith("# كلمات يعاملها البحث")
    assert len([line for line in after.splitlines() if line not in before.splitlines()]) == 1
    assert git(project, "log", "-1", "--format=%s") == "Search synonyms: Arabic\n"


def test_a_prose_page_saves_both_languages_and_an_empty_title_is_refused(staff: Callable[..., Staff],
                                                                         project: Path) -> None:
    ws = staff(root=project)
    path, ar, en = "/staff/content/pages/policy", "content/pages/policy.ar.md", "content/pages/policy.en.md"
    before = {f: (project / f).read_text(encoding="utf-8") for f in (ar, en)}
    with signed_in(ws, "editor@example.org", "editor") as client:
        page = client.get(path).text
        data = {"csrftoken": csrf(page), "opened": re.search(r'name="opened" value="([^"]+)"', page)[1]}
        data.update({name: html.unescape(value) for name, value in
                     re.findall(r'<input type="text" id="(page-[\w-]+)" name="\1"[^>]*value="([^"]*)"', page)})
        data.update((name, html.unescape(value)) for name, value in
                    re.findall(r'<textarea id="(page-[\w-]+)" name="\1"[^>]*>(.*?)</textarea>', page, re.S))
        refused = client.post(path, data={**data, "page-ar-title": ""})
        assert refused.status_code == 422 and 'id="page-ar-title-error"' in refused.text
        assert {f: (project / f).read_text(encoding="utf-8") for f in (ar, en)} == before
        data["page-en-body"] = data["page-en-body"].replace("gives priority", "gives first priority", 1)
        assert client.post(path, data=data, follow_redirects=False).status_code == 303
        assert 'id="review"' in client.get(path).text  # the English changed alone: the Arabic to review
    assert (project / ar).read_text(encoding="utf-8") == before[ar]
    after = (project / en).read_text(encoding="utf-8")
    assert after.startswith(before[en].split("\n---\n", 1)[0])  # the front matter (approval) as it was
    assert len([line for line in after.splitlines() if line not in before[en].splitlines()]) == 1
    assert git(project, "log", "-1", "--format=%s") == "Page policy: English body\n"


def test_a_settings_version_restored_whole(staff: Callable[..., Staff], project: Path) -> None:
    ws = staff(root=project)
    file = "content/settings.yml"
    original = (project / file).read_bytes()
    (project / file).write_text(original.decode().replace('  email: ""', '  email: "info@qalb.example"'),
                                encoding="utf-8")
    git(project, "-c", "user.name=Hand", "-c", "user.email=hand@example.org", "commit", "--quiet", "-am", "e-mail")
    first = commits(project)[-1]
    with signed_in(ws, "editor@example.org", "editor") as client:
        page = client.get("/staff/content/settings").text
        assert f'name="version" value="{first}"' in page and "info@qalb.example" in page
        done = client.post("/staff/content/restore", data={"csrftoken": csrf(page), "file": file, "version": first},
                           follow_redirects=False)
        assert done.headers["location"] == "/staff/content/settings?saved=1"
        other = client.post("/staff/content/restore", data={"csrftoken": csrf(page), "file": "../x", "version": first})
        assert other.status_code == 404
    assert (project / file).read_bytes() == original
    assert git(project, "log", "-1", "--format=%an|%s") == f"Test editor|{file}: restored from {first[:12]}\n"
    assert ws.audit("content-restore")[0]["detail"].startswith(f"{file} {first[:12]} -> ")
