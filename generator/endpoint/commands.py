"""What `python -m generator endpoint | run` do (cli.py only parses): the public
submission endpoint, with the built site beside it for `run`.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Mapping

from starlette.types import ASGIApp

from generator.core.config import EndpointSettings, NotifySettings, read_settings
from generator.forms import Form
from generator.forms.loading import load_forms_or_report
from generator.submissions.notices import OutboxPlanner
from generator.submissions.secure_store import open_or_report
from generator.submissions.store import Store

#: `beside(app, store, forms)`: the app wrapped with others on the same store, or None.
Beside = Callable[[ASGIApp, Store, Mapping[str, Form]], ASGIApp | None]


def serve(root: Path, *, host: str, port: int, serve_site: bool, beside: Beside | None = None) -> int:
    """The endpoint (and with `serve_site` the built site) in one uvicorn process.
    On a fresh machine the keys are created here (said on stderr); a database whose
    rows the keys cannot read stops the start."""
    from generator.web.server import run

    built = build_app(root, serve_site=serve_site, beside=beside)
    if built is None:
        return 1
    app, settings = built
    run(app, host=host, port=port, forwarded_allow_ips=settings.forwarded_allow_ips, hsts=settings.hsts)
    return 0


def build_app(root: Path, *, serve_site: bool, beside: Beside | None = None) -> tuple[ASGIApp, EndpointSettings] | None:
    """The app `serve` runs, and its settings; None after saying on stderr why it cannot start.
    The store is opened here with the one outbox planner of the process (the forms' webhooks,
    e-mail when QALB_SMTP_URL is set). `beside(app, store, forms)` may wrap the app with others
    on that store (cli.py: the staff workspace for `run`), which attach nothing to it; it
    returns None when they cannot start."""
    from .app import create_app

    settings, forms = read_settings(EndpointSettings, root), load_forms_or_report(root)
    notify = read_settings(NotifySettings, root)
    if settings is None or forms is None or notify is None:
        return None
    if serve_site and not (settings.site_dir / "index.html").is_file():
        print(f"warning: no built site in {settings.site_dir}; run `python -m generator build` "
              "(or `make serve`) to build it. Serving the endpoint only.", file=sys.stderr)
    planner = OutboxPlanner.if_needed(forms, email=notify.enabled)
    store = open_or_report(settings, forms, planner=planner, create_keys=True, encrypt_old_rows=True)
    if store is None:
        print("The endpoint did not start.", file=sys.stderr)
        return None
    if notify.smtp is not None:
        print(f"E-mail notifications are on: sent through {notify.smtp.host}:{notify.smtp.port} "
              f"({notify.smtp.security}) from {notify.mail_from[1]}.", file=sys.stderr)
    app: ASGIApp = create_app(settings=settings, forms=forms, store=store, serve_site=serve_site, notify=notify)
    if beside is not None:
        wrapped = beside(app, store, forms)
        if wrapped is None:
            store.close()
            return None
        app = wrapped
    return app, settings
