"""Helpers the loaders share: reading (maybe gzipped) text, splitting delimited lines with
exact line numbers, and turning seconds into UTC timestamps. Not a loader itself.

Every function raises :class:`ror_graph.errors.InputError` naming the file (and the line and
field when known); none of them loops over rows in Python.

Example
-------
>>> parse_origin("2004-04-15")
1081987200000000
>>> parse_origin(None)
0
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

import polars as pl

from ror_graph.errors import InputError, OptionError

__all__ = [
    "LINE",
    "read_bytes",
    "gunzip",
    "read_capped",
    "unpack_cap",
    "max_unpacked",
    "parse_size",
    "check_text",
    "parse_origin",
    "seconds_to_ts",
    "first_data_lines",
    "read_table",
    "is_text",
    "data_lines",
    "looks_like",
]

#: Name of the column holding each row's file line (handed to ``validate_events``).
LINE = "_line"
BOM = b"\xef\xbb\xbf"


#: Decompressed bytes allowed per compressed byte, and the bounds of that default cap.
MAX_RATIO = 200
MIN_CAP = 256 * 2**20
MAX_CAP = 4 * 2**30
_CAP: ContextVar[int | None] = ContextVar("max_unpacked", default=None)
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)


def parse_size(text: str | int) -> int:
    """``"8GB"``, ``"500MB"``, ``"1.5g"`` or a number of bytes -> bytes (powers of 1024).

    Example
    -------
    >>> parse_size("8GB"), parse_size(1024)
    (8589934592, 1024)
    """
    if isinstance(text, int):
        value = text
    else:
        match = _SIZE.match(str(text))
        if not match:
            raise OptionError(f"max_unpacked={text!r} is not a size; write e.g. 8GB or 500MB")
        unit = (match.group(2) or "b")[0].lower()
        value = int(float(match.group(1)) * 1024 ** "bkmgt".index(unit))
    if value <= 0:
        raise OptionError(f"max_unpacked={text!r} must be positive")
    return value


@contextmanager
def max_unpacked(size: str | int | None) -> Iterator[None]:
    """Within the block, a compressed input may unpack to ``size`` (None: the default cap)."""
    token = _CAP.set(parse_size(size) if size is not None else None)
    try:
        yield
    finally:
        _CAP.reset(token)


def unpack_cap(compressed: int) -> int:
    """Bytes a ``compressed``-byte input may unpack to: ``max_unpacked`` if set, else
    :data:`MAX_RATIO` times its size, at least 256 MiB and at most 4 GiB."""
    given = _CAP.get()
    return given if given is not None else min(MAX_CAP, max(MIN_CAP, MAX_RATIO * compressed))


def _size_text(n: int) -> str:
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} bytes"


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def read_capped(stream: _Readable, *, compressed: int, label: str) -> bytes:
    """Read a decompressing stream to the end, stopping with an :class:`InputError` once it
    passes :func:`unpack_cap` (a zip or gzip bomb must not exhaust memory)."""
    cap = unpack_cap(compressed)
    chunks: list[bytes] = []
    total = 0
    while chunk := stream.read(min(1 << 24, cap + 1 - total)):
        total += len(chunk)
        if total > cap:
            raise InputError(
                f"unpacks to more than {_size_text(cap)} from {_size_text(compressed)} (a zip or gzip bomb?); "
                f"if the file is genuine, raise the cap with max_unpacked={_size_text(2 * cap).replace(' ', '')}",
                path=label,
            )
        chunks.append(chunk)
    return b"".join(chunks)


def gunzip(raw: bytes, label: str) -> bytes:
    """Decompress gzip bytes within :func:`unpack_cap`; a broken file is an :class:`InputError`."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            return read_capped(stream, compressed=len(raw), label=label)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"broken gzip file: {exc}", path=label) from None


def read_bytes(path: Path) -> bytes:
    """The whole file, decompressed when it is gzip (by content, not by name)."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", path=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", path=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=str(path)) from None
    if raw[:2] == b"\x1f\x8b":
        return gunzip(raw, str(path))
    return raw


def check_text(data: bytes, path: Path, *, what: str = "a text table") -> bytes:
    """Strip a UTF-8 BOM and make sure the bytes are UTF-8 text (no NUL bytes).

    Raises ``InputError("not a text table ...")`` for binary files and names the line of the
    first byte that is not UTF-8.
    """
    if data.startswith(BOM):
        data = data[len(BOM) :]
    if b"\x00" in data[:65536]:
        raise InputError(f"not {what}: the file holds binary data (NUL bytes)", path=str(path))
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not {what}: byte {data[exc.start]:#04x} is not UTF-8 (binary file or another encoding; "
            "save it as UTF-8)",
            path=str(path),
            line=line,
        ) from None
    return data


def is_text(head: bytes) -> bool:
    """Whether a file's first bytes look like UTF-8 text (for ``detect``)."""
    if head.startswith(BOM):
        head = head[len(BOM) :]
    if not head.strip() or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the end of the head is fine
        return exc.start >= len(head) - 3
    return True


def data_lines(head: bytes, *, comment: str | None = "#", limit: int = 20) -> list[str]:
    """The first complete non-blank, non-comment lines of a file head (for ``detect``)."""
    if head.startswith(BOM):
        head = head[len(BOM) :]
    text = head.decode("utf-8", errors="replace")
    lines = text.split("\n")
    if len(lines) > 1 and not text.endswith("\n"):
        lines = lines[:-1]  # the last line may be cut
    out = []
    for line in lines:
        line = line.rstrip("\r")
        if not line.strip() or (comment and line.lstrip().startswith(comment)):
            continue
        out.append(line)
        if len(out) >= limit:
            break
    return out


def looks_like(lines: list[str], pattern: re.Pattern[str]) -> bool:
    """Detection on sampled lines: the first matches and at most one in ten does not (so a
    file with a stray bad line is still recognised, and then fails with that line's number)."""
    if not lines or not pattern.match(lines[0]):
        return False
    misses = sum(1 for line in lines if not pattern.match(line))
    return misses * 10 <= len(lines)


def parse_origin(origin: str | datetime | None) -> int:
    """Microseconds since the Unix epoch of ``origin`` (ISO date or date-time, UTC unless it
    says otherwise); None means 1970-01-01T00:00:00Z."""
    if origin is None or (isinstance(origin, str) and not origin.strip()):
        return 0
    if isinstance(origin, datetime):
        value = origin
    else:
        try:
            value = datetime.fromisoformat(str(origin).strip().replace("Z", "+00:00"))
        except ValueError:
            raise OptionError(
                f"origin {origin!r} is not an ISO date or date-time (e.g. 2003-01-01 or "
                "2013-09-01T00:00:00Z)"
            ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    delta = value - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def seconds_to_ts(
    text: pl.Series,
    *,
    path: Path,
    lines: pl.Series,
    field: str = "ts",
    origin_us: int = 0,
) -> pl.Series:
    """Seconds (integer or decimal text) after ``origin_us`` -> Datetime(us, UTC).

    Integer seconds are converted exactly; decimal seconds are rounded to the microsecond.
    A value that is not a number names its line and ``field``.
    """
    as_int = text.cast(pl.Int64, strict=False)
    exact = as_int.null_count() == 0
    if exact:
        bad = as_int.abs() > 100_000_000_000
    else:
        seconds = text.cast(pl.Float64, strict=False)
        bad = seconds.is_null() | seconds.is_nan() | seconds.is_infinite() | (seconds.abs() > 1e11)
    if bad.any():
        row = int(bad.arg_true()[0])
        raise InputError(
            f"time {text[row]!r} is not a number of seconds",
            path=str(path),
            line=int(lines[row]),
            field=field,
        )
    if exact:
        micros = as_int * 1_000_000 + origin_us
    else:
        micros = (seconds * 1_000_000).round().cast(pl.Int64) + origin_us
    return micros.cast(pl.Datetime("us")).dt.replace_time_zone("UTC").alias("ts")


def first_data_lines(text: bytes, *, skip: int = 0, comment: bytes | None = b"#") -> tuple[int, int]:
    """(byte offset, line number) of the first line after ``skip`` lines and any leading
    comment or blank lines."""
    offset, line = 0, 1
    for _ in range(skip):
        end = text.find(b"\n", offset)
        if end < 0:
            return len(text), line + 1
        offset, line = end + 1, line + 1
    while offset < len(text):
        end = text.find(b"\n", offset)
        end = len(text) if end < 0 else end
        stripped = text[offset:end].strip()
        if stripped and not (comment and stripped.startswith(comment)):
            break
        offset, line = end + 1, line + 1
    return offset, line


def read_table(
    path: Path,
    names: tuple[str, ...],
    *,
    separator: str | None,
    skip: int = 0,
    comment: str | None = "#",
    data: bytes | None = None,
    what: str = "a text table",
) -> pl.DataFrame:
    """Read a delimited file without quoting into String columns ``names`` plus :data:`LINE`.

    ``separator`` None means any run of spaces or tabs. ``skip`` lines (a header) and leading
    comment/blank lines are skipped. A line with another number of fields than ``names`` is an
    error naming that line. Regular files (one separator, no blank or comment lines inside)
    go through polars' CSV reader; anything else is split line by line in polars.
    """
    if data is None:
        data = read_bytes(path)
    data = check_text(data, path, what=what)
    offset, first_line = first_data_lines(data, skip=skip, comment=comment.encode() if comment else None)
    body = data[offset:]
    if not body.strip():
        raise InputError("no data lines", path=str(path), line=first_line)
    fast = _fast_separator(body, separator, comment)
    frame = _fast_read(body, names, fast) if fast else None
    if frame is not None:
        return frame.with_columns(
            (pl.int_range(pl.len(), dtype=pl.Int64) + first_line).alias(LINE)
        )
    return _read_lines(body.decode("utf-8"), names, separator=separator, comment=comment,
                       first_line=first_line, path=path)


def _fast_separator(body: bytes, separator: str | None, comment: str | None) -> str | None:
    """The separator polars' reader can use on this body as it is, or None (then the body is
    split line by line). Only single-byte searches here (memchr-fast); doubled, leading or
    trailing separators and blank lines show up as empty fields, which the caller checks."""
    if b"\r" in body or (comment and comment.encode() in body):
        return None
    if separator is not None:
        return separator if separator != "," or b" " not in body else None
    if b"\t" not in body:
        return " "
    if b" " not in body:
        return "\t"
    return None


def _fast_read(body: bytes, names: tuple[str, ...], separator: str) -> pl.DataFrame | None:
    """polars' reader on a regular body; None when anything looks off (the caller then
    splits lines itself and reports the exact line)."""
    try:
        frame = pl.read_csv(
            io.BytesIO(body),
            separator=separator,
            has_header=False,
            new_columns=list(names),
            schema={name: pl.String for name in names},
            quote_char=None,
        )
    except pl.exceptions.PolarsError:
        return None
    if frame.width != len(names) or frame.null_count().sum_horizontal().item():
        return None
    if frame.select(pl.any_horizontal(pl.col(n) == "" for n in names).any()).item():
        return None
    return frame


def _read_lines(
    text: str,
    names: tuple[str, ...],
    *,
    separator: str | None,
    comment: str | None,
    first_line: int,
    path: Path,
) -> pl.DataFrame:
    lines = pl.DataFrame({"text": pl.Series([text]).str.split("\n").explode()}).with_row_index(
        LINE, offset=first_line
    )
    lines = lines.with_columns(pl.col(LINE).cast(pl.Int64), pl.col("text").str.strip_chars())
    keep = pl.col("text") != ""
    if comment:
        keep = keep & ~pl.col("text").str.starts_with(comment)
    lines = lines.filter(keep)
    if separator is None:
        parts = pl.col("text").str.replace_all(r"[ \t]+", " ").str.split(" ")
    else:
        parts = pl.col("text").str.split(separator).list.eval(pl.element().str.strip_chars())
    lines = lines.with_columns(parts.alias("parts")).with_columns(
        pl.col("parts").list.len().alias("n")
    )
    bad = lines.filter(pl.col("n") != len(names))
    if bad.height:
        line, count = int(bad[LINE][0]), int(bad["n"][0])
        sep_name = "whitespace" if separator is None else repr(separator)
        raise InputError(
            f"expected {len(names)} {sep_name}-separated fields ({' '.join(names)}), found {count}",
            path=str(path),
            line=line,
            field=names[count] if count < len(names) else None,
        )
    frame = lines.select(
        *[pl.col("parts").list.get(i).alias(name) for i, name in enumerate(names)], pl.col(LINE)
    )
    empty = frame.select(pl.any_horizontal(pl.col(n) == "" for n in names)).to_series()
    if empty.any():
        row = int(empty.arg_true()[0])
        field = next(n for n in names if frame[n][row] == "")
        raise InputError("empty field", path=str(path), line=int(frame[LINE][row]), field=field)
    return frame
