"""bench/search_roots.py and bench/search_cost.py (issue 26) run end to end.

No timing assertions: the cost benchmark only guards itself against rot, and
checks what loads when. The roots benchmark checks that the search's own root
extractor (words.js, run in Node) stays better on the site's words than the
ISRI stemmer it was ported from.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"


def test_roots_benchmark_compares_the_extractors_on_the_site_words(built_site, tmp_path):
    out = tmp_path / "roots.json"
    result = subprocess.run([sys.executable, str(BENCH / "search_roots.py"), "--index",
                             str(built_site / "search" / "index.json"), "--json", str(out)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    found = json.loads(out.read_text(encoding="utf-8"))
    assert set(found) == {"ours", "isri", "tashaphyne", "qalsadi", "stem only"}, result.stdout
    assert found["ours"]["words"] >= 700, result.stdout
    assert found["ours"]["search_errors"] < found["isri"]["search_errors"], result.stdout
    assert found["ours"]["root_errors"] < found["isri"]["root_errors"], result.stdout


def test_quick_cost_benchmark_reports_each_language_and_loads_the_index_on_the_first_query(built_site, require_browser):
    # The real content built once for the whole run (the session's built_site), not copied and built again.
    result = subprocess.run([sys.executable, str(BENCH / "search_cost.py"), "--quick", "--site", str(built_site)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    for lang in ("ar", "en"):
        row = re.search(rf"^\| real content, {lang} \| ([\d,]+) KB \(([\d,]+) KB\) \| ([\d.]+) s \| ([\d.]+) s "
                        rf"\| ([\d.]+) ms \(\d+\) \| ([\d.]+) ms \(\d+\) \|$", result.stdout, re.MULTILINE)
        assert row, result.stdout
        assert 0 < int(row.group(2).replace(",", "")) < int(row.group(1).replace(",", ""))
    assert ("The index is requested: before a query never; on the first query always; by other pages never."
            in result.stdout), result.stdout
