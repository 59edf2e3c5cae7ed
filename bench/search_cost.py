"""What the in-browser search costs a visitor: index size, when it loads, first results and each query.

For the real content and for synthetic content of N items a page (bench/build.py
makes it), each language's search page is opened in headless Chromium from a
local server (no network throttling), on a desktop CPU and phone-like (Chromium's
4x CPU slowdown, CDP Emulation.setCPUThrottlingRate). It measures:

- index: search/index.json in bytes and gzip -9 (what a server sending gzip sends);
- loads: whether the page requests the index before a query (it should not) and
  on the first query;
- first results: the search page opened with ?q=QUERY, from navigation start
  until the first result shows: download, indexing and the query (median of
  --runs runs, each in a fresh browser context, so nothing is cached);
- a query: then, with the index built, each query of tests/site/search_queries.yaml
  in that language (`window.qalbSearch`, the ranking the page shows), timed
  one by one: median and slowest.

    .venv/bin/python bench/search_cost.py [--sizes 1000] [--runs 3] [--quick] [--site DIR] [--json FILE]
"""
from __future__ import annotations

import argparse
import gzip
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build import generator_env, ours_cmd, synthetic_project
from common import REPO, copy_project, load_note, machine

sys.path.insert(0, str(REPO))
import yaml

from generator.site.browser import launch_chromium, serve_static

LANGS = {"ar": ("", "المساعدة"), "en": ("en/", "help")}  # prefix, the query opened with ?q=
PHONE_SLOWDOWN = 4
QUERIES = yaml.safe_load((REPO / "tests" / "site" / "search_queries.yaml").read_text(encoding="utf-8"))
TIME_QUERY = """async (query) => {
  const started = performance.now();
  await window.qalbSearch(query);
  return performance.now() - started;
}"""


def build(project: Path, out: Path) -> None:
    subprocess.run(ours_cmd(project, out), env=generator_env(), check=True, capture_output=True)


def new_page(browser, slowdown: int):
    context = browser.new_context()
    page = context.new_page()
    if slowdown > 1:
        context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
    return context, page


def loads(browser, base: str, prefix: str, query: str) -> dict[str, bool]:
    """Whether the index is requested before a query, and on the first one typed."""
    context, page = new_page(browser, 1)
    try:
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{base}{prefix}search/", wait_until="networkidle")
        before = any(url.endswith("/search/index.json") for url in requested)
        # As a person does: a tap in the box (search-later.js loads the search then), then the words.
        page.click("#qalb-search-input")
        page.fill("#qalb-search-input", query)
        page.wait_for_selector(".qalb-search__link", timeout=120_000)
        on_query = any(url.endswith("/search/index.json") for url in requested)
        other_pages = []
        for path in ("", "faq/"):  # pages other than search
            requested.clear()
            page.goto(f"{base}{prefix}{path}", wait_until="networkidle")
            other_pages.append(any("/search/" in url or "minisearch" in url for url in requested))
        return {"before_query": before, "on_first_query": on_query, "on_other_pages": any(other_pages)}
    finally:
        context.close()


def first_results(browser, base: str, prefix: str, query: str, slowdown: int) -> float:
    context, page = new_page(browser, slowdown)
    try:
        page.goto(f"{base}{prefix}search/?q={query}")
        page.wait_for_selector(".qalb-search__link", timeout=300_000)
        return page.evaluate("() => performance.now()") / 1000
    finally:
        context.close()


def query_times(browser, base: str, prefix: str, lang: str, slowdown: int) -> list[float]:
    context, page = new_page(browser, slowdown)
    try:
        page.goto(f"{base}{prefix}search/")
        page.wait_for_function("() => window.qalbSearch !== undefined")
        page.evaluate("(q) => window.qalbSearch(q)", LANGS[lang][1])  # download and index first
        return [page.evaluate(TIME_QUERY, case["query"]) for case in QUERIES[lang]]
    finally:
        context.close()


def measure(site: Path, runs: int) -> dict:
    out = {}
    with serve_static(site) as base, launch_chromium() as browser:
        for lang, (prefix, query) in LANGS.items():
            index = (site / prefix / "search" / "index.json").read_bytes()
            row = {"bytes": len(index), "gzip_bytes": len(gzip.compress(index, 9)),
                   "loads": loads(browser, base, prefix, query)}
            for name, slowdown in (("desktop", 1), ("phone", PHONE_SLOWDOWN)):
                firsts = [first_results(browser, base, prefix, query, slowdown) for _ in range(runs)]
                times = query_times(browser, base, prefix, lang, slowdown)
                row[name] = {"first_results_s": statistics.median(firsts), "first_results_all": firsts,
                             "query_ms_median": statistics.median(times), "query_ms_max": max(times),
                             "queries": len(times)}
            out[lang] = row
    return out


def print_rows(label: str, result: dict) -> None:
    for lang, row in result.items():
        d, p = row["desktop"], row["phone"]
        print(f"| {label}, {lang} | {row['bytes'] / 1024:,.0f} KB ({row['gzip_bytes'] / 1024:,.0f} KB) "
              f"| {d['first_results_s']:.2f} s | {p['first_results_s']:.2f} s "
              f"| {d['query_ms_median']:.1f} ms ({d['query_ms_max']:.0f}) "
              f"| {p['query_ms_median']:.1f} ms ({p['query_ms_max']:.0f}) |", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000], help="N items a page (default 1000)")
    parser.add_argument("--runs", type=int, default=3, help="first-results runs, median shown (default 3)")
    parser.add_argument("--quick", action="store_true", help="real content only, one run (for the tests)")
    parser.add_argument("--site", type=Path, help="the real content already built here (not copied and built again)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    sizes, runs = ([], 1) if args.quick else (args.sizes, args.runs)
    info = machine()
    print(f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram']} RAM, {info['os']}; at start: {load_note()}")
    print(f"Command: {' '.join(['bench/search_cost.py', *(argv if argv is not None else sys.argv[1:])])}")
    print("| site | index.json (gzip -9) | first results, desktop | first results, phone-like "
          "| a query, desktop: median (slowest) | a query, phone-like: median (slowest) |")
    print("|---|---:|---:|---:|---:|---:|")
    tmp = Path(tempfile.mkdtemp(prefix="qalb-bench-search-"))
    results = {}
    try:
        for label, n in [("real content", None), *((f"N={n}", n) for n in sizes)]:
            if n is None and args.site:
                results[label] = measure(args.site.resolve(), runs)
                print_rows(label, results[label])
                continue
            project = (copy_project(tmp / f"{label}-project") if n is None
                       else synthetic_project(tmp / f"n{n}-project", n))
            site = tmp / f"{label}-site"
            build(project, site)
            results[label] = measure(site, runs)
            print_rows(label, results[label])
            shutil.rmtree(project, ignore_errors=True)
            shutil.rmtree(site, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    loads_ = {f"{label}, {lang}": row["loads"] for label, result in results.items() for lang, row in result.items()}
    print("The index is requested: before a query "
          f"{'never' if not any(v['before_query'] for v in loads_.values()) else 'SOMETIMES'}; on the first query "
          f"{'always' if all(v['on_first_query'] for v in loads_.values()) else 'NOT ALWAYS'}; by other pages "
          f"{'never' if not any(v['on_other_pages'] for v in loads_.values()) else 'SOMETIMES'}.")
    print(f"At end: {load_note()}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
