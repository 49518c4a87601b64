"""Helpers the platform-export loaders share: one view over an export that is a folder, a
``.zip`` or a single file; JSON and CSV reading that names the member and the entry on error;
option parsing; a progress bar on stderr; and building the canonical tables from compact rows.
Not a loader itself.

Example
-------
>>> flag("yes"), flag(False), flag(None, default=True)
(True, False, True)
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from array import array
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import IO, Any, TypeVar

import polars as pl

from ror_graph.errors import InputError, OptionError
from ror_graph.loaders import _common
from ror_graph.model import Dataset, validate_events

__all__ = [
    "Archive",
    "Rows",
    "member_names",
    "member_head",
    "looks_zip",
    "flag",
    "choice",
    "parse_json",
    "read_csv_rows",
    "progress",
    "finish",
    "utc",
]

T = TypeVar("T")
_BOM = b"\xef\xbb\xbf"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def looks_zip(path: Path, head: bytes | None = None) -> bool:
    """A ``.zip`` name or the zip magic at the start of the file."""
    if path.suffix.lower() == ".zip":
        return True
    return bool(head) and head[:4] in (b"PK\x03\x04", b"PK\x05\x06")  # type: ignore[index]


# What zipfile raises for a damaged archive (NotImplementedError: a version field it does not know).
_UNREADABLE_ZIP = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError)


@lru_cache(maxsize=32)
def _zip_names(path: str, mtime: float, size: int) -> tuple[str, ...]:
    try:
        with zipfile.ZipFile(path) as archive:
            return tuple(info.filename for info in archive.infolist() if not info.is_dir())
    except _UNREADABLE_ZIP as exc:
        raise InputError(f"not a readable zip archive (truncated or damaged?): {exc}", path=path) from None


def member_names(path: Path, head: bytes = b"", *, limit: int | None = 5000) -> tuple[str, ...]:
    """Relative POSIX names of the files in a folder or zip (for ``detect``); () for a plain
    file. A broken zip raises :class:`InputError` (so the user hears why, not "unknown
    format"). A folder walk stops after ``limit`` files (None: all); detection only needs
    the top levels, and a Maildir may hold millions of files."""
    path = Path(path)
    if path.is_dir():
        out: list[str] = []
        for root, dirs, files in os.walk(path):
            dirs.sort()
            rel = Path(root).relative_to(path)
            for name in sorted(files):
                out.append((rel / name).as_posix() if str(rel) != "." else name)
                if limit is not None and len(out) >= limit:
                    return tuple(out)
        return tuple(out)
    if path.is_file() and looks_zip(path, head or _head(path)):
        stat = path.stat()
        return _zip_names(str(path), stat.st_mtime, stat.st_size)
    return ()


def member_head(path: Path, name: str, size: int = 4096) -> bytes:
    """The first ``size`` bytes of member ``name`` of a folder or zip (for ``detect``); b""
    when it cannot be read."""
    path = Path(path)
    try:
        if path.is_dir():
            with open(path / name, "rb") as handle:
                return handle.read(size)
        with zipfile.ZipFile(path) as archive, archive.open(name) as handle:
            return handle.read(size)
    except (*_UNREADABLE_ZIP, KeyError, RuntimeError, zlib.error):
        return b""


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(4)
    except OSError:
        return b""


def basename(name: str) -> str:
    return PurePosixPath(name).name


class Archive:
    """A platform export: a folder, a ``.zip``, or one file of it (then only that file).

    ``names`` are POSIX paths relative to the root; ``label(name)`` is what error messages
    show (``export.zip:data/tweets.js``).
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise InputError("no such file or folder", path=str(self.path))
        self.kind = "dir" if self.path.is_dir() else "zip" if looks_zip(self.path, _head(self.path)) else "file"
        self._zip: zipfile.ZipFile | None = None
        if self.kind == "file":
            self.names: tuple[str, ...] = (self.path.name,)
        else:
            self.names = member_names(self.path, limit=None)
        if self.kind == "zip":
            try:
                self._zip = zipfile.ZipFile(self.path)
            except _UNREADABLE_ZIP as exc:
                raise InputError(f"not a readable zip archive (truncated or damaged?): {exc}", path=str(self.path)) from None

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def label(self, name: str) -> str:
        if self.kind == "zip":
            return f"{self.path}:{name}"
        if self.kind == "file":
            return str(self.path)
        return str(self.path / name)

    def find(self, pattern: str | re.Pattern[str]) -> list[str]:
        """Members whose base name matches ``pattern`` (full match, case-insensitive), in
        natural order (``tweets.js`` < ``tweets-part1.js`` < ``tweets-part2.js`` <
        ``tweets-part10.js``); macOS ``__MACOSX`` shadows are ignored."""
        regex = re.compile(pattern, re.IGNORECASE) if isinstance(pattern, str) else pattern
        hits = [
            n for n in self.names
            if regex.fullmatch(basename(n)) and not n.startswith("__MACOSX/") and not basename(n).startswith("._")
        ]
        return sorted(hits, key=_natural)

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        """A binary stream of one member (read it in pieces to keep memory flat)."""
        try:
            if self._zip is not None:
                try:
                    member = self._zip.open(name)
                except (NotImplementedError, RuntimeError) as exc:  # unsupported compression or version; encrypted
                    raise InputError(f"cannot read this member of the zip: {exc}", path=self.label(name)) from None
                with member as handle:
                    yield handle
            else:
                target = self.path if self.kind == "file" else self.path / name
                with open(target, "rb") as handle:
                    yield handle
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise InputError(f"cannot read this member of the zip (truncated or damaged?): {exc}", path=self.label(name)) from None
        except OSError as exc:
            raise InputError(f"cannot read: {exc}", path=self.label(name)) from None

    def read(self, name: str) -> bytes:
        """A member's bytes; a zip member may unpack to at most :func:`_common.unpack_cap`."""
        with self.open(name) as handle:
            try:
                if self._zip is not None:
                    compressed = self._zip.getinfo(name).compress_size
                    return _common.read_capped(handle, compressed=compressed, label=self.label(name))
                return handle.read()
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                raise InputError(f"cannot read this member of the zip (truncated or damaged?): {exc}", path=self.label(name)) from None

    def text(self, name: str) -> str:
        data = self.read(name)
        if data.startswith(_BOM):
            data = data[len(_BOM):]
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InputError(f"byte {data[exc.start]:#04x} is not UTF-8 text", path=self.label(name), line=line) from None


def _natural(name: str) -> list[Any]:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


# --- options ------------------------------------------------------------------------------


def flag(value: Any, *, default: bool = False, name: str = "option") -> bool:
    """A boolean option given as a bool or as CLI text (true/false, yes/no, 1/0, on/off)."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on", "y"):
        return True
    if text in ("0", "false", "no", "off", "n", ""):
        return False
    raise OptionError(f"{name} must be true or false, got {value!r}")


def choice(value: Any, options: tuple[str, ...], *, name: str) -> str:
    """One of ``options`` (the first is the default)."""
    if value is None:
        return options[0]
    text = str(value).strip().lower()
    if text not in options:
        raise OptionError(f"{name} must be one of {', '.join(options)}; got {value!r}")
    return text


# --- JSON and CSV ----------------------------------------------------------------------------


def parse_json(text: str, label: str, *, line_offset: int = 0) -> Any:
    """``json.loads`` with an :class:`InputError` naming the file and line on bad JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg} (column {exc.colno})", path=label, line=exc.lineno + line_offset) from None
    except RecursionError:
        raise InputError("JSON nested too deeply", path=label) from None


def expect(value: Any, kind: type | tuple[type, ...], label: str, what: str, *, field: str | None = None) -> Any:
    """``value`` if it has the JSON type ``kind``, else an InputError naming ``what``."""
    if not isinstance(value, kind) or (kind is dict and not isinstance(value, dict)):
        names: dict[type, str] = {dict: "an object", list: "a list", str: "a string"}
        wanted = names.get(kind, str(kind)) if isinstance(kind, type) else " or ".join(names.get(k, str(k)) for k in kind)
        raise InputError(f"{what} should be {wanted}, found {type(value).__name__}", path=label, field=field)
    return value


def read_csv_rows(
    text: str,
    label: str,
    *,
    required: tuple[str, ...],
    preamble_until: Callable[[list[str]], bool] | None = None,
) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """(header, rows) of a CSV text whose header holds every column in ``required``
    (case-insensitive). Lines before the header (LinkedIn's ``Notes:`` preamble) are skipped:
    the header is the first record with all ``required`` names. Rows come as
    (line number, {header name (as written): value}).
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    wanted = {r.lower() for r in required}
    header: list[str] | None = None
    try:
        for record in reader:
            names = [c.strip() for c in record]
            if wanted <= {n.lower() for n in names}:
                header = names
                break
            if reader.line_num > 50:
                break
    except csv.Error as exc:
        raise InputError(f"not a readable CSV: {exc}", path=label, line=reader.line_num) from None
    if header is None:
        raise InputError(
            f"no header line with the columns {', '.join(required)} (in the first 50 lines)",
            path=label,
            line=1,
            field=required[0],
        )
    header_line = reader.line_num

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        line = header_line + 1
        try:
            for record in reader:
                if record and any(v.strip() for v in record):
                    yield line, {name: (record[i].strip() if i < len(record) else "") for i, name in enumerate(header)}
                line = reader.line_num + 1
        except csv.Error as exc:
            raise InputError(f"not a readable CSV: {exc}", path=label, line=reader.line_num) from None

    return header, rows()


def column(row: dict[str, str], *names: str) -> str:
    """The first non-empty value among the columns ``names`` (case-insensitive)."""
    lower = {k.lower(): v for k, v in row.items()}
    for name in names:
        value = lower.get(name.lower())
        if value:
            return value
    return ""


# --- times ----------------------------------------------------------------------------------


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def iso_time(text: Any) -> datetime | None:
    """ISO 8601 (``Z`` or an offset; naive = UTC) -> aware UTC datetime, or None."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return utc(datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00")))
    except (ValueError, OverflowError):
        return None


# --- progress ---------------------------------------------------------------------------------


def progress(items: Iterable[T], *, total: int | None, description: str, threshold: int = 200) -> Iterator[T]:
    """Yield ``items``, with a transient progress bar on stderr when it is a terminal and
    there are at least ``threshold`` items (data on stdout stays clean)."""
    if not sys.stderr.isatty() or (total is not None and total < threshold):
        yield from items
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        for item in items:
            yield item
            bar.advance(task)


# --- building the tables -----------------------------------------------------------------------


class Rows:
    """Compact event rows accumulated while reading (a few short strings each), turned into
    a validated :class:`Dataset` by :func:`finish`. ``text`` is kept only when asked."""

    def __init__(self, keep_text: bool = False) -> None:
        self.src: list[str] = []
        self.dst: list[str] = []
        self.kind: list[str] = []
        self.ts = array("q")  # microseconds since the epoch, UTC: 8 bytes a row
        self.weight = array("d")
        self.channel: list[str | None] = []
        self.event_id: list[str | None] = []
        self.text: list[str | None] | None = [] if keep_text else None

    def add(
        self,
        src: str,
        dst: str,
        kind: str,
        ts: datetime,
        *,
        weight: float = 1.0,
        channel: str | None = None,
        event_id: str | None = None,
        text: str | None = None,
    ) -> None:
        self.src.append(sys.intern(src))  # ids repeat: keep one copy of each
        self.dst.append(sys.intern(dst))
        self.kind.append(kind)
        delta = ts - _EPOCH
        self.ts.append((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)
        self.weight.append(weight)
        self.channel.append(sys.intern(channel) if channel is not None else None)
        self.event_id.append(event_id)
        if self.text is not None:
            self.text.append(text)

    def __len__(self) -> int:
        return len(self.src)

    def last_time(self) -> datetime | None:
        """The latest time added so far, or None."""
        return _EPOCH + timedelta(microseconds=max(self.ts)) if self.ts else None

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "src": pl.Series(self.src, dtype=pl.String),
                "dst": pl.Series(self.dst, dtype=pl.String),
                "kind": pl.Series(self.kind, dtype=pl.String),
                "ts": pl.Series(self.ts, dtype=pl.Int64).cast(pl.Datetime("us")).dt.replace_time_zone("UTC"),
                "weight": pl.Series(self.weight, dtype=pl.Float64),
                "channel": pl.Series(self.channel, dtype=pl.String),
                "event_id": pl.Series(self.event_id, dtype=pl.String),
            }
        )


def finish(
    rows: Rows,
    *,
    source: str,
    what: str,
    actors: dict[str, dict[str, Any]] | None = None,
    ego: str | None = None,
    notes: Iterable[str] = (),
) -> Dataset:
    """Validate the accumulated rows; add actors (only those that take part in an event),
    the ego, the loader's notes, and the ``text`` column when it was kept."""
    if not len(rows):
        raise InputError(f"no events found in this {what}", path=source)
    frame = rows.frame()
    actor_frame = None
    if actors:
        present = set(rows.src) | set(rows.dst)
        records = [{"id": key, **actors[key]} for key in sorted(actors) if key in present]
        if records:
            actor_frame = pl.DataFrame(records, infer_schema_length=None)
    dataset = validate_events(frame, source=source, first_line=1, actors=actor_frame, ego=ego)
    if rows.text is not None:
        texts = pl.DataFrame(
            {"event_id": pl.Series(rows.event_id, dtype=pl.String), "text": pl.Series(rows.text, dtype=pl.String)}
        ).filter(pl.col("event_id").is_not_null()).unique("event_id", keep="first", maintain_order=True)
        dataset = replace(dataset, events=dataset.events.join(texts, on="event_id", how="left", maintain_order="left"))
    return replace(dataset, notes=tuple(notes) + dataset.notes)
