"""A running endpoint and workspace take up the form texts of a publish without a restart
(generator/forms/reload.py), and keep their forms when a publish changed their structure."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from generator.core.config import StaffSettings
from generator.endpoint.app import create_app
from generator.forms.loading import load_forms_or_report
from generator.site.publishing import publish
from generator.staff.app import create_app as create_workspace
from tests.support.fixtures import LiveServer, make_settings
from tests.support.samples import valid_answers

OLD, NEW = "{ar: أدخل اسمك, en: Enter your name}", "{ar: اكتب اسمك هنا, en: Write your name here}"


def post_without_name(server: LiveServer, forms: dict[str, Any]) -> str:
    data = {**valid_answers(forms["contact"]), "name": "", "lang": "ar"}
    with server.client() as client:
        response = client.post("/api/forms/contact", data=data, headers={"Origin": server.url, "Accept": "text/html"})
    assert response.status_code == 422
    return response.text


def test_a_publish_changes_the_texts_the_running_endpoint_and_workspace_use(project_copy: Path, tmp_path: Path,
                                                                 live: Callable[[Any], LiveServer]) -> None:
    assert publish(project_copy).ok
    forms = load_forms_or_report(project_copy)
    assert forms is not None
    settings = make_settings(project_copy, f"sqlite:///{tmp_path / 'db.sqlite'}", site_dir=project_copy / "site")
    server = live(create_app(settings=settings, forms=forms))
    assert "أدخل اسمك" in post_without_name(server, forms)
    workspace = live(create_workspace(settings=StaffSettings(root=project_copy, database_url=settings.database_url,
                                                             site_dir=project_copy / "site"),
                                      forms=load_forms_or_report(project_copy) or {}))

    def workspace_message() -> str:
        with workspace.client() as client:
            assert client.get("/staff/sign-in").status_code == 200
        return str(workspace.app.state.workspace.forms["contact"].field("name").errors["required"]["ar"])

    assert workspace_message() == "أدخل اسمك"

    form_file = project_copy / "forms/contact.yml"
    text = form_file.read_text(encoding="utf-8")
    form_file.write_text(text.replace(OLD, NEW, 1), encoding="utf-8")
    assert "أدخل اسمك" in post_without_name(server, forms)  # saved, not yet published
    assert publish(project_copy).ok
    page = post_without_name(server, forms)
    assert "اكتب اسمك هنا" in page and "أدخل اسمك" not in page
    assert workspace_message() == "اكتب اسمك هنا"

    # A structural change (a limit) with a text change: kept as running until a restart.
    changed = form_file.read_text(encoding="utf-8").replace(NEW, OLD, 1).replace(
        "constraints: {required: true, maxLength: 100}", "constraints: {required: true, maxLength: 120}", 1)
    form_file.write_text(changed, encoding="utf-8")
    assert publish(project_copy).ok
    assert "اكتب اسمك هنا" in post_without_name(server, forms)
    assert workspace_message() == "اكتب اسمك هنا"
