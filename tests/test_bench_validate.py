"""bench/validate.py --quick runs end to end: three ways to check a row, agreeing, with their cost.

No timing assertions: this only guards the benchmark itself against rot.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "validate.py"
US = r"([\d,]+\.\d) µs/row"


def test_quick_validation_benchmark_reports_three_costs():
    result = subprocess.run([sys.executable, str(BENCH), "--quick"], check=False, capture_output=True,
                            text=True, encoding="utf-8", timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for label in (r"\(1\) ours, read_submission\(form, answers\)",
                  r"\(2\) frictionless Resource\(data=\[header, row\], schema\)\.validate\(\) per row",
                  r"\(3\) frictionless cell readers built once"):
        line = re.search(rf"^{label}.*?: {US}", out, re.MULTILINE)
        assert line, f"missing {label} in:\n{out}"
        assert float(line.group(1).replace(",", "")) > 0
    assert re.search(r"^Ratio \(2\)/\(1\), .*: [\d,]+x$", out, re.MULTILINE), out
    assert re.search(r"^Ratio \(1\)/\(3\), .*: [\d.]+x ", out, re.MULTILINE), out
    assert re.search(r"^Agreement: all three judge every checked row valid", out, re.MULTILINE), out
    assert re.search(r"^Target ours <= 30 µs/row: [\d,.]+ µs -> (PASS|MISS)$", out, re.MULTILINE), out
