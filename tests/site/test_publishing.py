"""generator/site/publishing.py, switch.py: preview, publish (atomic switch, one at a time, the
publish command), and the translation lock (a preview never writes it; accept one key)."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from generator.cli import main
from generator.site import switch
from generator.site.check import check_project
from generator.site.publishing import build_preview, publish
from generator.site.translations import LOCK_FILE, accept_translation, read_lock
from generator.web.sitefiles import SiteFiles
from tests.support.fixtures import LiveServer, default_tls_context

FIRST = "content/faq.yml#questions/how-to-ask-for-help"
SECOND = "content/faq.yml#questions/what-to-prepare"


def hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def edit_arabic_question(root: Path, old: str, new: str) -> None:
    faq = root / "content/faq.yml"
    text = faq.read_text(encoding="utf-8")
    assert old in text
    faq.write_text(text.replace(old, new, 1), encoding="utf-8")


def stale_keys(root: Path) -> list[str]:
    return sorted(p.message.split('"')[1] for p in check_project(root).items if p.code == "stale-translation")


def test_publish_switches_atomically_and_a_failed_build_leaves_the_served_site_as_it_was(project_copy):
    site = project_copy / "site"
    first = publish(project_copy, command=(sys.executable, "-c", "import sys; print('synced'); sys.exit(3)"))
    assert first.problems == [] or all(p.severity == "warning" for p in first.problems)
    assert (first.command_output, first.command_status, first.ok) == ("synced\n", 3, False)  # the build is in
    assert site.is_symlink() and (site / "index.html").is_file()
    assert {"", "en/", "faq/", "en/faq/"} <= set(first.changed)  # a first publish: every page is new
    app = Starlette(routes=[Mount("/", app=SiteFiles(directory=site, html=True))])
    with LiveServer(app) as server, httpx.Client(base_url=server.url, verify=default_tls_context()) as client:
        edit_arabic_question(project_copy, "كيف أطلب المساعدة؟", "كيف أطلب العون؟")
        second = publish(project_copy)
        assert second.ok and second.command_status is None
        assert second.changed == ["faq/"]  # only the Arabic FAQ page changed
        assert "كيف أطلب العون؟" in client.get("/faq/").text
        assert len([p for p in project_copy.iterdir() if p.name.startswith("site-")]) == 2  # this one and one back

        before, link = hashes(site), os.readlink(site)
        faq = project_copy / "content/faq.yml"
        faq.write_text(faq.read_text(encoding="utf-8") + "\n  - anchor: [broken\n", encoding="utf-8")
        answers: list[int] = []
        done = threading.Event()

        def visit() -> None:
            while not done.is_set():
                answers.append(client.get("/faq/").status_code)

        visitor = threading.Thread(target=visit)
        visitor.start()
        try:
            failed = publish(project_copy)
        finally:
            done.set()
            visitor.join()
        assert not failed.ok and failed.changed == [] and failed.command_status is None
        assert any(p.severity == "error" and p.path == "content/faq.yml" for p in failed.problems)
        assert hashes(site) == before and os.readlink(site) == link
        assert answers and set(answers) == {200}


def test_a_second_publish_is_refused_or_waits_and_never_mixes(project_copy):
    site = project_copy / "site"
    with switch.switch_lock(site):
        refused = publish(project_copy, wait=False)
        assert refused.busy and not refused.ok and [p.code for p in refused.problems] == ["publish-busy"]
        assert "نشر آخر" in refused.problems[0].text("ar")
        assert not site.exists()  # nothing was built
        waiting = subprocess.Popen([sys.executable, "-m", "generator", "--root", str(project_copy), "publish"],
                                   stderr=subprocess.PIPE, text=True,
                                   env={**os.environ, "QALB_PUBLISH_COMMAND": "echo pushed"})
        assert waiting.stderr is not None
        assert waiting.stderr.readline() == "Another publish is running: waiting for it to finish.\n"
        assert not site.exists()
    rest = waiting.communicate(timeout=120)[1]
    assert waiting.returncode == 0, rest
    assert (site / "en/faq/index.html").is_file()
    assert "echo pushed (exit status 0):\npushed\n" in rest


def test_a_preview_writes_neither_the_lock_nor_site(project_copy, tmp_path):
    site = project_copy / "site"
    (site / "en").mkdir(parents=True)
    (site / "en/index.html").write_text("published", encoding="utf-8")
    before, lock = hashes(site), (project_copy / LOCK_FILE).read_bytes()
    edit_arabic_question(project_copy, "كيف أطلب المساعدة؟", "كيف أطلب العون؟")
    warnings = build_preview(project_copy, tmp_path / "preview")
    assert "stale-translation" in [p.code for p in warnings] and all(p.severity == "warning" for p in warnings)
    assert "كيف أطلب العون؟" in (tmp_path / "preview/faq/index.html").read_text(encoding="utf-8")
    assert hashes(site) == before and (project_copy / LOCK_FILE).read_bytes() == lock


def test_accept_one_key_accepts_that_item_only(project_copy, capsys):
    edit_arabic_question(project_copy, "كيف أطلب المساعدة؟", "كيف أطلب العون؟")
    edit_arabic_question(project_copy, "ما الذي أجهزه قبل التقديم؟", "ما الذي أحضّره قبل التقديم؟")
    assert stale_keys(project_copy) == ["questions/how-to-ask-for-help", "questions/what-to-prepare"]
    lock = read_lock(project_copy)
    assert accept_translation(project_copy, FIRST) is True
    assert stale_keys(project_copy) == ["questions/what-to-prepare"]
    after = read_lock(project_copy)
    assert {k: v for k, v in after.items() if k != FIRST} == {k: v for k, v in lock.items() if k != FIRST}
    assert main(["--root", str(project_copy), "translations", "accept", "content/faq.yml#questions/nothing"]) == 1
    assert "No item has the key" in capsys.readouterr().err
    assert main(["--root", str(project_copy), "translations", "accept", SECOND]) == 0
    assert stale_keys(project_copy) == []


def test_check_prints_its_messages_in_arabic(project_copy, capsys):
    edit_arabic_question(project_copy, "كيف أطلب المساعدة؟", "كيف أطلب العون؟")
    assert main(["--root", str(project_copy), "check", "--language", "ar"]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if "[stale-translation]" in line]
    assert lines == [
        "content/faq.yml:27: [stale-translation] تحذير: تغيّر النص باللغة العربية في «questions/how-to-ask-for-help» "
        "ولم يتغيّر النص باللغة الإنجليزية: حدّثه ليطابقه. وإن لم يلزم تغيير فشغّل: "
        "python -m generator translations accept content/faq.yml#questions/how-to-ask-for-help"]


def test_the_lock_covers_form_texts_and_search_synonyms(project_copy):
    form = project_copy / "forms/contact.yml"
    form.write_text(form.read_text(encoding="utf-8").replace("{ar: أدخل اسمك, en:", "{ar: اكتب اسمك, en:", 1),
                    encoding="utf-8")
    synonyms = project_copy / "content/search-synonyms.yml"
    text = synonyms.read_text(encoding="utf-8")
    synonyms.write_text(text.replace("\nen:\n", "\n  - [تبرع, هبة]\nen:\n", 1), encoding="utf-8")
    stale = [p for p in check_project(project_copy).sorted() if p.code == "stale-translation"]
    name_line = form.read_text(encoding="utf-8").split("\n").index("    - name: name") + 1
    assert [(p.path, p.line, p.message.split('"')[1]) for p in stale] == [
        ("content/search-synonyms.yml", 1, "content/search-synonyms.yml"),
        ("forms/contact.yml", name_line, "fields/name")]
    assert main(["--root", str(project_copy), "translations", "accept", "forms/contact.yml#fields/name"]) == 0
    assert [p.path for p in check_project(project_copy).items if p.code == "stale-translation"] == [
        "content/search-synonyms.yml"]


def test_a_strict_publish_refuses_placeholders_and_says_so_in_arabic(project_copy, capsys):
    assert main(["--root", str(project_copy), "publish", "--strict", "--language", "ar"]) == 1
    err = capsys.readouterr().err
    assert "content/settings.yml:23: [placeholder] تحذير: لم تُملأ «phone» بعد" in err
    assert err.endswith("Nothing was published; the site is unchanged.\n")
    assert not (project_copy / "site").exists()
