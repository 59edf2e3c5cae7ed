"""`python -m generator serve`: a live preview for staff.

MkDocs' own LiveReloadServer watches our sources (content/, forms/, templates/,
mkdocs.yml), runs our full build on each save and reloads open browser tabs.
A build with errors keeps the last good preview and prints every problem.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

from mkdocs.livereload import LiveReloadServer

from generator.core.problems import ContentError

from .build import build_site

WATCHED = ("content", "forms", "templates", "mkdocs.yml", "generator/locale")


def preview_dir(root: Path) -> Path:
    return root / ".build" / "preview"


def serve_preview(root: Path, *, host: str, port: int) -> int:
    site_dir = preview_dir(root)

    def rebuild() -> None:
        try:
            report = build_site(root, site_dir=site_dir, record_translations=False)
        except ContentError as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            print("Not rebuilt: fix the errors above and save again.", file=sys.stderr, flush=True)
            raise
        print(f"Rebuilt in {report.seconds:.2f} s", file=sys.stderr, flush=True)

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    try:
        rebuild()
    except ContentError:
        return 1
    server = LiveReloadServer(builder=rebuild, host=host, port=port, root=str(site_dir), polling_interval=0.25)
    for name in WATCHED:
        if (root / name).exists():
            server.watch(str(root / name))
    print(f"Preview on http://{host}:{port}/ (Ctrl+C to stop)", file=sys.stderr, flush=True)
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
    return 0
