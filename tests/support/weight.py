"""Page weight: what a first visit to a page costs, as a static host would serve it.

Measured from the browser's own network log (every response the page loaded,
with the cache empty), text compressed with gzip as static hosts do; fonts
and images are already compressed and count as they are.
"""
from __future__ import annotations

import functools
import gzip
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml",
              "application/wasm", "application/octet-stream")


@dataclass
class PageWeight:
    url: str
    transfers: dict[str, int] = field(default_factory=dict)  # url -> bytes on the wire
    foreign: list[str] = field(default_factory=list)  # requests to any other host
    kinds: dict[str, str] = field(default_factory=dict)  # url -> html, css, js, font, other
    bodies: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # url -> (body, content type)

    @property
    def brotli(self) -> dict[str, int]:
        """url -> bytes if the host sent Brotli (worked out when asked: Brotli at quality 11 is slow)."""
        return {url: brotli_size(body, content_type) for url, (body, content_type) in self.bodies.items()}

    @property
    def total_brotli(self) -> int:
        return sum(self.brotli.values())

    @property
    def total(self) -> int:
        return sum(self.transfers.values())

    @property
    def by_kind(self) -> dict[str, int]:
        """Bytes on the wire for each kind, in KINDS order (every kind listed, 0 when none)."""
        sums = dict.fromkeys(KINDS, 0)
        for url, size in self.transfers.items():
            sums[self.kinds.get(url, "other")] += size
        return sums


KINDS = ("html", "css", "js", "font", "other")


def kind(url: str, content_type: str) -> str:
    """What a response is, for the weight report: from its type, else from its name."""
    path = urlparse(url).path
    if content_type.startswith("text/html") or path.endswith((".html", "/")):
        return "html"
    if content_type.startswith("text/css") or path.endswith(".css"):
        return "css"
    if "javascript" in content_type or path.endswith((".js", ".mjs")):
        return "js"
    if content_type.startswith(("font/", "application/font")) or path.endswith((".woff2", ".woff", ".ttf")):
        return "font"
    return "other"


@functools.lru_cache(maxsize=256)  # the same fonts, CSS and JS come with every page: compress each once
def wire_size(body: bytes, content_type: str) -> int:
    if content_type.startswith(TEXT_TYPES) and not content_type.startswith("font/"):
        return len(gzip.compress(body, compresslevel=6))
    return len(body)


@functools.lru_cache(maxsize=256)
def brotli_size(body: bytes, content_type: str) -> int:
    """As wire_size, for a host that compresses text with Brotli (quality 11, as precompressed files are)."""
    import brotli

    if content_type.startswith(TEXT_TYPES) and not content_type.startswith("font/"):
        return len(brotli.compress(body, quality=11))
    return len(body)


def page_paths(site_dir: Path) -> list[str]:
    """Every built page, both languages, as URL paths under the site root ("" is the home page)."""
    paths = []
    for html in sorted(site_dir.rglob("*.html")):
        if html.name == "index.html":
            rel = html.parent.relative_to(site_dir).as_posix()
            paths.append("" if rel == "." else rel + "/")
        elif html.name == "404.html":
            paths.append(html.relative_to(site_dir).as_posix())
    return paths


def measure(browser, url: str, *, viewport=(390, 844)) -> PageWeight:
    """Load `url` with an empty cache and add up what it fetched."""
    return measure_many(browser, [url], viewport=viewport)[0]


def measure_many(browser, urls: list[str], *, viewport=(390, 844), at_once: int = 12) -> list[PageWeight]:
    """measure() for each of `urls`, `at_once` pages loading side by side: a page's wait for its
    network to be idle overlaps the others' instead of adding up.

    Each page is a new tab with the browser cache off (DevTools' Network.setCacheDisabled), so
    every response comes from the server, as on a first visit; the tabs share one context, far
    cheaper to open than one each. A first visit also has nothing stored: the site stores no
    cookie and no local storage that a later tab could read, and this checks it still does not."""
    weights: list[PageWeight] = []
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    try:
        for start in range(0, len(urls), at_once):
            batch = [_start(context, url) for url in urls[start:start + at_once]]
            for _weight, page in batch:
                page.wait_for_load_state("networkidle")
            batch[0][1].wait_for_timeout(300)  # late font and script fetches (every page of the batch waits these 300 ms)
            for weight, page in batch:
                page.close()
                weights.append(weight)
        stored = context.storage_state()
        if stored["cookies"] or any(origin["localStorage"] for origin in stored["origins"]):
            raise AssertionError(f"a page stored something a later page would find, not a first visit: {stored}")
    finally:
        context.close()
    return weights


def _start(context, url: str):
    weight = PageWeight(url)
    host = urlparse(url).netloc
    page = context.new_page()
    context.new_cdp_session(page).send("Network.setCacheDisabled", {"cacheDisabled": True})

    def on_response(response) -> None:
        if urlparse(response.url).netloc != host:
            weight.foreign.append(response.url)
            return
        try:
            body = response.body()
        except Exception:  # redirects and aborted requests have no body
            return
        content_type = response.headers.get("content-type", "")
        weight.transfers[response.url] = wire_size(body, content_type)
        weight.kinds[response.url] = kind(response.url, content_type)
        weight.bodies[response.url] = (body, content_type)

    page.on("response", on_response)
    page.on("request", lambda request: urlparse(request.url).netloc != host and weight.foreign.append(request.url))
    page.goto(url, wait_until="commit")
    return weight, page
