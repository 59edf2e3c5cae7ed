#!/usr/bin/env python3
"""Lighthouse benchmark (issues 8, 24, 25): seven pages in both languages against our score targets.

Builds this checkout into a temporary folder (generator.site.build.build_site, as
`python -m generator build` does, without recording translations; or takes a
built site with --site DIR), serves it on 127.0.0.1 and runs Lighthouse, one
page at a time, with its default mobile preset (simulated slow 4G, 4x CPU):
home, service guide, FAQ, policy, the help-request form, its privacy notice
and the search page, Arabic (/) and English (/en/). Prints a table and, for every category under its target, the
audits that cost points.

    .venv/bin/python bench/lighthouse.py                 # 14 runs, about 3 minutes
    .venv/bin/python bench/lighthouse.py --quick         # Arabic home only (the test)
    .venv/bin/python bench/lighthouse.py --site site     # an already built site/

Lighthouse is pinned in bench/lighthouse/package-lock.json (12.2.3: the last
release for Node 20); it is installed there with `npm ci` on first use, never
globally. The browser is Debian's /usr/bin/chromium.

The server compresses text with gzip, as static hosts (nginx, Netlify, GitHub
Pages, S3 + CloudFront) do; --no-gzip serves files as they are (plain
`python -m http.server`), which costs the performance score on a slow network.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import gzip
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))
from common import REPO, load_note, machine

LH_DIR = REPO / "bench" / "lighthouse"
LH_BIN = LH_DIR / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-background-networking "
                "--disable-component-update --no-first-run")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
SHORT = {"performance": "perf", "accessibility": "a11y", "best-practices": "best-practices", "seo": "seo"}
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 95, "seo": 95}

# (name, path under the language root)
PAGES = (
    ("home", ""),
    ("services", "services/"),
    ("faq", "faq/"),
    ("policy", "policy/"),
    ("help-request", "forms/help-request/"),
    ("privacy", "forms/help-request/privacy/"),
    ("search", "search/"),  # before a query: search.js loads when a search begins
)
LANGUAGES = (("ar", ""), ("en", "en/"))
RUN_TIMEOUT = 90  # seconds for one Lighthouse run; a normal one takes 10-15 s
TOTAL_BUDGET = 420  # the whole benchmark must stay under 7 minutes


# --- serving ----------------------------------------------------------------

_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml",
                 "application/xml", "application/wasm")


class _Handler(http.server.SimpleHTTPRequestHandler):
    """http.server's static handler, quiet, with gzip for text when `gzip_text` is set."""

    gzip_text = True
    extensions_map: ClassVar[dict[str, str]] = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "application/javascript", ".mjs": "application/javascript",
                      ".wasm": "application/wasm", ".woff2": "font/woff2"}

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if not self.gzip_text or "gzip" not in self.headers.get("Accept-Encoding", ""):
            return super().do_GET()
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                return super().do_GET()  # the directory redirect
            path = path / "index.html"
        ctype = self.guess_type(str(path))
        if not path.is_file() or not ctype.startswith(_COMPRESSIBLE):
            return super().do_GET()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", ctype + ("; charset=utf-8" if ctype.startswith("text/") else ""))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def serve(site_dir: Path, *, gzip_text: bool) -> Iterator[str]:
    """Serve `site_dir` on 127.0.0.1 (a free port) in a thread, for as long as the block runs."""
    from generator.site.browser import serve_static

    with serve_static(site_dir, handler_class=type("Handler", (_Handler,), {"gzip_text": gzip_text})) as base:
        yield base


# --- setup ------------------------------------------------------------------

def ensure_lighthouse() -> str:
    """Install the pinned Lighthouse into bench/lighthouse/node_modules if missing; return its version."""
    if not (LH_DIR / "node_modules").exists():
        if not shutil.which("npm"):
            raise SystemExit("npm is missing: install Node.js 20 (apt-get install nodejs npm)")
        print("Installing Lighthouse: npm ci --prefix bench/lighthouse", flush=True)
        subprocess.run(["npm", "ci", "--prefix", str(LH_DIR), "--no-audit", "--no-fund", "--silent"],
                       check=True)
    if not LH_BIN.exists():
        raise SystemExit(f"{LH_BIN} is missing: delete bench/lighthouse/node_modules and run again")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: run `make setup-test` (apt-get install chromium)")
    return subprocess.run([str(LH_BIN), "--version"], capture_output=True, text=True, check=True).stdout.strip()


def chromium_version() -> str:
    result = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True)
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "?"


# The build the CLI runs, minus its bookkeeping: a benchmark must not record
# translations in content/translations.lock.yml (as the tests' built_site).
_BUILD = """
import sys
from pathlib import Path
from generator.site.build import build_site
from generator.core.problems import ContentError
try:
    build_site(Path(sys.argv[1]), site_dir=Path(sys.argv[2]), record_translations=False)
except ContentError as exc:
    sys.exit("\\n".join(map(str, exc.problems)))
"""


def build_site(out: Path) -> float:
    """Build the real project into `out` (a fresh process); return the seconds it took."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", _BUILD, str(REPO), str(out)],
                            cwd=REPO, capture_output=True, text=True,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    if result.returncode != 0:
        raise SystemExit(f"The build failed:\n{result.stderr[-4000:]}")
    return time.perf_counter() - started


# --- running Lighthouse -----------------------------------------------------

@dataclass
class Result:
    lang: str
    page: str
    url: str
    scores: dict[str, int] = field(default_factory=dict)  # category -> 0..100
    failing: dict[str, list[str]] = field(default_factory=dict)  # category -> audit lines
    metrics: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    error: str = ""

    @property
    def below(self) -> list[str]:
        return [c for c in CATEGORIES if self.scores.get(c, 0) < TARGETS[c]]


def run_lighthouse(url: str, report: Path, home: Path) -> dict:
    cmd = [str(LH_BIN), url, f"--chrome-path={CHROMIUM}", f"--chrome-flags={CHROME_FLAGS}",
           "--output=json", f"--output-path={report}", "--quiet",
           f"--only-categories={','.join(CATEGORIES)}"]
    # Chromium writes its profile under the XDG folders: keep them out of $HOME.
    env = {**os.environ, "XDG_CONFIG_HOME": str(home), "XDG_CACHE_HOME": str(home), "TMPDIR": str(home)}
    report.unlink(missing_ok=True)
    # Its own process group: on a timeout, Chromium (Lighthouse's child) goes too.
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        _kill_processes_using(home)
        raise RuntimeError(f"lighthouse took more than {RUN_TIMEOUT} s") from None
    except KeyboardInterrupt:
        os.killpg(proc.pid, signal.SIGKILL)
        _kill_processes_using(home)
        raise
    if proc.returncode != 0 or not report.exists():
        raise RuntimeError(f"lighthouse exited {proc.returncode}: {(err or out)[-2000:]}")
    return json.loads(report.read_text(encoding="utf-8"))


def _kill_processes_using(folder: Path) -> None:
    """Kill the Chromium that Lighthouse left behind: chrome-launcher starts it in
    its own session, so it survives its parent. Only processes whose command line
    names `folder` (this run's private temporary folder) are touched."""
    marker = str(folder).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker in (entry / "cmdline").read_bytes():
                os.kill(int(entry.name), signal.SIGKILL)
        except OSError:
            continue  # gone meanwhile, or not ours


def _audit_line(audit: dict) -> str:
    score = audit.get("score")
    text = f"{audit['id']} ({'-' if score is None else round(score * 100)})"
    if audit.get("displayValue"):
        text += f": {audit['displayValue']}"
    items = (audit.get("details") or {}).get("items") or []
    where = []
    for item in items[:3]:
        node = item.get("node") if isinstance(item, dict) else None
        if node and node.get("snippet"):
            where.append(node["snippet"][:90])
        elif isinstance(item, dict) and isinstance(item.get("url"), str):
            where.append(item["url"].rsplit("/", 1)[-1][:60] or item["url"][:60])
    if where:
        text += " [" + "; ".join(where) + (f"; +{len(items) - 3} more" if len(items) > 3 else "") + "]"
    return text


def failing_audits(report: dict, category: str) -> list[str]:
    """The audits that cost `category` points: scored ones under 100, and for
    performance also the weight-0 opportunities/diagnostics that estimate savings."""
    lines = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        score = audit.get("score")
        if audit.get("scoreDisplayMode") in ("notApplicable", "manual", "informative") or score is None:
            continue
        if ref["weight"] > 0 and score < (0.9 if category == "performance" else 1):
            lines.append(_audit_line(audit))
        elif category == "performance" and ref["weight"] == 0 and score < 0.9:
            savings = (audit.get("metricSavings") or {})
            details = audit.get("details") or {}
            if any(savings.values()) or details.get("overallSavingsMs") or details.get("overallSavingsBytes"):
                lines.append(_audit_line(audit))
    return lines


def measure_page(base: str, lang: str, name: str, path: str, work: Path, keep: Path | None) -> Result:
    url = base + dict(LANGUAGES)[lang] + path
    result = Result(lang, name, url)
    report_file = work / f"{lang}-{name}.json"
    if keep and (keep / report_file.name).exists():  # --repeat: number the copies
        report_file = work / f"{lang}-{name}-{len(list(keep.glob(f'{lang}-{name}*.json'))) + 1}.json"
    started = time.perf_counter()
    try:
        report = run_lighthouse(url, report_file, work / "chromium-home")
    except (RuntimeError, json.JSONDecodeError) as exc:
        result.error = str(exc)
        result.seconds = time.perf_counter() - started
        return result
    result.seconds = time.perf_counter() - started
    if report.get("runtimeError"):
        result.error = f"{report['runtimeError'].get('code')}: {report['runtimeError'].get('message')}"
    for category in CATEGORIES:
        score = report["categories"][category]["score"]
        result.scores[category] = -1 if score is None else round(score * 100)
        if result.scores[category] < TARGETS[category]:
            result.failing[category] = failing_audits(report, category)
    for metric in ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
                   "cumulative-layout-shift", "speed-index"):
        result.metrics[metric] = report["audits"][metric].get("displayValue", "?")
    result.metrics["benchmarkIndex"] = str(round(report.get("environment", {}).get("benchmarkIndex", 0)))
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copy2(report_file, keep / report_file.name)
    return result


# --- output -----------------------------------------------------------------

def table(results: list[Result]) -> str:
    head = ["page", *(f"{SHORT[c]} (≥{TARGETS[c]})" if TARGETS[c] < 100 else f"{SHORT[c]} (={TARGETS[c]})"
                      for c in CATEGORIES), "FCP", "LCP", "TBT", "CLS", "CPU index"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        page = f"{r.lang} {r.page}"
        if r.error and not r.scores:
            lines.append(f"| {page} | " + " | ".join(["error"] * (len(head) - 1)) + " |")
            continue
        cells = [f"**{r.scores[c]}**" if r.scores[c] < TARGETS[c] else str(r.scores[c]) for c in CATEGORIES]
        metrics = [r.metrics.get(m, "?") for m in ("first-contentful-paint", "largest-contentful-paint",
                                                  "total-blocking-time", "cumulative-layout-shift",
                                                  "benchmarkIndex")]
        lines.append(f"| {page} | " + " | ".join(cells + metrics) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one page: the Arabic home page (for the tests)")
    parser.add_argument("--site", type=Path, help="use this built site instead of building one")
    parser.add_argument("--page", action="append", metavar="LANG/NAME",
                        help="only this page, e.g. en/faq (names: " + ", ".join(n for n, _ in PAGES) + "); repeatable")
    parser.add_argument("--repeat", type=int, default=1, help="run each page this many times (default 1)")
    parser.add_argument("--no-gzip", action="store_true", help="serve files uncompressed (plain http.server)")
    parser.add_argument("--keep-reports", type=Path, metavar="DIR", help="copy every Lighthouse JSON report here")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    version = ensure_lighthouse()
    info = machine()
    print(f"Date: {datetime.date.today().isoformat()}")
    print(f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram']} RAM, {info['os']}, "
          f"Python {info['python']}")
    print(f"Lighthouse {version} (mobile preset, simulated throttling), {chromium_version()}, "
          f"Node {subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}")
    print(f"Command: {' '.join([os.path.relpath(sys.executable, REPO), 'bench/lighthouse.py', *(sys.argv[1:] if argv is None else argv)])}")
    print(f"Served by Python http.server on 127.0.0.1, {'no compression' if args.no_gzip else 'text gzipped'}")
    print(f"At start: {load_note()}", flush=True)

    pages = [("ar", "home", "")] if args.quick else [(lang, n, p) for lang, _ in LANGUAGES for n, p in PAGES]
    if args.page:
        unknown = set(args.page) - {f"{lang}/{n}" for lang, n, _ in pages}
        if unknown:
            parser.error(f"unknown page(s): {', '.join(sorted(unknown))}")
        pages = [(lang, n, p) for lang, n, p in pages if f"{lang}/{n}" in args.page]
    pages = [page for page in pages for _ in range(args.repeat)]
    with tempfile.TemporaryDirectory(prefix="qalb-lighthouse-") as tmp:
        work = Path(tmp)
        (work / "chromium-home").mkdir()
        if args.site:
            site = args.site.resolve()
            if not (site / "index.html").exists():
                raise SystemExit(f"{site} holds no index.html: build it first")
            print(f"Site: {site} (as built)")
        else:
            site = work / "site"
            print(f"Site: built from this checkout into a temporary folder in {build_site(site):.1f} s")
        results: list[Result] = []
        with serve(site, gzip_text=not args.no_gzip) as base:
            for lang, name, path in pages:
                if time.perf_counter() - started > TOTAL_BUDGET - RUN_TIMEOUT:
                    print(f"Stopping: the {TOTAL_BUDGET} s budget would be exceeded", file=sys.stderr)
                    break
                result = measure_page(base, lang, name, path, work, args.keep_reports)
                results.append(result)
                state = result.error or " ".join(f"{SHORT[c]} {result.scores[c]}" for c in CATEGORIES)
                print(f"  {lang} {name}: {state} ({result.seconds:.1f} s)", flush=True)

    print()
    print(table(results))
    print("(FCP..CLS: Lighthouse's simulated mobile values. CPU index: its benchmarkIndex of this machine "
          "during the run; lower means a busier or slower CPU, and a higher TBT.)")
    below = [r for r in results if r.scores and r.below]
    if below:
        print("\nUnder target (audits that cost points):")
        for r in below:
            for category in r.below:
                print(f"- {r.lang} {r.page}, {SHORT[category]} {r.scores[category]}:")
                for line in r.failing.get(category) or ["(no single audit: the score is a weighted mix)"]:
                    print(f"    {line}")
    errors = [r for r in results if r.error]
    for r in errors:
        print(f"\nERROR {r.lang} {r.page} ({r.url}): {r.error}", file=sys.stderr)
    met = len(results) - len(below) - len([r for r in errors if not r.scores])
    print(f"\n{met}/{len(pages)} pages meet every target "
          f"(perf ≥ {TARGETS['performance']}, a11y = {TARGETS['accessibility']}, "
          f"best practices ≥ {TARGETS['best-practices']}, SEO ≥ {TARGETS['seo']}). "
          f"Total {time.perf_counter() - started:.0f} s; at end: {load_note()}")
    return 1 if errors or len(results) < len(pages) else 0


if __name__ == "__main__":
    sys.exit(main())
