"""Handing the heap a big one-off job freed back to the system.

glibc keeps freed memory in its arenas for reuse: after a recommender fit on 100k items and 1M
interactions ~400 MB of it stays resident, and the next big job (the rating model's fit, a
reindex) grows beside it rather than in it. `malloc_trim` returns it. Elsewhere (macOS, musl)
there is no such call, and this only collects garbage."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
from functools import cache
from typing import Any

log = logging.getLogger(__name__)


@cache
def _trim() -> Any:
    # The C library is loaded already (CDLL(None) finds it without ldconfig, which slim
    # images lack); find_library is the fallback.
    for name in (None, ctypes.util.find_library("c")):
        try:
            if trim := getattr(ctypes.CDLL(name), "malloc_trim", None):
                return trim
        except OSError:
            continue
    log.debug("no malloc_trim here: freed memory stays with the heap")
    return None


def release_freed_memory(collect: bool = True) -> None:
    """After a fit or a sync: what it freed goes back to the system, not only to the heap.
    `collect`: first collect garbage in cycles (a second at 100k items; objects freed by
    their last reference, like decoded pages, need not wait for it)."""
    if collect:
        gc.collect()
    trim = _trim()
    if trim is not None:
        trim(0)
