"""bench/build.py --quick runs end to end: both tools build the same synthetic pages.

No timing assertions: this only guards the benchmark itself against rot.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "build.py"


@pytest.mark.skipif(not os.path.exists("/usr/bin/hugo") and os.geteuid() != 0,
                    reason="Hugo is missing and the benchmark can only install it as root")
def test_quick_build_benchmark_prints_ratios():
    result = subprocess.run([sys.executable, str(BENCH), "--quick"], check=False, capture_output=True,
                            text=True, timeout=120, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    line = re.search(r"^N=5 .*wall ours ([\d.]+) s, hugo ([\d.]+) s, ratio ours/hugo ([\d.]+)x.*$", out, re.MULTILINE)
    assert line, out
    assert float(line.group(1)) > 0 and float(line.group(2)) > 0
    pages = re.search(r"pages ours (\d+), hugo (\d+)", line.group(0))
    assert pages and pages.group(1) == pages.group(2), line.group(0)  # the same pages on both sides
    assert re.search(r"^Real content, cold build .*: [\d.]+ s", out, re.MULTILINE), out
