"""A call before each HTTP request, as ASGI middleware (the apps take up published form
texts with it: generator/forms/reload.py)."""
from __future__ import annotations

from typing import Callable

from starlette.types import ASGIApp, Receive, Scope, Send


class EachRequest:
    def __init__(self, app: ASGIApp, *, call: Callable[[], object]) -> None:
        self.app, self.call = app, call

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.call()
        await self.app(scope, receive, send)
