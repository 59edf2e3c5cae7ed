"""`python -m generator screenshots` writes a PNG per language and viewport (kept cheap: one page)."""
from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

from generator import PROJECT_ROOT
from generator.site.screenshots import VIEWPORTS


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def test_screenshots_command_writes_each_language_and_viewport(browser, built_site, tmp_path):
    # The command reads <root>/site: the built site's parent folder is a root for it.
    out = tmp_path / "shots"
    result = subprocess.run(
        [sys.executable, "-m", "generator", "--root", str(built_site.parent), "screenshots",
         "--out", str(out), "--page", "policy/", "--viewport-only"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    expected = {f"{lang}-policy-{name}.png": size for lang in ("ar", "en") for name, size in VIEWPORTS.items()}
    assert sorted(p.name for p in out.iterdir()) == sorted(expected)
    for name, size in expected.items():
        assert png_size(out / name) == size, name
