"""Freed memory goes back to the system after a big one-off job (chatrec_agent/heap.py)."""

from __future__ import annotations

import os
import sys

import pytest

from chatrec_agent.heap import _trim, release_freed_memory


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not sys.platform.startswith("linux") or _trim() is None, reason="malloc_trim is glibc's")
def test_what_a_job_freed_among_what_it_kept_goes_back_to_the_system():
    # 300 MB in 2 kB blocks (glibc's, not Python's small-object pools), one in 64 kept: the
    # holes cannot be given back by the heap's own trimming of its top, only by malloc_trim.
    blocks = [bytes(2048) for _ in range(150_000)]
    kept = blocks[::64]
    del blocks
    before = _rss_mb()
    release_freed_memory()
    after = _rss_mb()
    assert before - after > 150, (before, after)
    assert len(kept) == 2344  # still alive, and still readable
    assert all(len(b) == 2048 for b in kept)
