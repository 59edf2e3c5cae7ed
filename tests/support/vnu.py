"""The Nu HTML checker (vnu) for tests: every error in a set of pages, one line each.

vnu is the `vnu-jar` npm package (package.json), run by Debian's Java
(`default-jre-headless`, installed by `make setup-test`). One Java start checks
every file given, so callers collect their pages and check them together.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from generator import PROJECT_ROOT

VNU_JAR = PROJECT_ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# A short run: Java's quick compiler only (C1) halves vnu's CPU time here (3.5 s -> 1.6 s for
# the built site); its larger frames need the bigger thread stack vnu itself asks for (-Xss).
JAVA_OPTIONS = ("-XX:TieredStopAtLevel=1", "-Xss8m")


def require_vnu() -> str:
    """The java command; skips the test when vnu or Java is missing (fails under QALB_REQUIRE_BROWSER, as CI sets)."""
    java = shutil.which("java")
    missing = None
    if not VNU_JAR.exists():
        missing = f"{VNU_JAR} is missing (npm ci; `make setup-test` does it)"
    elif not java:
        missing = "java is not installed (apt-get install default-jre-headless; `make setup-test` does it)"
    if missing:
        if os.environ.get("QALB_REQUIRE_BROWSER"):
            pytest.fail(f"QALB_REQUIRE_BROWSER is set but {missing}", pytrace=False)
        pytest.skip(missing)
    return java


def vnu_errors(files: list[Path], *, names: dict[Path, str] | None = None) -> list[str]:
    """Every error vnu reports in `files`, as `name:line:column: message` (warnings left out)."""
    java = require_vnu()
    result = subprocess.run([java, *JAVA_OPTIONS, "-jar", str(VNU_JAR), "--format", "json", "--stdout", *map(str, files)],
                            capture_output=True, text=True, timeout=300)
    try:
        messages = json.loads(result.stdout)["messages"]
    except (ValueError, KeyError):
        raise AssertionError(f"vnu gave no JSON report (exit {result.returncode}): {result.stderr[-2000:]}") from None
    names = {Path(k).resolve().as_uri(): v for k, v in (names or {}).items()}
    errors = []
    for message in messages:
        if message.get("type") == "info":
            continue  # warnings and notes: not errors
        where = names.get(message.get("url", ""), message.get("url", "?"))
        errors.append(f"{where}:{message.get('lastLine', '?')}:{message.get('firstColumn', '?')}: "
                      f"{message.get('type')}: {message.get('message')}")
    return errors


def vnu_errors_in_html(pages: dict[str, str]) -> list[str]:
    """As vnu_errors, for HTML held in memory: {name (a URL, say): html}."""
    with tempfile.TemporaryDirectory(prefix="qalb-vnu-") as tmp:
        names = {}
        for n, (name, html) in enumerate(pages.items()):
            path = Path(tmp) / f"page-{n}.html"
            path.write_text(html, encoding="utf-8")
            names[path] = name
        return vnu_errors(list(names), names=names)
