"""How our web apps are run: one uvicorn process with uvloop and httptools.

One process, because it is the only writer of a SQLite file (two processes
writing one file measured p99 352 ms from lock waits) and the rate limiter
lives in its memory. uvloop, because the default loop with several workers
delays responses ~44 ms (Nagle, uvicorn issue 3149) and is ~2-3x slower.
The tests start the server through this same function.
"""
from __future__ import annotations

import gc
from typing import Any

import uvicorn

from . import access_log
from .protection import StrictTransport


def uvicorn_config(app: Any, *, host: str, port: int, forwarded_allow_ips: str = "127.0.0.1",
                   **overrides: Any) -> uvicorn.Config:
    options: dict[str, Any] = dict(
        host=host, port=port, loop="uvloop", http="httptools", lifespan="on", workers=None,
        # The client address (for the rate limit) comes from X-Forwarded-For only
        # when the connection is from a trusted proxy; loopback by default.
        proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips,
        server_header=False,  # do not advertise the server software
        access_log=False,  # it writes query strings and setup tokens: ours (access_log.py) is used instead
        timeout_graceful_shutdown=10,  # let in-flight submissions commit on SIGTERM
    )
    options.update(overrides)
    return uvicorn.Config(app, **options)


def run(app: Any, *, host: str, port: int, forwarded_allow_ips: str = "127.0.0.1", hsts: str = "") -> None:
    """Serve `app` with our access log (paths only) and `hsts` (QALB_HSTS's header value, "" for none)."""
    access_log.enable()
    served = access_log.AccessLog(StrictTransport(app, hsts))
    server = uvicorn.Server(uvicorn_config(served, host=host, port=port, forwarded_allow_ips=forwarded_allow_ips))
    # The forms, templates and libraries loaded by now live as long as the process:
    # take them out of the collector's sight so its pauses stay short under load.
    gc.collect()
    gc.freeze()
    # A submission allocates a few thousand short-lived objects; the default threshold
    # (700) runs a young collection every request or so. Fewer, larger ones: ~3% more
    # submissions/s in bench/endpoint.py; the little cyclic garbage here waits a bit longer.
    gc.set_threshold(50_000, 50, 100)
    server.run()
