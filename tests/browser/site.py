"""What the browser tests share: the list of built pages, opening one, running axe."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator import PROJECT_ROOT
from generator.core.i18n import LANGUAGES, language

AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
# The WCAG 2.0/2.1/2.2 A and AA rules, and axe's best practices (issue 24: a
# role on a <label>, landmarks, one main heading... what Lighthouse also checks).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@dataclass(frozen=True)
class SitePage:
    lang: str  # "ar" or "en"
    path: str  # inside the language: "", "policy/", "404.html"

    @property
    def url_path(self) -> str:
        return language(self.lang).prefix + self.path

    @property
    def is_404(self) -> bool:
        return self.path == "404.html"

    @property
    def direction(self) -> str:
        return language(self.lang).direction

    def twin(self) -> SitePage:
        """The same page in the other language."""
        other = next(lang.code for lang in LANGUAGES if lang.code != self.lang)
        return SitePage(other, self.path)

    def __str__(self) -> str:
        return "/" + self.url_path


def site_pages(site_dir: Path) -> list[SitePage]:
    found = []
    english = language("en").prefix.rstrip("/")
    for html in sorted(site_dir.rglob("*.html")):
        if html.name not in ("index.html", "404.html"):
            continue
        rel = html.relative_to(site_dir).as_posix()
        lang = "ar"
        if rel == english or rel.startswith(english + "/"):
            lang, rel = "en", rel[len(english) + 1:]
        path = "" if rel == "index.html" else rel.removesuffix("index.html")
        found.append(SitePage(lang, path))
    return found


def visit(tab, url: str) -> None:
    """Open a page and wait until it is drawn: fonts loaded, the search UI built."""
    tab.goto(url, wait_until="load")
    if "/search/" in url:
        tab.wait_for_function("() => window.qalbSearch !== undefined")
        if "?q=" in url:  # results, or the links offered when there are none
            tab.wait_for_selector(".qalb-search__link, .qalb-search__none:not([hidden])")
    tab.evaluate("() => document.fonts.ready.then(() => true)")


def settle(tab) -> None:
    """Wait for running CSS transitions (a sliding drawer) to end."""
    tab.evaluate("() => Promise.allSettled(document.getAnimations().map(a => a.finished)).then(() => true)")


# axe judges the page as a person sees it once drawn: loaded (a click that posts a form returns
# once the next page has started loading, its styles perhaps not yet in), fonts in, and
# transitions that end (Material fades its header title in) ended, or it may measure a colour
# half-way or a link before its padding.
_RUN_AXE = """async (tags) => {
  if (document.readyState !== 'complete') await new Promise(done => addEventListener('load', done, {once: true}));
  await document.fonts.ready;
  const ending = document.getAnimations().filter(a => a.effect && isFinite(a.effect.getComputedTiming().endTime));
  await Promise.allSettled(ending.map(a => a.finished));
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary || ''})),
  }));
}"""


class AxeReady:
    """A launched chromium whose every new context starts each page with axe-core loaded: an
    init script, compiled by chromium as the page starts, instead of 500 KB sent through
    Playwright's pipe in a <script> tag for each page checked (~0.1 s a page). axe does nothing
    until axe.run; it only defines `window.axe`."""

    def __init__(self, browser) -> None:
        self.browser = browser

    def new_context(self, **options):
        context = self.browser.new_context(**options)
        context.add_init_script(path=str(AXE))
        return context

    def __getattr__(self, name: str):
        return getattr(self.browser, name)


def axe_violations(tab) -> list[dict]:
    """axe-core on the open page, with the WCAG 2.0/2.1/2.2 A and AA rules and the best practices."""
    if not tab.evaluate("() => typeof axe !== 'undefined'"):
        try:
            tab.add_script_tag(path=str(AXE))
        except Exception as exc:
            # Pages the endpoint renders carry a Content-Security-Policy that
            # (rightly) blocks injected <script> tags; evaluating the same file
            # through the DevTools protocol is not subject to it.
            if "Content Security Policy" not in str(exc):
                raise
            tab.evaluate(AXE.read_text(encoding="utf-8"))
    return tab.evaluate(_RUN_AXE, AXE_TAGS)


def describe_violations(url: str, violations: list[dict]) -> list[str]:
    lines = []
    for v in violations:
        for node in v["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(f"{url}: [{v['impact']}] {v['id']} ({v['help']}) at {node['target']}: {summary}")
    return lines


# Where the keyboard focus is and whether a person can see it: an indicator
# (outline or box shadow), at least part of the element inside the viewport, no
# ancestor hiding it, nothing covering the centre of its visible part (WCAG
# 2.4.7 and 2.4.11). None when nothing in the page has the focus.
FOCUSED = r"""async () => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const name = (e) => `<${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : ''}> "${(e.textContent || e.getAttribute('aria-label') || '').replace(/\s+/g, ' ').trim().slice(0, 40)}"`;
  const s = getComputedStyle(el);
  const indicator = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
  let hiddenBy = null;
  for (let a = el; a; a = a.parentElement) {
    const cs = getComputedStyle(a);
    if (cs.opacity === '0' || cs.visibility !== 'visible') { hiddenBy = name(a); break; }
  }
  // Scripts that react to scrolling (Material sizes its sidebars) run on the next frames.
  if (window.scrollY !== window.qalbLastScrollY) {
    window.qalbLastScrollY = window.scrollY;
    await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  }
  const r = el.getBoundingClientRect();
  // The part inside the viewport must exist and its centre must not be covered
  // (WCAG 2.4.11: focus not entirely hidden).
  const left = Math.max(r.left, 0), right = Math.min(r.right, innerWidth);
  const top = Math.max(r.top, 0), bottom = Math.min(r.bottom, innerHeight);
  const inView = right - left >= 1 && bottom - top >= 1;
  const x = (left + right) / 2, y = (top + bottom) / 2;
  const hit = inView ? document.elementFromPoint(x, y) : null;
  const covered = inView && hit && !el.contains(hit) && !hit.contains(el) ? name(hit) : null;
  return {name: name(el), target: el.dataset.qalbTarget ?? null, indicator, hiddenBy, inView,
          rect: [r.left, r.top, r.width, r.height].map(Math.round), covered};
}"""

# Transitions off: each focus stop is measured where it ends up (a drawer slid
# in), without waiting a quarter of a second for every slide.
NO_TRANSITIONS = "*, *::before, *::after { transition: none !important; animation: none !important; }"


def focus_problems(where: str, stop: dict) -> list[str]:
    """What is wrong with one focus stop (a FOCUSED result), each line starting with `where`."""
    where = f"{where}: focus on {stop['name']} at {stop['rect']}"
    problems = []
    if not stop["indicator"]:
        problems.append(f"{where}: no focus indicator (outline and box-shadow are none)")
    if stop["hiddenBy"]:
        problems.append(f"{where}: hidden by {stop['hiddenBy']}")
    elif not stop["inView"]:
        problems.append(f"{where}: outside the viewport")
    elif stop["covered"]:
        problems.append(f"{where}: covered by {stop['covered']}")
    return problems
