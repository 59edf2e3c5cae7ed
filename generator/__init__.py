"""qalb-site: a bilingual (Arabic-first) static site and forms toolkit for charities.

One package per part; imports run one way (core <- forms <- site; core <- forms
<- submissions <- the web apps), and tests/test_layout.py checks each
package's "May import:" line:

  core/         languages, i18n, problems, YAML with lines, organisation settings
  forms/        form files: model, loading and checking, reading posts, rendering
  site/         building the public static site (content, pages, MkDocs, search)
  submissions/  storing and handling submissions (db/, keys, export, subject requests)
  web/          what every web app shares (server, security headers, rate limits)
  notify/       e-mail notifications: building and sending what the outbox holds
  endpoint/     the public submission app
  cli.py        the `python -m generator` commands: the only module that imports everything

This module holds only PROJECT_ROOT, which any module may import.
"""
from __future__ import annotations

from pathlib import Path

#: The project folder: the one holding mkdocs.yml, content/, forms/ and templates/.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
