"""Where the calls of a batch are scored: local worker processes or a Dask cluster.

Both run one function over many jobs and yield each job's result as it arrives, or `Lost`
when the process running it died (killed by the OS, crashed in native code).  The function
itself is expected to catch its own errors: `Lost` is only for what no `except` can catch.
Leaving the `with` block early (Ctrl-C, SIGTERM) stops the workers at once.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from types import TracebackType
from typing import Callable, Generic, Iterable, Iterator, Protocol, TypeVar

from pipeline.errors import CallQAError

log = logging.getLogger(__name__)

EXECUTORS = ("local", "dask")
SCHEDULER_TIMEOUT_S = 30

J = TypeVar("J")
R = TypeVar("R")


class ExecutorError(CallQAError):
    """The workers cannot be started or reached."""


@dataclass(frozen=True)
class Lost:
    """A job whose worker process died while running it."""

    reason: str


class Executor(Protocol):
    def run(self, fn: Callable[[J], R], jobs: Iterable[J]) -> Iterator[tuple[J, R | Lost]]: ...

    def __enter__(self) -> "Executor": ...

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...


def open_executor(kind: str, *, workers: int, scheduler: str | None = None) -> Executor:
    """`local`: `workers` processes on this machine.  `dask`: the cluster at `scheduler`
    (tcp://host:8786), or a local Dask cluster of `workers` processes when there is none."""
    if kind == "local":
        return LocalExecutor(workers=workers)
    if kind == "dask":
        return DaskExecutor(workers=workers, scheduler=scheduler)
    raise ValueError(f"unknown executor {kind!r}; use one of {', '.join(EXECUTORS)}")


class LocalExecutor(Generic[J, R]):
    """A pool of worker processes, each keeping its models loaded from one job to the next.

    When a worker dies, every job in flight dies with the pool and the culprit is unknown:
    those jobs are run again one at a time, so that a job is only reported `Lost` when its
    worker died while it was the only one running.
    """

    def __init__(self, *, workers: int) -> None:
        self.workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None
        self._isolating = False     # the job in flight is a suspect, run alone

    def __enter__(self) -> "LocalExecutor[J, R]":
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        # Interrupted: the running calls are abandoned, so stop their processes now rather
        # than wait minutes for their results.
        self._close(terminate=kind is not None)

    def run(self, fn: Callable[[J], R], jobs: Iterable[J]) -> Iterator[tuple[J, R | Lost]]:
        queue: deque[J] = deque(jobs)
        suspects: deque[J] = deque()
        in_flight: dict[Future, J] = {}
        while queue or suspects or in_flight:
            self._top_up(fn, in_flight, queue, suspects)
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            if any(isinstance(f.exception(), BrokenProcessPool) for f in done):
                done = set(in_flight)       # the whole pool is gone: every future ends now
                wait(done)
            results: list[tuple[J, R | Lost]] = []
            casualties: list[J] = []
            for future in done:
                job = in_flight.pop(future)
                error = future.exception()
                if error is None:
                    results.append((job, future.result()))
                elif isinstance(error, BrokenProcessPool):
                    casualties.append(job)
                else:                       # e.g. a result that cannot be pickled
                    results.append((job, Lost(f"the worker could not return it "
                                              f"({type(error).__name__}: {str(error)[:200]})")))
            if casualties:
                reason = self._death_reason()
                self._close(terminate=True)
                if len(casualties) == 1:
                    results.append((casualties[0], Lost(reason)))
                else:
                    log.info("a worker died with %d jobs in flight; running them again one "
                             "at a time", len(casualties))
                    suspects.extend(casualties)
            # The workers go on with the next jobs while the caller handles these results.
            self._top_up(fn, in_flight, queue, suspects)
            yield from results

    def _top_up(self, fn: Callable[[J], R], in_flight: dict[Future, J], queue: deque[J],
                suspects: deque[J]) -> None:
        # Only as many jobs in flight as workers: then a job in flight is a job running, and
        # a dead pool tells which jobs it took down.  While suspects are being cleared, one.
        limit = 1 if suspects or (in_flight and self._isolating) else self.workers
        while len(in_flight) < limit and (suspects or queue):
            source = suspects if suspects else queue
            self._isolating = source is suspects
            job = source.popleft()
            try:
                future = self._ensure_pool().submit(fn, job)
            except BrokenProcessPool:       # a worker died while idle: no job lost with it
                self._close(terminate=True)
                future = self._ensure_pool().submit(fn, job)
            in_flight[future] = job

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: the parent runs threads (progress display, the pool's own),
            # and a forked child can inherit a lock one of them held.
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker)
        return self._pool

    def _death_reason(self) -> str:
        # The pool ends its other workers with SIGTERM once one died: the odd code is the cause.
        codes = [p.exitcode for p in _processes(self._pool) if p.exitcode]
        codes.sort(key=lambda code: code == -signal.SIGTERM)
        how = ""
        if codes and codes[0] < 0:
            name = signal.Signals(-codes[0]).name
            how = f", {name}{' (out of memory?)' if name == 'SIGKILL' else ''}"
        elif codes:
            how = f", exit code {codes[0]}"
        return (f"the worker process scoring it died (killed by the OS or crashed{how}); "
                "the other calls were not affected. Run again to retry it, or score it alone "
                "with --verbose to see why")

    def _close(self, *, terminate: bool) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if terminate:
            processes = _processes(pool)
            for process in processes:
                if process.is_alive():
                    process.terminate()
            pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.join(timeout=5)
        else:
            pool.shutdown(wait=True)


def _processes(pool: ProcessPoolExecutor | None) -> list[multiprocessing.process.BaseProcess]:
    # The pool offers no public way to stop its workers before Python 3.14
    # (terminate_workers); its process table is the only handle on them.
    return list((getattr(pool, "_processes", None) or {}).values())


def _init_worker() -> None:
    """In each worker: leave Ctrl-C to the parent (which stops the workers itself, without a
    traceback from each), and exit when the parent is gone (killed with SIGKILL) instead of
    waiting forever for work."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True,
                     name="callqa-parent-watch").start()


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


class DaskExecutor(Generic[J, R]):
    """Jobs on a Dask cluster: a running one (`scheduler`), or one started here.

    Dask re-runs a job whose worker died on another worker; after a few deaths it gives up
    (KilledWorker), which is reported as `Lost`.
    """

    def __init__(self, *, workers: int, scheduler: str | None) -> None:
        if importlib.util.find_spec("distributed") is None:
            raise ExecutorError("--executor dask needs the package distributed; "
                                "pip install 'dask[distributed]'")
        self._cluster = None
        self._quiet = contextlib.ExitStack()
        if not log.isEnabledFor(logging.INFO):
            # Dask logs every worker's start and stop, and its records also reach the
            # application's handlers: without --verbose a batch would print dozens of lines.
            self._quiet.enter_context(_log_level("distributed", logging.ERROR))
        try:
            self._client = self._connect(workers=workers, scheduler=scheduler)
        except BaseException:
            self._quiet.close()
            raise
        self._futures: list = []

    def _connect(self, *, workers: int, scheduler: str | None):
        from distributed import Client, LocalCluster

        if scheduler:
            try:
                return Client(scheduler, timeout=SCHEDULER_TIMEOUT_S)
            except (OSError, TimeoutError) as exc:
                raise ExecutorError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); "
                                    "start one with `dask scheduler` and check the address"
                                    ) from exc
        # Processes, one thread each: the same layout as the local executor.  The scheduler's
        # HTTP server on a free local port: the default 8787 clashes with any other cluster.
        self._cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1,
                                     processes=True, host="127.0.0.1",
                                     dashboard_address="127.0.0.1:0",
                                     silence_logs=logging.ERROR)
        return Client(self._cluster)

    def __enter__(self) -> "DaskExecutor[J, R]":
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._futures:
            # Leave nothing queued on a shared cluster for results no one will collect.
            self._client.cancel(self._futures)
        with self._quiet:
            self._client.close()
            if self._cluster is not None:
                self._cluster.close()

    def run(self, fn: Callable[[J], R], jobs: Iterable[J]) -> Iterator[tuple[J, R | Lost]]:
        from distributed import as_completed

        by_future = {self._client.submit(fn, job, pure=False): job for job in jobs}
        self._futures = list(by_future)
        for future in as_completed(by_future):
            job = by_future[future]
            try:
                yield job, future.result()
            except Exception as exc:  # KilledWorker, a lost connection: the job, not the run
                yield job, Lost(f"the Dask worker scoring it failed ({type(exc).__name__}: "
                                f"{str(exc)[:200]})")
            future.release()


@contextlib.contextmanager
def _log_level(name: str, level: int) -> Iterator[None]:
    logger = logging.getLogger(name)
    previous = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(previous)
