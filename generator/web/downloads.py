"""A file made for one download (an export's zip), streamed from an anonymous temporary
file and closed, so deleted, once its last bytes have left or the connection has dropped:
however large, it is never held in memory, and nothing of it stays on disk."""
from __future__ import annotations

import contextlib
from typing import IO, Iterator, Mapping

from starlette.responses import Response, StreamingResponse

CHUNK = 64 * 1024


@contextlib.contextmanager
def closed_on_error(handle: IO[bytes]) -> Iterator[None]:
    """Close (and so delete) the temporary file when what follows its writing fails."""
    try:
        yield
    except BaseException:
        handle.close()
        raise


def zip_response(handle: IO[bytes], name: str, *, headers: Mapping[str, str] | None = None) -> Response:
    """Stream the temporary file as an attachment named `name`, closing (and so deleting) it at
    the end or on a dropped connection."""
    size = handle.seek(0, 2)
    handle.seek(0)

    def chunks() -> Iterator[bytes]:
        with handle:  # a dropped connection closes the generator, and so the file
            while True:
                chunk = handle.read(CHUNK)
                last = handle.tell() >= size
                if last:  # closed before its last bytes leave: gone once they have arrived
                    handle.close()
                yield chunk
                if last:
                    return

    return StreamingResponse(chunks(), media_type="application/zip", headers={
        **(headers or {}), "Content-Disposition": f'attachment; filename="{name}"', "Content-Length": str(size)})
