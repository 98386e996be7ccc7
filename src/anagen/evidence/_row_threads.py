"""Split a batch of independent analyses (rows) among threads running GIL-free Numba kernels.

Each row is computed by the same code whichever thread gets it, and threads write disjoint
rows of preallocated outputs, so results are the same bits for any number of threads. The
calling thread works too, taking chunks like the helpers, so a busy machine costs no more than
one thread would. Small batches stay on the calling thread (waking another costs ~20 µs).

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
CHUNKS_PER_THREAD = 8

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


def _executor(helpers: int) -> ThreadPoolExecutor:
    """A pool with at least ``helpers`` worker threads (kept for the life of the process)."""
    global _pool
    with _lock:
        pid = os.getpid()
        if _pool is None or _pool[0] != pid or _pool[1] < helpers:  # new, forked or too small
            if _pool is not None and _pool[0] == pid:
                _pool[2].shutdown(wait=False)
            _pool = (pid, helpers, ThreadPoolExecutor(helpers, thread_name_prefix="anagen-rows"))
        return _pool[2]


class _Chunks:
    """Chunks handed out one at a time to whichever thread asks first (the caller included,
    so a batch never waits for a helper that another process keeps off the CPU)."""

    def __init__(self, fn: Callable[[int, int], None], bounds: list[int]) -> None:
        self.fn, self.bounds = fn, bounds
        self.next = self.done = 0
        self.error: BaseException | None = None
        self.cond = threading.Condition()

    def work(self) -> None:
        parts = len(self.bounds) - 1
        while True:
            with self.cond:
                if self.next >= parts or self.error is not None:
                    return
                c = self.next
                self.next += 1
            try:
                self.fn(self.bounds[c], self.bounds[c + 1])
            except BaseException as exc:  # handed to the caller
                with self.cond:
                    self.error = self.error or exc
            finally:
                with self.cond:
                    self.done += 1
                    self.cond.notify_all()

    def wait(self) -> None:
        """After the caller's own :meth:`work`: wait for the chunks other threads took."""
        with self.cond:
            self.cond.wait_for(lambda: self.done == self.next)
        if self.error is not None:
            raise self.error


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
    job = _Chunks(fn, [n * c // parts for c in range(parts + 1)])
    pool = _executor(threads - 1)
    for _ in range(threads - 1):
        try:
            pool.submit(job.work)
        except RuntimeError:  # interpreter shutting down: the caller does it all
            break
    job.work()
    job.wait()
