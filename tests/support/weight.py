"""Page weight: what a first visit to a page costs, as a static host would serve it.

Measured from the browser's own network log (every response the page loaded,
with the cache empty), text compressed with gzip as static hosts do; fonts
and images are already compressed and count as they are.
"""
from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from urllib.parse import urlparse

TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml",
              "application/wasm", "application/octet-stream")


@dataclass
class PageWeight:
    url: str
    transfers: dict[str, int] = field(default_factory=dict)  # url -> bytes on the wire
    foreign: list[str] = field(default_factory=list)  # requests to any other host

    @property
    def total(self) -> int:
        return sum(self.transfers.values())


def wire_size(body: bytes, content_type: str) -> int:
    if content_type.startswith(TEXT_TYPES) and not content_type.startswith("font/"):
        return len(gzip.compress(body, compresslevel=6))
    return len(body)


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
        weight.transfers[response.url] = wire_size(body, response.headers.get("content-type", ""))

    page.on("response", on_response)
    page.on("request", lambda request: urlparse(request.url).netloc != host and weight.foreign.append(request.url))
    page.goto(url, wait_until="networkidle")
    page.wait_for_timeout(300)  # late font and script fetches
    context.close()
    return weight
