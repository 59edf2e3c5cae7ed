"""Give memory Python has freed back to the operating system.

glibc keeps freed heap pages for reuse. A build of a large guide frees a lot
at a few known points (content loaded and written out; each page's Markdown
tree converted), and the build runs several processes at once, so keeping
those pages would count several times against the machine. Linux/glibc only;
elsewhere this is a no-op.
"""
from __future__ import annotations

import ctypes
import gc


def release_freed_memory() -> None:
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim, nothing lost
        pass
