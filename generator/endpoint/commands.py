"""What `python -m generator endpoint | run | export | purge` do (cli.py only parses).

Each returns an exit code and prints problems to stderr in the project's
`path:line: [code] message` shape, or one plain sentence for settings.
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from .settings import EndpointSettings, SettingsError


def _settings(root: Path) -> EndpointSettings | None:
    try:
        return EndpointSettings.from_env(root)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def _forms(root: Path) -> dict[str, Any] | None:
    from ..forms import load_forms
    from ..problems import Problems

    problems = Problems()
    forms = load_forms(root, problems)
    for problem in problems.sorted():
        print(problem, file=sys.stderr)
    if problems.errors:
        print("The forms have errors (above); fix them, then start again.", file=sys.stderr)
        return None
    return forms


def serve(root: Path, *, host: str, port: int, serve_site: bool) -> int:
    """The endpoint (and with `serve_site` the built site) in one uvicorn process."""
    from .app import create_app
    from .server import run

    settings, forms = _settings(root), _forms(root)
    if settings is None or forms is None:
        return 1
    if serve_site and not (settings.site_dir / "index.html").is_file():
        print(f"warning: no built site in {settings.site_dir}; run `python -m generator build` "
              "(or `make serve`) to build it. Serving the endpoint only.", file=sys.stderr)
    run(create_app(settings=settings, forms=forms, serve_site=serve_site), host=host, port=port)
    return 0


def export(root: Path, *, form_id: str, out: Path, status: str) -> int:
    from .export import export_package
    from .store import open_store

    settings, forms = _settings(root), _forms(root)
    if settings is None or forms is None:
        return 1
    if form_id not in forms:
        print(f'error: there is no form "{form_id}"; the forms are: {", ".join(sorted(forms))}', file=sys.stderr)
        return 1
    store = open_store(settings.database_url, root=root)
    try:
        store.migrate()
        result = export_package(store, forms[form_id], out, status=status)
    finally:
        store.close()
    print(f"Exported {result.rows} submission(s) of {form_id} to {result.package.parent}"
          f" ({result.csv.name}, datapackage.json)", file=sys.stderr)
    if result.neutralised:
        cells = sum(result.neutralised.values())
        print(f"note: {cells} cell(s) starting with = + - @ were prefixed with ' so spreadsheets "
              "do not run them as formulas", file=sys.stderr)
    return 0


def purge(root: Path, *, dry_run: bool = False) -> int:
    from .store import open_store

    settings, forms = _settings(root), _forms(root)
    if settings is None or forms is None:
        return 1
    store = open_store(settings.database_url, root=root)
    now = dt.datetime.now(dt.timezone.utc)
    try:
        store.migrate()
        for form_id in sorted(set(store.form_ids()) | set(forms)):
            form = forms.get(form_id)
            if form is None:
                print(f"warning: the database holds submissions of {form_id}, which has no form file "
                      "any more; they are kept until its retention period is known", file=sys.stderr)
                continue
            before = now - dt.timedelta(days=form.retention_days)
            count = store.count_before(form_id, before) if dry_run else store.purge(form_id, before)
            verb = "would delete" if dry_run else "deleted"
            print(f"{form_id}: {verb} {count} submission(s) older than {form.retention_days} days", file=sys.stderr)
    finally:
        store.close()
    return 0
