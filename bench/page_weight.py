#!/usr/bin/env python3
"""Page weight (issue 25): every built page's first view, by kind, gzip and Brotli.

A first view is what the browser fetches for a page with an empty cache until
the network is idle (tests/support/weight.py: Debian's chromium, its own network
log). Text is counted compressed as a static host sends it: gzip level 6 (the
budget of tests/site/test_page_weight.py) and, beside it, Brotli quality 11 (what a
host with Brotli would send); fonts and images count as they are.

    .venv/bin/python bench/page_weight.py                  # builds this checkout into a temporary folder
    .venv/bin/python bench/page_weight.py --site site      # an already built site/
    .venv/bin/python bench/page_weight.py --markdown       # a table for docs/benchmarks.md
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

from generator.site.browser import launch_chromium, serve_static
from tests.support.weight import KINDS, measure_many, page_paths

BUDGET_KB = 100


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="use this built site instead of building one")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="qalb-weight-") as tmp:
        site = args.site.resolve() if args.site else _build(Path(tmp) / "site")
        with serve_static(site) as base, launch_chromium() as browser:
            paths = page_paths(site)
            rows = list(zip(paths, measure_many(browser, [base + path for path in paths])))
            # After the first view: what a first search adds (search.js, MiniSearch, stemmer, index).
            queries = ("search/?q=help", "en/search/?q=help")
            searches = list(zip(queries, measure_many(browser, [base + path for path in queries])))
    over = [path for path, weight in rows if weight.total > BUDGET_KB * 1024]
    if args.markdown:
        print("| page | " + " | ".join(KINDS) + " | total gzip | total Brotli |")
        print("|---|" + "---:|" * (len(KINDS) + 2))
    for path, weight in rows:
        kinds = weight.by_kind
        if args.markdown:
            cells = [f"{kinds[k] / 1024:.1f}" for k in KINDS]
            print(f"| /{path} | " + " | ".join(cells) + f" | **{weight.total / 1024:.1f}** | {weight.total_brotli / 1024:.1f} |")
        else:
            parts = ", ".join(f"{k} {kinds[k] / 1024:.1f}" for k in KINDS if kinds[k])
            print(f"/{path}: {weight.total / 1024:.1f} KB gzip ({parts}); {weight.total_brotli / 1024:.1f} KB Brotli")
    print("\nA search page opened with a query (not a first view: the search code and index load with it):")
    for path, weight in searches:
        kinds = weight.by_kind
        parts = ", ".join(f"{k} {kinds[k] / 1024:.1f}" for k in KINDS if kinds[k])
        print(f"/{path}: {weight.total / 1024:.1f} KB gzip ({parts}); {weight.total_brotli / 1024:.1f} KB Brotli")
    print(f"\n{len(rows) - len(over)}/{len(rows)} pages at most {BUDGET_KB} KB (gzip, fonts included, empty cache)"
          + (f"; over: {', '.join('/' + p for p in over)}" if over else ""))
    return 1 if over else 0


def _build(out: Path) -> Path:
    from generator import PROJECT_ROOT
    from generator.site.build import build_site

    build_site(PROJECT_ROOT, site_dir=out, record_translations=False)
    return out


if __name__ == "__main__":
    sys.exit(main())
