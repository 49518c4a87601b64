"""Write result tables: aligned text on a terminal, CSV/JSON/Parquet/Markdown to files.

Files are written atomically (a temporary file in the same folder, then a rename), so an
interrupted or failed run never leaves a half-written output.

Example
-------
>>> import polars as pl
>>> print(to_text(pl.DataFrame({"rank": [1], "node_id": ["ana"], "priority": [0.91234]}), "md"), end="")
| rank | node_id | priority |
|---|---|---|
| 1 | ana | 0.9123 |
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import polars as pl

from ror_graph.errors import OptionError

__all__ = ["FORMATS", "format_for", "write_table", "atomic_write", "atomic_path", "to_text", "display_frame", "metric_table"]

FORMATS = ("table", "csv", "json", "ndjson", "parquet", "md")
_EXTENSIONS = {".csv": "csv", ".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson", ".parquet": "parquet", ".md": "md", ".txt": "table"}
DEFAULT_TERMINAL_ROWS = 20


def format_for(path: str | None, fmt: str | None) -> str:
    """The output format: ``fmt`` if given, else from the file extension, else ``table``.

    Parameters
    ----------
    path : str, optional
        The output file; None or ``-`` is stdout.
    fmt : str, optional
        One of :data:`FORMATS`.

    Returns
    -------
    str

    Example
    -------
    >>> format_for("out.parquet", None), format_for(None, None), format_for("-", "csv")
    ('parquet', 'table', 'csv')
    """
    if fmt:
        if fmt not in FORMATS:
            raise OptionError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
        return fmt
    if path and path != "-":
        ext = Path(path).suffix.lower()
        if ext not in _EXTENSIONS:
            raise OptionError(f"cannot tell the format of {path!r} from its extension; give fmt= ({', '.join(FORMATS)})")
        return _EXTENSIONS[ext]
    return "table"


def display_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Datetimes as ISO 8601 text with Z, so every text format shows times the same way.

    Parameters
    ----------
    frame : polars.DataFrame

    Returns
    -------
    polars.DataFrame
        ``frame`` with every Datetime column as text; other columns keep their type.

    Example
    -------
    >>> from datetime import datetime, timezone
    >>> display_frame(pl.DataFrame({"ts": [datetime(2024, 5, 1, 12, tzinfo=timezone.utc)]}))["ts"][0]
    '2024-05-01T12:00:00Z'
    """
    return frame.with_columns(
        pl.col(name).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime)
    )


def metric_table(frame: pl.DataFrame, meanings: dict[str, str] | None = None) -> pl.DataFrame:
    """A one-row frame turned into ``metric, value[, meaning]`` rows of text, for people to read
    (integers with thousands separators, times in ISO 8601).

    Parameters
    ----------
    frame : polars.DataFrame
        One row; each column is a figure.
    meanings : dict, optional
        Column -> what it means (a third column).

    Returns
    -------
    polars.DataFrame
        One row per column of ``frame``, all text.

    Example
    -------
    >>> metric_table(pl.DataFrame({"nodes": [1899], "rho": [0.25]}), {"rho": "corrected"}).rows()
    [('nodes', '1,899', ''), ('rho', '0.25', 'corrected')]
    """
    row = display_frame(frame).row(0, named=True)
    rows = []
    for key, value in row.items():
        if isinstance(value, float):
            text = f"{value:.6g}"
        elif isinstance(value, int) and not isinstance(value, bool):
            text = f"{value:,}"
        else:
            text = "" if value is None else str(value)
        rows.append((key, text) + ((meanings.get(key, ""),) if meanings is not None else ()))
    schema = ["metric", "value"] + (["meaning"] if meanings is not None else [])
    return pl.DataFrame(rows, schema=schema, orient="row")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


def to_text(frame: pl.DataFrame, fmt: str) -> str:
    """Render as ``csv``, ``json``, ``ndjson``, ``md`` or ``table`` text.

    Numbers stay numbers in CSV and JSON (no thousands separators); ``md`` and ``table`` are
    for people and round floats to 4 significant digits.

    Parameters
    ----------
    frame : polars.DataFrame
    fmt : str
        A text format of :data:`FORMATS` (not ``parquet``).

    Returns
    -------
    str

    Example
    -------
    >>> to_text(pl.DataFrame({"node_id": ["ana"], "n_events": [1899]}), "json")
    '[{"node_id":"ana","n_events":1899}]\\n'
    """
    shown = display_frame(frame)
    if fmt == "csv":
        return shown.write_csv()
    if fmt == "json":
        return shown.write_json() + "\n"
    if fmt == "ndjson":
        return shown.write_ndjson()
    if fmt == "md":
        lines = ["| " + " | ".join(shown.columns) + " |", "|" + "---|" * shown.width]
        for row in shown.iter_rows():
            lines.append("| " + " | ".join(_cell(v).replace("|", "\\|") for v in row) + " |")
        return "\n".join(lines) + "\n"
    if fmt == "table":
        return _rich_table(shown, color=False)
    raise OptionError(f"format {fmt!r} is not a text format")


def _rich_table(frame: pl.DataFrame, *, color: bool, file: IO[str] | None = None) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_edge=False, header_style="bold" if color else "", pad_edge=False, box=None)
    for name, dtype in frame.schema.items():
        table.add_column(name, justify="right" if dtype.is_numeric() else "left", overflow="fold")
    for row in frame.iter_rows():
        table.add_row(*(_cell(v) for v in row))
    import shutil

    buffer = io.StringIO()
    width = shutil.get_terminal_size((200, 24)).columns if color else 200
    console = Console(file=file or buffer, color_system="auto" if color else None, width=width, force_terminal=color)
    console.print(table)
    return buffer.getvalue()


def write_table(frame: pl.DataFrame, path: str | None = None, fmt: str | None = None, *, top: int | None = None) -> int:
    """Write ``frame`` to ``path`` (None or ``-`` = stdout) and return the rows written.

    Files are written atomically (:func:`atomic_write`). Parquet keeps every type (times as
    UTC timestamps); CSV, JSON and NDJSON write times as ISO 8601 text and numbers as numbers.

    Parameters
    ----------
    frame : polars.DataFrame
    path : str, optional
        The file (format from its extension unless ``fmt``); None or ``-`` is stdout.
    fmt : str, optional
        One of :data:`FORMATS`.
    top : int, optional
        Keep the first ``top`` rows. Default: stdout in ``table`` format shows the first
        :data:`DEFAULT_TERMINAL_ROWS` rows; everything else gets every row.

    Returns
    -------
    int
        Rows written.

    Example
    -------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "out.parquet")
    ...     rows = write_table(pl.DataFrame({"rank": [1, 2]}), path)
    ...     rows, pl.read_parquet(path)["rank"].to_list()
    (2, [1, 2])
    """
    fmt = format_for(path, fmt)
    to_stdout = path is None or path == "-"
    if top is None and to_stdout and fmt == "table":
        top = DEFAULT_TERMINAL_ROWS
    if top is not None:
        if top < 0:
            raise OptionError(f"top={top} must be >= 0")
        frame = frame.head(top)
    if to_stdout:
        if fmt == "parquet":
            buffer = io.BytesIO()
            frame.write_parquet(buffer)
            sys.stdout.buffer.write(buffer.getvalue())
            sys.stdout.flush()
        elif fmt == "table" and sys.stdout.isatty():
            _rich_table(display_frame(frame), color=True, file=sys.stdout)
        else:
            sys.stdout.write(to_text(frame, fmt))
            sys.stdout.flush()
        return frame.height
    with atomic_path(path) as temp:  # type: ignore[arg-type]
        if fmt == "parquet":
            frame.write_parquet(temp)
        elif fmt == "csv":
            display_frame(frame).write_csv(temp)  # straight to the file: no copy of the whole text
        elif fmt == "ndjson":
            display_frame(frame).write_ndjson(temp)
        else:
            temp.write_bytes(to_text(frame, fmt).encode("utf-8"))
    return frame.height


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], object]) -> None:
    """Call ``write`` on a temporary file beside ``path``, then rename it into place, so a
    failed or interrupted run never leaves a half-written file. The file gets the usual
    permissions (0666 less the umask), not the temporary file's 0600.

    Parameters
    ----------
    path : str or Path
        The file to create or replace; its folder must exist.
    write : callable
        Writes the content to the binary file object it is given.

    Example
    -------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     atomic_write(os.path.join(folder, "a.txt"), lambda out: out.write(b"hi"))
    ...     open(os.path.join(folder, "a.txt")).read()
    'hi'
    """
    with atomic_path(path) as temp, open(temp, "wb") as out:
        write(out)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary file beside ``path`` for the block to write (by name: polars' writers are
    fastest given a path); renamed into place when the block ends, deleted if it fails. A
    symlink's file is replaced (the link stays); a device or pipe is written directly.

    Example
    -------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     with atomic_path(os.path.join(folder, "a.txt")) as temp:
    ...         _ = temp.write_text("hi")
    ...     os.listdir(folder)
    ['a.txt']
    """
    target = Path(os.path.realpath(path))  # through a symlink: the link stays, its file is replaced
    if not target.parent.exists():
        raise OptionError(f"cannot write {path}: folder {target.parent} does not exist")
    if target.exists() and not target.is_file():  # a device or pipe (/dev/stdout, a FIFO): written as it is
        if target.is_dir():
            raise OptionError(f"cannot write {path}: it is a folder")
        yield target
        return
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise OptionError(f"cannot write {path}: {exc.strerror or exc}") from None
    os.close(handle)
    try:
        yield Path(temp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
