"""Issue 31's last items against a real workspace, a real git repository made here and a real
public server: an item's Markdown "preview", "the other language is still right" for one item,
the preview of the whole site under /staff/preview/ and publish (editors and admins only)."""
from __future__ import annotations

import html
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from generator.site import switch
from generator.web.sitefiles import SiteFiles
from tests.conftest import copy_project
from tests.staff.conftest import Staff, csrf
from tests.staff.test_content_editor import FAQ, ITEM, commits, form_of, git, make_project, signed_in
from tests.support.fixtures import LiveServer, default_tls_context
from tests.support.shots import screenshot

pytestmark = pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
NEW = "/staff/content/faq/questions/_new"
DONATE = {"new_id": "", "key-topic": "contact", "ar-question": "هل أستطيع التبرع لجمعية قلب؟",
          "ar-answer": "نعم، تواصل معنا لنرشدك.", "en-question": "Can I give to the charity?",
          "en-answer": "Yes: contact us and we will guide you."}


def full_project(root: Path) -> Path:
    """The whole project (content, forms, templates, mkdocs.yml) in a git repository of its own."""
    copy_project(root)
    git(root, "init", "--quiet")
    git(root, "add", "content", "forms")
    git(root, "-c", "user.name=Setup", "-c", "user.email=setup@example.org", "commit", "--quiet", "-m", "start")
    return root


def token(client: httpx.Client) -> str:
    return csrf(client.get("/staff/").text)


def search_titles(public: httpx.Client, prefix: str = "") -> str:
    return json.dumps(public.get(f"/{prefix}search/index.json").json(), ensure_ascii=False)


def test_an_editor_previews_and_publishes_a_new_faq_entry_and_a_restore_waits_for_publish(
        staff: Callable[..., Staff], tmp_path: Path, built_site: Path, browser: Any) -> None:
    from generator.staff.sessions import COOKIE
    from tests.staff.test_browser import SEEN, page_checks
    from tests.support.vnu import vnu_errors_in_html

    project = full_project(tmp_path / "project")
    first = "site-20260101T000000000000Z"  # the site as published before: the real content, built once per run
    shutil.copytree(built_site, project / first)
    (project / "site").symlink_to(first)
    command = (sys.executable, "-c", "print('copied to the host')")
    ws = staff(root=project, publish_command=command)
    SEEN.clear()
    problems: list[str] = []
    app = Starlette(routes=[Mount("/", app=SiteFiles(directory=project / "site", html=True))])
    with signed_in(ws, "editor@example.org", "editor") as client, LiveServer(app) as server, \
            httpx.Client(base_url=server.url, verify=default_tls_context()) as public:
        assert DONATE["ar-question"] not in public.get("/faq/").text
        page = client.get(NEW).text
        assert client.post(NEW, data={**form_of(page), **DONATE}, follow_redirects=False).status_code == 303
        volunteer = form_of(client.get(ITEM).text)
        original = volunteer["en-question"]
        volunteer["en-question"] = "How do I volunteer with Qalb?"
        volunteer["ar-question"] += " الآن"
        assert client.post(ITEM, data=volunteer, follow_redirects=False).status_code == 303

        # One browser page walks preview and publish (axe, 390 px, Nu on the workspace's new page).
        context = browser.new_context(viewport={"width": 390, "height": 844})
        context.set_default_timeout(90_000)  # a build under load
        context.add_cookies([{"name": COOKIE, "value": client.cookies[COOKIE], "url": ws.url}])
        tab = context.new_page()
        posts: list[str] = []
        tab.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
        try:
            tab.goto(ws.url + "/staff/content/")
            tab.click("#to-publish")
            problems += page_checks(tab, "publish page ar")
            tab.click("#preview-button")
            tab.wait_for_selector("#preview-built")
            problems += page_checks(tab, "preview built ar")
            screenshot(tab, tmp_path / "publish-ar-390.png", full_page=True)
            tab.click("#preview-built a[href='/staff/preview/']")
            tab.wait_for_url(ws.url + "/staff/preview/")
            assert tab.locator(".qalb-preview").is_visible() and "معاينة" in tab.inner_text(".qalb-preview")
            tab.goto(ws.url + "/staff/preview/faq/")
            assert DONATE["ar-question"] in tab.content()
            problems += [p for p in page_checks(tab, "preview faq ar") if "scrolls sideways" in p or "dir" in p]
            screenshot(tab, tmp_path / "preview-faq-ar-390.png", full_page=False)
            tab.goto(ws.url + "/staff/preview/en/search/?q=" + quote("give charity"))
            tab.wait_for_selector(".qalb-search__link")
            assert DONATE["en-question"] in tab.inner_text("main")  # the search runs on the preview's index
            tab.goto(ws.url + "/staff/preview/forms/contact/")
            assert "لا يرسل" in tab.inner_text(".qalb-preview-form")
            before = len(posts)
            tab.evaluate("() => document.querySelector('form.qalb-form').requestSubmit()")
            tab.wait_for_timeout(300)  # a post would have been sent by now: none is
            assert posts[before:] == []
            assert DONATE["ar-question"] not in public.get("/faq/").text  # the public site: not yet
            tab.goto(ws.url + "/staff/content/publish")
            tab.click("#publish-button")
            tab.wait_for_selector("#published")
            problems += page_checks(tab, "published ar")
            screenshot(tab, tmp_path / "published-ar-390.png", full_page=True)
            done = tab.content()
        finally:
            context.close()
        assert "copied to the host" in done and '<code dir="ltr">0</code>' in done
        changed = re.findall(r'<li><a href="/([^"]*)" dir="ltr">', done)
        assert {"faq/", "en/faq/"} <= set(changed)
        assert DONATE["ar-question"] in public.get("/faq/").text
        assert DONATE["en-question"] in search_titles(public, "en/")
        assert DONATE["ar-question"] in search_titles(public)

        shown = client.get("/staff/preview/en/faq/")
        assert "form-action 'none'" in shown.headers["content-security-policy"]
        assert "script-src 'self'" in shown.headers["content-security-policy"]
        assert "Preview: these pages are not public yet" in shown.text
        assert "/api/forms/" not in client.get("/staff/preview/forms/contact/").text

        # An earlier version restored: the public site keeps the published one until the next publish.
        versions = commits(project)
        restore = client.post(f"{ITEM}/restore", data={"csrftoken": token(client), "version": versions[2]},
                              follow_redirects=False)  # the version before the addition and the edit
        assert restore.status_code == 303
        assert "How do I volunteer with Qalb?" in public.get("/en/faq/").text
        assert client.post("/staff/content/publish", data={"csrftoken": token(client)}).status_code == 200
        assert "How do I volunteer with Qalb?" not in public.get("/en/faq/").text
        assert html.escape(original) in public.get("/en/faq/").text
    problems += vnu_errors_in_html({k: v for k, v in SEEN.items() if "preview faq" not in k})
    SEEN.clear()
    assert problems == []
    previews, publishes = ws.audit("content-preview"), ws.audit("content-publish")
    assert [e["actor"] for e in previews] == ["editor@example.org"]
    assert publishes[-1]["detail"] == f"{commits(project)[0][:12]} published command exit 0"
    assert all(DONATE["ar-question"] not in e["detail"] for e in previews + publishes)


def test_a_publish_with_errors_or_while_another_runs_publishes_nothing(staff: Callable[..., Staff],
                                                                         tmp_path: Path) -> None:
    project = full_project(tmp_path / "project")
    ws = staff(root=project)
    with signed_in(ws, "admin@example.org", "admin") as client:
        with switch.switch_lock(project / "site"):
            busy = client.post("/staff/content/publish", data={"csrftoken": token(client)})
        assert busy.status_code == 409 and 'id="publish-busy"' in busy.text
        assert "يجري نشر آخر" in busy.text
        faq = project / FAQ
        faq.write_text(faq.read_text(encoding="utf-8").replace("  - anchor: how-to-volunteer\n",
                                                               "  - anchor: how-to-volunteer\n    topic: nowhere\n",
                                                               1), encoding="utf-8")
        failed = client.post("/staff/content/publish", data={"csrftoken": token(client)})
        assert failed.status_code == 422 and 'id="publish-errors"' in failed.text
        assert "<title>خطأ:" in failed.text and "content/faq.yml:" in failed.text
        preview = client.post("/staff/content/preview", data={"csrftoken": token(client)})
        assert preview.status_code == 422 and 'id="preview-errors"' in preview.text
    assert not (project / "site").exists()
    assert [e["detail"].split(" ", 1)[1] for e in ws.audit("content-publish")] == ["failed", "busy"][::-1]


def test_a_caseworker_and_a_viewer_get_404_on_preview_and_publish(staff: Callable[..., Staff],
                                                                  tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    (project / ".build" / "staff-preview").mkdir(parents=True)
    (project / ".build" / "staff-preview" / "index.html").write_text("<html lang=ar><body>x</body></html>")
    ws = staff(root=project)
    for email, role in (("cw@example.org", "caseworker"), ("viewer@example.org", "viewer")):
        with signed_in(ws, email, role) as client:
            for path in ("/staff/preview/", "/staff/preview/index.html", "/staff/content/publish"):
                assert client.get(path).status_code == 404, path
            for path in ("/staff/content/preview", "/staff/content/publish"):
                assert client.post(path, data={"csrftoken": token(client)}).status_code == 404, path
    assert ws.audit("content-preview") == [] and ws.audit("content-publish") == []
    assert sum("/staff/preview/" in e["detail"] for e in ws.audit("staff-refused")) == 4
    with signed_in(ws, "editor@example.org", "editor") as client:
        assert client.get("/staff/preview/").status_code == 200
        assert client.get("/staff/preview/../content/faq.yml").status_code == 404


def test_still_right_clears_that_item_alone_and_the_markdown_preview_saves_nothing(
        staff: Callable[..., Staff], tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    ws = staff(root=project)
    other = "/staff/content/faq/questions/what-to-prepare"
    with signed_in(ws, "editor@example.org", "editor") as client:
        for path in (ITEM, other):
            data = form_of(client.get(path).text)
            data["ar-question"] += " اليوم"
            assert client.post(path, data=data, follow_redirects=False).status_code == 303
        page = client.get(ITEM).text
        assert 'id="review"' in page and 'action="' + ITEM + '/accept"' in page
        accepted = client.post(f"{ITEM}/accept", data={"csrftoken": csrf(page)}, follow_redirects=False)
        assert accepted.status_code == 303
        page = client.get(accepted.headers["location"]).text
        assert 'id="review"' not in page and 'id="accepted"' in page
        assert 'id="review"' in client.get(other).text  # the other item is still flagged
        work = client.get("/staff/content/?show=work").text
        assert "questions/what-to-prepare" in work and "questions/how-to-volunteer" not in work

        head, faq = commits(project), (project / FAQ).read_bytes()
        data = form_of(page)
        data.update({"en-answer": "Call **us** first.\n\n- one\n- two", "preview": "1"})
        shown = client.post(ITEM, data=data)
        assert shown.status_code == 200 and 'id="rendered"' in shown.text
        rendered = re.search(r'<section class="rendered".*?</section>', shown.text, re.S)
        assert rendered and "<strong>us</strong>" in rendered[0] and "<li>one</li>" in rendered[0]
        assert "Call **us** first." in shown.text  # the typed text, still in its box
        assert commits(project) == head and (project / FAQ).read_bytes() == faq
    log = git(project, "log", "-1", "--format=%an <%ae>|%s|", "--name-only")
    assert log.startswith("Test editor <editor@example.org>|FAQ: how-to-volunteer, the other language is still right|")
    assert log.split("|")[-1].split() == ["content/translations.lock.yml"]
    assert ws.audit("content-accept")[0]["detail"] == f"content/faq.yml#questions/how-to-volunteer {head[0][:12]}"
