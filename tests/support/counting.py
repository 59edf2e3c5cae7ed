"""An ASGI app wrapped so that the request body bytes it pulled through `receive` are counted:
how much of a post the endpoint read before it refused it (tests/endpoint/test_uploads.py,
bench/upload_cost.py)."""
from __future__ import annotations

from typing import Any


class Counting:
    """The app, with the request body bytes it pulled through `receive` counted."""

    def __init__(self, app: Any) -> None:
        self.app, self.state = app, app.state
        self.read = self.largest = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def counted() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                self.read += len(message.get("body", b""))
                self.largest = max(self.largest, len(message.get("body", b"")))
            return message
        await self.app(scope, counted, send)
