"""qalb-site: a bilingual (Arabic-first) static site and forms toolkit for charities."""
from __future__ import annotations

from pathlib import Path

#: The project folder: the one holding mkdocs.yml, content/, forms/ and templates/.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
