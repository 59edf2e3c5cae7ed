"""Several of our Starlette apps behind one port: each request goes to the app whose
path prefix it starts with (the path is passed on unchanged), the rest to the
default app; at start and stop every app's lifespan runs (Starlette's Mount
would skip the mounted apps' lifespans).

`python -m generator run` uses it for the staff workspace at /staff/ beside the
endpoint and the site (composed in cli.py); `endpoint` alone never has it.
"""
from __future__ import annotations

import contextlib
from typing import Any, Mapping

from starlette.types import Receive, Scope, Send


class PathDispatch:
    def __init__(self, prefixes: Mapping[str, Any], default: Any) -> None:
        self.prefixes = {prefix.rstrip("/"): app for prefix, app in prefixes.items()}
        self.default = default
        self.state = getattr(default, "state", None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        path = scope.get("path", "")
        for prefix, app in self.prefixes.items():
            if path == prefix or path.startswith(prefix + "/"):
                await app(scope, receive, send)
                return
        await self.default(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        await receive()  # lifespan.startup
        async with contextlib.AsyncExitStack() as stack:
            try:
                for app in (self.default, *self.prefixes.values()):
                    await stack.enter_async_context(app.router.lifespan_context(app))
            except Exception as exc:
                await send({"type": "lifespan.startup.failed", "message": str(exc)})
                return
            await send({"type": "lifespan.startup.complete"})
            await receive()  # lifespan.shutdown
        await send({"type": "lifespan.shutdown.complete"})
