"""What `python -m generator endpoint | run` do (cli.py only parses): the public
submission endpoint, with the built site beside it for `run`.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from generator.core.config import EndpointSettings, NotifySettings, read_settings
from generator.forms.loading import load_forms_or_report
from generator.submissions.secure_store import open_or_report


def serve(root: Path, *, host: str, port: int, serve_site: bool, beside: Any = None) -> int:
    """The endpoint (and with `serve_site` the built site) in one uvicorn process.
    On a fresh machine the keys are created here (said on stderr); a database whose
    rows the keys cannot read stops the start. `beside(app, store, forms)` may wrap
    the app with others on the same store (cli.py: the staff workspace for `run`);
    it returns None when they cannot start."""
    from generator.web.server import run

    from .app import create_app

    settings, forms = read_settings(EndpointSettings, root), load_forms_or_report(root)
    notify = read_settings(NotifySettings, root)
    if settings is None or forms is None or notify is None:
        return 1
    if serve_site and not (settings.site_dir / "index.html").is_file():
        print(f"warning: no built site in {settings.site_dir}; run `python -m generator build` "
              "(or `make serve`) to build it. Serving the endpoint only.", file=sys.stderr)
    store = open_or_report(settings, forms, create_keys=True, encrypt_old_rows=True)
    if store is None:
        print("The endpoint did not start.", file=sys.stderr)
        return 1
    if notify.smtp is not None:
        print(f"E-mail notifications are on: sent through {notify.smtp.host}:{notify.smtp.port} "
              f"({notify.smtp.security}) from {notify.mail_from[1]}.", file=sys.stderr)
    app = create_app(settings=settings, forms=forms, store=store, serve_site=serve_site, notify=notify)
    if beside is not None and (app := beside(app, store, forms)) is None:
        return 1
    run(app, host=host, port=port, forwarded_allow_ips=settings.forwarded_allow_ips)
    return 0


