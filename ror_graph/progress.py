"""Progress on stderr for long runs, and the memory a run will need before it starts.

* :func:`progress`: on a terminal (stderr is a TTY) one row per step, each with a bar and its
  time, shown only once the run has taken ``delay`` seconds (short runs stay quiet); nothing
  at all when stderr is a file or a pipe. Library code names its steps with :func:`step` (or
  :func:`stage` on a worker thread) and reports a step's size with :func:`reporter`, all
  no-ops when no display is active, so the engine needs no callback argument. A step that
  does not report its size shows a pulsing bar. While numba compiles a kernel (the first run
  only; later runs load them from its cache) a row says so.
* :func:`estimate_memory`: the peak memory of an in-memory run from the input's size, like
  Neo4j GDS's memory estimation: events (Parquet: the row count in the file's metadata; text:
  bytes / bytes per line of the first lines; gzip: x 4; a folder: its first files so, the rest
  by their size) times the peak bytes per event measured
  by ``benchmarks/bench_engine.py --scaling`` (``benchmarks/results/engine_scaling_*.md``, the
  dense logs, the costlier kind), plus the interpreter and libraries.
  :func:`check_memory` refuses, in one line, a run that would not fit in the memory available
  now (``MemAvailable``), unless told to go ahead.
* :func:`return_freed_memory`: between the steps of a long run, what freed temporaries left in
  the C allocator goes back to the system.

Example
-------
>>> est = MemoryEstimate(events=10_000_000, needed_bytes=2_600_000_000, available_bytes=8_000_000_000)
>>> est.fits, est.line()
(True, 'about 10,000,000 events: this run needs about 2.6 GB of memory (8.0 GB available)')
"""

from __future__ import annotations

import contextlib
import contextvars
import gzip
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ror_graph.errors import OptionError

__all__ = [
    "progress",
    "step",
    "stage",
    "staged",
    "reporter",
    "MemoryEstimate",
    "estimate_memory",
    "check_memory",
    "BYTES_PER_EVENT",
    "BASE_BYTES",
    "ANNOUNCE_EVENTS",
    "COMPILING",
    "return_freed_memory",
]

#: Peak bytes per event of ``ror nurture`` (the costliest common run) on the dense synthetic
#: logs (benchmarks/results/engine_scaling_dense_vs_session5.md): about 1.17 GB at 3M events,
#: 2.77 GB at 10M and 7.62 GB at 30M, i.e. 237-257 bytes per event above the base; rounded up
#: with room.
BYTES_PER_EVENT = 300
#: The interpreter, polars, numpy, scipy, numba and igraph loaded, before any data.
BASE_BYTES = 400_000_000
#: The row shown while numba compiles (the first run after an install or an upgrade).
COMPILING = "compiling kernels (first run only)"
#: Inputs at least this big get a one-line estimate on stderr when a run starts.
ANNOUNCE_EVENTS = 2_000_000

_current: contextvars.ContextVar[_Display | None] = contextvars.ContextVar("ror_progress", default=None)


def step(name: str) -> None:
    """Tell the active progress display (if any) that the step ``name`` starts on this thread
    (the thread's previous step is done)."""
    display = _current.get()
    if display is not None:
        display.start(name)


@contextlib.contextmanager
def stage(name: str) -> Iterator[None]:
    """A step with an end, for work on a worker thread (run it in a copy of the caller's
    context, ``contextvars.copy_context().run``, so that it finds the display)."""
    step(name)
    try:
        yield
    finally:
        display = _current.get()
        if display is not None:
            display.finish_thread()


def reporter() -> Callable[[float, float], None]:
    """``report(done, total)`` for the step under way on this thread: its bar shows
    ``done / total``. The function may be called from any thread (a pool's workers)."""
    display = _current.get()
    if display is None:
        return lambda _done, _total: None
    return display.reporter()


def staged(name: str, work: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    """``work(*args)`` as the :func:`stage` ``name``, ready to hand to a thread pool: it runs in
    a copy of this thread's context, so its row joins this display."""
    context = contextvars.copy_context()

    def run() -> Any:
        with stage(name):
            return work(*args)

    return lambda: context.run(run)


class _Display:
    """One row per step, each with its bar (a pulse until the step reports its size) and its
    time; rows are kept per thread, so steps running side by side show side by side."""

    def __init__(self, progress: Any) -> None:
        self.progress = progress
        self.rows: dict[int, Any] = {}  # thread -> its step's row
        self.totals: dict[Any, float] = {}  # row -> the size its step reported
        self.compile_row: Any = None
        self.lock = threading.Lock()

    def compiling(self) -> None:
        """numba compiles a kernel (not when it loads one from its cache): say so, once."""
        with self.lock:
            if self.compile_row is None:
                self.compile_row = self.progress.add_task(f"  {COMPILING}", total=None)

    def start(self, name: str) -> None:
        with self.lock:
            self._finish(threading.get_ident())
            self.rows[threading.get_ident()] = self.progress.add_task(f"  {name}", total=None)

    def finish_thread(self) -> None:
        with self.lock:
            self._finish(threading.get_ident())

    def finish_all(self) -> None:
        with self.lock:
            for ident in list(self.rows):
                self._finish(ident)
            if self.compile_row is not None:
                self.progress.update(self.compile_row, total=1, completed=1)

    def reporter(self) -> Callable[[float, float], None]:
        row = self.rows.get(threading.get_ident())
        if row is None:
            return lambda _done, _total: None

        def report(done: float, total: float) -> None:
            self.totals[row] = total
            self.progress.update(row, completed=done, total=total)

        return report

    def _finish(self, ident: int) -> None:
        row = self.rows.pop(ident, None)
        if row is not None:
            total = self.totals.pop(row, None) or 1
            self.progress.update(row, total=total, completed=total)


@contextlib.contextmanager
def progress(text: str, *, delay: float = 2.0, stream=None) -> Iterator[Callable[[str], None]]:
    """A progress display on stderr while the block runs: ``text``, then one row per step
    (:func:`step`, :func:`stage`) with a bar and the step's time; on a terminal only, and only
    once the run has taken ``delay`` seconds. Yields ``step``.

    Example
    -------
    >>> with progress("ror stats") as at:      # stderr is not a terminal here: silent
    ...     at("counting")
    """
    out = stream if stream is not None else sys.stderr
    if not (hasattr(out, "isatty") and out.isatty()):
        token = _current.set(None)
        try:
            yield lambda _name: None
        finally:
            _current.reset(token)
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn

    bars = Progress(SpinnerColumn(finished_text="[green]done"), TextColumn("{task.description}"), BarColumn(),
                    TaskProgressColumn(), TimeElapsedColumn(), console=Console(file=out), transient=False)
    display = _Display(bars)
    overall = bars.add_task(text, total=None)
    timer = threading.Timer(delay, bars.start)
    timer.daemon = True
    timer.start()
    token = _current.set(display)
    try:
        with _compile_events_to(display):
            yield step
    finally:
        _current.reset(token)
        timer.cancel()
        display.finish_all()
        bars.update(overall, total=1, completed=1)
        bars.stop()


def _compile_events_to(display: _Display) -> contextlib.AbstractContextManager:
    """While the block runs, numba's compile events (on any thread) show as one row."""
    from numba.core import event

    class CompileListener(event.Listener):
        def on_start(self, _event: Any) -> None:
            display.compiling()

        def on_end(self, _event: Any) -> None:
            pass

    return event.install_listener("numba:compile", CompileListener())


@dataclass(frozen=True)
class MemoryEstimate:
    """Events in the input, the memory a run needs, the memory available (None if unknown)."""

    events: int
    needed_bytes: int
    available_bytes: int | None

    @property
    def fits(self) -> bool:
        return self.available_bytes is None or self.needed_bytes <= self.available_bytes

    def line(self) -> str:
        have = f"{self.available_bytes / 1e9:.1f} GB available" if self.available_bytes is not None else "available memory unknown"
        return f"about {self.events:,} events: this run needs about {self.needed_bytes / 1e9:.1f} GB of memory ({have})"


def estimate_memory(sources: Sequence[str | Path]) -> MemoryEstimate:
    """The peak memory of an in-memory run on ``sources`` (see the module docstring); a source
    that does not exist is an :class:`~ror_graph.errors.InputError`, as when the run reads it."""
    from ror_graph.errors import InputError

    for source in sources:
        if not Path(source).exists():
            raise InputError("no such file", path=str(source))
    events = sum(_count_events(Path(s)) for s in sources)
    return MemoryEstimate(events=events, needed_bytes=BASE_BYTES + BYTES_PER_EVENT * events, available_bytes=available_memory())


def check_memory(
    sources: Sequence[str | Path],
    *,
    backend: str = "memory",
    ignore: bool = False,
    say: Callable[[str], None] | None = None,
) -> MemoryEstimate | None:
    """Estimate an in-memory run on ``sources``; ``say`` the estimate for big inputs; raise
    :class:`OptionError` if it would not fit (unless ``ignore``). Backends that do not hold
    the graph in this process (``neo4j``, ``spark``) are not estimated: None."""
    if backend != "memory":
        return None
    est = estimate_memory(sources)
    if not est.fits and not ignore:
        raise OptionError(
            f"{est.line()}: it would not fit; free memory, analyse a shorter period, or pass ignore_memory= to run it anyway"
        )
    if say is not None and est.events >= ANNOUNCE_EVENTS:
        say(est.line())
    return est


def return_freed_memory() -> None:
    """Hand the memory that freed temporaries left in the C allocator's heaps back to the
    system (glibc's ``malloc_trim``), so that the next step's peak does not stack on it; a
    no-op where the C library has no such call. Numpy arrays under 32 MB and numba's arrays
    come from those heaps, and glibc keeps what they free for reuse."""
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


def available_memory() -> int | None:
    """``MemAvailable`` from /proc/meminfo (Linux), else None."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


#: A folder's first this many files are read for the estimate; the rest count by their size.
FOLDER_SAMPLE_FILES = 200


def _count_events(path: Path) -> int:
    """Rows of a Parquet file (metadata), else an estimate for text: size / mean line length
    of the first 1 MB (gzip: 4x the compressed size). A folder: its first
    :data:`FOLDER_SAMPLE_FILES` files (in walk order) counted so, the others by their size at
    the events per byte of those; files that vanish or cannot be read count 0."""
    if path.is_dir():
        sizes = []
        for root, dirs, files in os.walk(path):  # errors (a folder removed meanwhile) are skipped
            dirs.sort()
            for name in sorted(files):
                file = Path(root) / name
                with contextlib.suppress(OSError):
                    sizes.append((file, file.stat().st_size))
        sampled = sizes[:FOLDER_SAMPLE_FILES]
        events = sum(_count_events(file) for file, _ in sampled)
        sampled_bytes = sum(size for _, size in sampled)
        rest_bytes = sum(size for _, size in sizes[FOLDER_SAMPLE_FILES:])
        return events + (int(rest_bytes * events / sampled_bytes) if sampled_bytes else 0)
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
        if head == b"PAR1":
            import polars as pl

            return int(pl.scan_parquet(path).select(pl.len()).collect().item())
        size = path.stat().st_size
        opener = gzip.open if head[:2] == b"\x1f\x8b" else open
        if opener is gzip.open:
            size *= 4
        with opener(path, "rb") as fh:
            sample = fh.read(1 << 20)
    except (OSError, EOFError, ValueError):
        return 0
    except Exception:  # an unreadable Parquet file: the loader will say what is wrong with it
        return 0
    lines = sample.count(b"\n")
    return int(size / (len(sample) / lines)) if lines else 0
