"""Page weight: what a first visit to a page costs, as a static host would serve it.

Measured from the browser's own network log (every response the page loaded,
with the cache empty), text compressed with gzip as static hosts do; fonts
and images are already compressed and count as they are.
"""
from __future__ import annotations

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
    brotli: dict[str, int] = field(default_factory=dict)  # url -> bytes if the host sent Brotli

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


def wire_size(body: bytes, content_type: str) -> int:
    if content_type.startswith(TEXT_TYPES) and not content_type.startswith("font/"):
        return len(gzip.compress(body, compresslevel=6))
    return len(body)


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
    """Load `url` in a fresh context (empty cache) and add up what it fetched."""
    weight = PageWeight(url)
    host = urlparse(url).netloc
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()

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
        weight.brotli[response.url] = brotli_size(body, content_type)

    page.on("response", on_response)
    page.on("request", lambda request: urlparse(request.url).netloc != host and weight.foreign.append(request.url))
    page.goto(url, wait_until="networkidle")
    page.wait_for_timeout(300)  # late font and script fetches
    context.close()
    return weight
