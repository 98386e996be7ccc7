"""Split a batch of independent analyses (rows) among threads running GIL-free Numba kernels.

Each row is computed by the same code whichever thread gets it, and threads write disjoint
rows of preallocated outputs, so results are the same bits for any number of threads. Small
batches stay on the calling thread (starting work on another costs ~20 µs).

The number of threads defaults to Numba's (``NUMBA_NUM_THREADS``, itself the number of CPUs)
capped by the CPUs this process may run on; set ``NUMBA_NUM_THREADS=1`` to stay on one core.
A plain thread pool is used rather than Numba's ``parallel=True``: it works the same with
every Numba threading layer, in forked children and when several threads pool at once.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

#: Minimum work (rows x ``row_work``, about a nanosecond each) per chunk before a batch is
#: split among threads.
MIN_CHUNK_WORK = 1 << 15
#: Chunks per thread: some analyses take more scoring steps, so smaller chunks balance load.
CHUNKS_PER_THREAD = 4

_lock = threading.Lock()
_pool: tuple[int, int, ThreadPoolExecutor] | None = None  # (pid, threads, executor)


@functools.cache
def default_threads() -> int:
    """Threads used when none is given: Numba's setting, at most the CPUs available here."""
    from numba import config

    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(int(config.NUMBA_NUM_THREADS), cpus))


def _forget_pool() -> None:
    """In a forked child the parent's worker threads do not exist: start afresh."""
    global _lock, _pool
    _lock, _pool = threading.Lock(), None


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_forget_pool)


def _executor(threads: int) -> ThreadPoolExecutor:
    global _pool
    with _lock:
        pid = os.getpid()
        if _pool is None or _pool[0] != pid or _pool[1] != threads:  # new, forked or resized
            if _pool is not None and _pool[0] == pid:
                _pool[2].shutdown(wait=False)
            _pool = (pid, threads, ThreadPoolExecutor(threads, thread_name_prefix="anagen-rows"))
        return _pool[2]


def chunks(n: int, row_work: int, threads: int | None = None) -> int:
    """Into how many chunks :func:`run_rows` splits ``n`` rows (1: none)."""
    most = (n * max(row_work, 1)) // MIN_CHUNK_WORK
    if most < 2:  # small batch (every single pool()): no thread machinery at all
        return 1
    threads = default_threads() if threads is None else max(1, int(threads))
    return 1 if threads == 1 else min(threads * CHUNKS_PER_THREAD, most)


def run_rows(
    fn: Callable[[int, int], None], n: int, row_work: int, threads: int | None = None
) -> None:
    """Call ``fn(start, stop)`` over ``[0, n)`` in :func:`chunks` chunks on up to ``threads``
    threads (None: :func:`default_threads`).

    ``fn`` must release the GIL (a ``nogil`` Numba kernel, a NumPy ufunc) and write only rows
    ``start:stop`` of its outputs. ``row_work`` sizes the work of one row, in passes over a
    study (``k`` for a sum over ``k`` studies; more for an iterative search).
    """
    parts = chunks(n, row_work, threads)
    if parts == 1:
        fn(0, n)
        return
    threads = default_threads() if threads is None else max(1, int(threads))
    bounds = [n * c // parts for c in range(parts + 1)]
    pool = _executor(threads)
    futures = [pool.submit(fn, bounds[c], bounds[c + 1]) for c in range(parts)]
    for fut in futures:
        fut.result()
