"""Screenshots the browser tests take for a person to look at, never compared by a test.

Taken only when QALB_TEST_SCREENSHOTS=1 (`QALB_TEST_SCREENSHOTS=1 make test`): each costs a
render and a PNG encode (a full page at 1280 px takes a few tenths of a second), and no
assertion reads them.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

WANTED = os.environ.get("QALB_TEST_SCREENSHOTS") == "1"


def screenshot(target: Any, path: Path | str, **options: Any) -> None:
    """`target.screenshot(path=path, **options)` (a Playwright page or locator) when wanted."""
    if WANTED:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        target.screenshot(path=str(path), **options)
