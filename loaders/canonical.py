"""The canonical events table itself, as CSV, TSV, Parquet or NDJSON.

Follows :data:`ror_graph.model.EVENTS_SCHEMA` (ror-graph's own format, version 1): columns
``src``, ``dst``, ``kind``, ``ts`` (ISO 8601 text, naive = UTC, or Unix seconds), optional
``weight``, ``channel``, ``event_id``; other columns are ignored.

* Text tables: UTF-8 (a BOM is fine), LF or CRLF, RFC 4180 quoting (``"a, b"``, ``""`` for a
  quote, line breaks inside quotes), one header line, optionally gzip-compressed (``.csv.gz``).
  The delimiter comes from the ``delimiter`` option, else the extension (``.csv`` comma,
  ``.tsv``/``.tab`` tab), else it is sniffed from the header line (, tab ; |); a file whose
  header only makes sense with another delimiter is read with that one and a note says so.
  Blank lines are skipped.
* Parquet (``.parquet``/``.pq`` or the ``PAR1`` magic): typed columns; "lines" in messages
  are row numbers (1-based).
* NDJSON (``.ndjson``/``.jsonl``, or a text whose first character is ``{``): one JSON object
  per line.

Options: ``column_map`` (canonical name -> the file's column, e.g. ``{"src": "from", "ts":
"time"}``, or the string ``"src=from,ts=time"``), ``default_kind`` (the kind of every event
when there is no kind column; also fills empty kind cells), ``delimiter`` (``,`` ``;`` ``|``
``\\t`` or ``tab``).

Errors name the file, the line and the field: a missing column (at the header line), a ragged
row, an empty file, a binary file ("not a text table"), a value that cannot be read.

Example
-------
``events.csv``::

    src,dst,kind,ts,weight
    alice,bob,reply,2024-05-01T12:00:00Z,1
    bob,alice,like,1714567200,

>>> from ror_graph.loaders import load_events
>>> load_events(["events.csv"]).events.height                     # doctest: +SKIP
2
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import replace
from pathlib import Path

import polars as pl

from ror_graph.errors import InputError, OptionError
from ror_graph.loaders import Loader, _common
from ror_graph.loaders._common import LINE
from ror_graph.model import EVENTS_SCHEMA, KINDS, Dataset, validate_events

__all__ = ["LOADER", "load", "detect"]

_TEXT_EXT = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
_PARQUET_EXT = (".parquet", ".pq")
_NDJSON_EXT = (".ndjson", ".jsonl")
_CANDIDATES = (",", "\t", ";", "|")
_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
_REQUIRED = ("src", "dst", "kind", "ts")
_NESTED = (pl.List, pl.Struct, pl.Array, pl.Object)


def _suffix(path: Path) -> str:
    """The extension that tells the format, ignoring a trailing ``.gz``."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _split_header(line: str, delimiter: str, quotes: bool = True) -> list[str]:
    try:
        reader = csv.reader([line], delimiter=delimiter, quotechar='"') if quotes else csv.reader([line], delimiter=delimiter, quoting=csv.QUOTE_NONE)
        row = next(reader, [])
    except csv.Error:
        row = line.split(delimiter)
    return [name.strip() for name in row]


def detect(path: Path, head: bytes) -> bool:
    """A known extension (.csv .tsv .tab .parquet .pq .ndjson .jsonl, maybe .gz), the Parquet
    magic, or a text whose header names src and dst."""
    if head[:4] == b"PAR1":
        return True
    suffix = _suffix(path)
    if suffix in _TEXT_EXT or suffix in _PARQUET_EXT or suffix in _NDJSON_EXT:
        return True
    if not _common.is_text(head):
        return False
    lines = _common.data_lines(head, comment=None, limit=1)
    if not lines:
        return False
    if lines[0].lstrip().startswith("{"):
        return '"src"' in lines[0] and '"dst"' in lines[0]
    return any(
        {"src", "dst"} <= {n.lower() for n in _split_header(lines[0], d)} for d in _CANDIDATES
    )


def _parse_column_map(column_map: dict[str, str] | str | None) -> dict[str, str]:
    if column_map is None:
        return {}
    if isinstance(column_map, str):
        pairs = [p for p in column_map.replace(";", ",").split(",") if p.strip()]
        parsed = {}
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if not sep:
                key, sep, value = pair.partition(":")
            if not sep or not key.strip() or not value.strip():
                raise OptionError(
                    f"column_map {column_map!r}: write canonical=file pairs, e.g. src=from,ts=time"
                )
            parsed[key.strip()] = value.strip()
        column_map = parsed
    if not isinstance(column_map, dict):
        raise OptionError("column_map must map canonical names to the file's column names")
    unknown = [k for k in column_map if k not in EVENTS_SCHEMA]
    if unknown:
        raise OptionError(
            f"column_map names unknown column(s) {', '.join(map(repr, unknown))}; "
            f"canonical columns: {', '.join(EVENTS_SCHEMA)}"
        )
    return {k: str(v) for k, v in column_map.items()}


def _parse_delimiter(delimiter: str | None) -> str | None:
    if delimiter is None:
        return None
    value = _DELIMITER_NAMES.get(delimiter.strip().lower(), delimiter) if delimiter.strip() else delimiter
    if len(value) != 1 or value in '"\r\n':
        raise OptionError(f"delimiter {delimiter!r} must be one character such as , ; | or tab")
    return value


def _parse_quote(quote: str | None) -> bool:
    """Whether ``"`` quotes fields (the default) or is an ordinary character (``quote=none``)."""
    if quote is None or quote == '"':
        return True
    if quote.strip().lower() in ("none", "off", "no", "false", ""):
        return False
    raise OptionError(f"quote={quote!r}: use quote=none (quotes are ordinary characters) or leave it out")


def load(
    path: Path,
    *,
    column_map: dict[str, str] | str | None = None,
    default_kind: str | None = None,
    delimiter: str | None = None,
    quote: str | None = None,
) -> Dataset:
    """Read a canonical events table (CSV/TSV/Parquet/NDJSON) and validate it."""
    path = Path(path)
    mapping = _parse_column_map(column_map)
    delimiter = _parse_delimiter(delimiter)
    quotes = _parse_quote(quote)
    if default_kind is not None:
        default_kind = default_kind.strip().lower()
        if default_kind not in KINDS:
            raise OptionError(f"unknown default_kind {default_kind!r}; known kinds: {', '.join(KINDS)}")
    suffix = _suffix(path)
    notes: list[str] = []
    ndjson = None  # the NDJSON text, when the file is NDJSON
    direct = suffix in _PARQUET_EXT or _parquet_magic(path)  # read by polars from the file itself
    data = b"" if direct else _common.read_bytes(path)
    if direct or data[:4] == b"PAR1":
        frame, header_line, first_line = _read_parquet(path, data), None, 1  # row i is "line" i + 1
        header_text = None
    else:
        data = _common.check_text(data, path)
        if not data.strip():
            raise InputError("empty file: expected a header line and events", path=str(path))
        if suffix in _NDJSON_EXT or (suffix not in _TEXT_EXT and data.lstrip()[:1] == b"{"):
            frame, header_line, first_line, header_text = _read_ndjson(path, data), None, 1, None
            ndjson = data
        else:
            frame, header_text, chosen = _read_text(path, data, delimiter, _TEXT_EXT.get(suffix), mapping, quotes)
            header_line, first_line = 1, 2
            if delimiter is None and chosen != _TEXT_EXT.get(suffix, ","):
                notes.append(f"{path}: read as {_name(chosen)}-separated (sniffed from the header)")
    frame = _canonical_columns(
        frame, mapping, default_kind, path=path, header_line=header_line,
        header_text=header_text, delimiter=delimiter, ndjson=ndjson,
    )
    try:
        dataset = validate_events(frame, source=str(path), first_line=first_line, line_column=LINE)
    except pl.exceptions.PolarsError as exc:  # a value validation could not even compare
        raise InputError(f"cannot read the table: {_first_line(exc)}", path=str(path)) from None
    if notes:
        dataset = replace(dataset, notes=(*notes, *dataset.notes))
    return dataset


def _name(delimiter: str) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(delimiter, repr(delimiter))


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# --- text tables ------------------------------------------------------------------------


def _lines(text: str) -> pl.DataFrame:
    """Physical lines (without the line break) and their 1-based numbers."""
    lines = pl.Series("text", [text]).str.split("\n").explode()
    frame = pl.DataFrame({"text": lines}).with_row_index(LINE, offset=1)
    if text.endswith("\n"):
        frame = frame.head(frame.height - 1)
    return frame.with_columns(pl.col(LINE).cast(pl.Int64), pl.col("text").str.strip_suffix("\r"))


def _stray_quote(line: str, delimiter: str) -> int | None:
    """The 0-based position of the first quote in the middle of an unquoted field (``O"Brien``),
    or None. Runs only on the lines an error names."""
    inside, field_start, i = False, True, 0
    while i < len(line):
        c = line[i]
        if inside:
            if c == '"':
                if line[i + 1 : i + 2] == '"':
                    i += 2
                    continue
                inside = False
        elif c == '"':
            if not field_start:
                return i
            inside = True
        field_start = c == delimiter and not inside
        i += 1
    return None


def _check_stray_quotes(text: str, first: int, last: int, delimiter: str, path: Path, header: list[str]) -> None:
    """Raise a one-line error for the first stray quote on lines ``first..last`` (1-based)."""
    lines = text.split("\n")[first - 1 : last]
    for number, line in enumerate(lines, start=first):
        line = line.rstrip("\r")
        at = _stray_quote(line, delimiter)
        if at is None:
            continue
        field = line[:at].count(delimiter)
        start = line.rfind(delimiter, 0, at) + 1
        end = line.find(delimiter, at)
        value = line[start : end if end >= 0 else len(line)]
        raise InputError(
            f"stray quote at column {at + 1} in {value!r}: a quote inside an unquoted field opens a quoted "
            f'field that never closes. Write the field quoted with the quote doubled ("{value.replace(chr(34), chr(34) * 2)}"), '
            "or, if the file never quotes fields, read it with quote=none",
            path=str(path),
            line=number,
            field=header[field] if field < len(header) else None,
        )


def _records(text: str, delimiter: str, path: Path, quotes: bool = True) -> pl.DataFrame:
    """One row per CSV record: its first line, its number of fields, whether it is blank.
    Records span lines when a quoted field holds a line break (quote parity)."""
    lines = _lines(text)
    if not quotes or '"' not in text:
        records = lines
        bare = pl.col("text")
    else:
        per_line = pl.col("text").str.count_matches('"', literal=True)
        lines = lines.with_columns(
            ((per_line.cum_sum() - per_line) % 2 == 0).cum_sum().alias("_record"),
            per_line.alias("_quotes"),
        )
        records = lines.group_by("_record", maintain_order=True).agg(
            pl.col(LINE).first(), pl.col("text").str.join("\n"), pl.col("_quotes").sum()
        )
        unclosed = records.filter(pl.col("_quotes") % 2 == 1)
        if unclosed.height:
            first = int(unclosed[LINE][0])
            _check_stray_quotes(text, first, first, delimiter, path, _split_header(text.split("\n", 1)[0], delimiter))
            raise InputError(
                "a quoted field is never closed (unbalanced \")",
                path=str(path),
                line=int(unclosed[LINE][0]),
            )
        bare = pl.col("text").str.replace_all(r'"(?:[^"]|"")*"', "")
    return records.select(
        LINE,
        (bare.str.count_matches(delimiter, literal=True) + 1).alias("fields"),
        (pl.col("text").str.strip_chars() == "").alias("blank"),
    )


def _choose_delimiter(header: str, given: str | None, by_extension: str | None, wanted: set[str]) -> str:
    if given is not None:
        return given
    order = [by_extension] if by_extension else []
    order += [d for d in _CANDIDATES if d not in order]
    best, best_score = order[0], (-1, -1)
    for candidate in order:
        names = {n.lower() for n in _split_header(header, candidate)}
        score = (len(wanted & names), len(names))
        if score[0] == len(wanted):
            return candidate
        if score > best_score:
            best, best_score = candidate, score
    return best


def _read_text(
    path: Path, data: bytes, delimiter: str | None, by_extension: str | None, mapping: dict[str, str], quotes: bool = True
) -> tuple[pl.DataFrame, str, str]:
    text = data.decode("utf-8")
    header = text.split("\n", 1)[0].rstrip("\r")
    if not header.strip():
        raise InputError("the first line must be the header, but it is empty", path=str(path), line=1)
    wanted = {mapping.get(c, c).lower() for c in ("src", "dst", "ts")}
    chosen = _choose_delimiter(header, delimiter, by_extension, wanted)
    records = _records(text, chosen, path, quotes)
    expected = int(records["fields"][0])
    rows = records.slice(1)
    ragged = rows.filter(~pl.col("blank") & (pl.col("fields") != expected))
    if ragged.height:
        line, found = int(ragged[LINE][0]), int(ragged["fields"][0])
        names = _split_header(header, chosen, quotes)
        if quotes:
            following = records.filter(pl.col(LINE) > line)[LINE]
            _check_stray_quotes(text, line, int(following[0]) - 1 if following.len() else line, chosen, path, names)
        raise InputError(
            f"row has {found} field(s) but the header has {expected} ({', '.join(names)})",
            path=str(path),
            line=line,
            field=names[found] if found < len(names) else None,
        )
    if rows.height == 0 or rows["blank"].all():
        raise InputError("no events: the file has a header line but no rows", path=str(path), line=1)
    try:
        frame = pl.read_csv(
            io.BytesIO(data),
            separator=chosen,
            has_header=True,
            infer_schema=False,
            quote_char='"' if quotes else None,
        )
    except pl.exceptions.PolarsError as exc:
        raise InputError(f"cannot read the table: {_first_line(exc)}", path=str(path)) from None
    names = _split_header(header, chosen, quotes)
    if len(names) != frame.width:
        names = [c.strip() for c in frame.columns]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(f"column {name!r} appears twice in the header", path=str(path), line=1, field=name)
        seen.add(name)
    frame.columns = names
    if frame.height == rows.height:
        frame = frame.with_columns(rows[LINE]).filter(~rows["blank"])
    else:  # polars and the line scan disagree (stray quotes): keep going without line numbers
        frame = frame.filter(~pl.all_horizontal(pl.all().is_null()))
    return frame, header, chosen


# --- NDJSON and Parquet -----------------------------------------------------------------


def _read_ndjson(path: Path, data: bytes) -> pl.DataFrame:
    try:
        try:
            frame = pl.read_ndjson(io.BytesIO(data))
        except pl.exceptions.PolarsError:  # types that change after the first rows
            frame = pl.read_ndjson(io.BytesIO(data), infer_schema_length=None)
    except pl.exceptions.PolarsError as exc:
        # error path only: find the first line that is not a JSON object
        lines = _lines(data.decode("utf-8")).filter(pl.col("text").str.strip_chars() != "")
        for line, text in lines.iter_rows():
            try:
                value = json.loads(text)
            except json.JSONDecodeError as err:
                raise InputError(f"not valid JSON: {err.msg}", path=str(path), line=line) from None
            if not isinstance(value, dict):
                raise InputError("each line must be a JSON object", path=str(path), line=line) from None
        _check_plain_json(path, lines.iter_rows(), None)  # e.g. a number on one line, a list on another
        raise InputError(f"cannot read NDJSON: {_first_line(exc)}", path=str(path)) from None
    n_lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if frame.height == n_lines:  # no blank lines: row i is line i + 1
        return frame.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(LINE))
    lines = _lines(data.decode("utf-8")).filter(pl.col("text").str.strip_chars() != "")
    if frame.height == lines.height:
        frame = frame.with_columns(lines[LINE])
    return frame


def _check_plain_json(path: Path, lines: Iterable[tuple[int, str]], keys: Collection[str] | None) -> None:
    """Raise for the first JSON list or object under one of ``keys`` (any key when None) in
    the ``(line, text)`` pairs given."""
    for line, text in lines:
        for key, value in json.loads(text).items():
            if isinstance(value, (list, dict)) and (keys is None or key in keys):
                what = "a JSON list" if isinstance(value, list) else "a JSON object"
                raise InputError(f"holds nested values ({what}), expected plain values", path=str(path), line=line, field=key)


def _parquet_magic(path: Path) -> bool:
    """Whether the file starts with Parquet's magic bytes (only 4 bytes are read)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"PAR1"
    except OSError:
        return False  # read_bytes says what is wrong


def _read_parquet(path: Path, data: bytes) -> pl.DataFrame:
    """Read straight from the file (``data`` empty) or from bytes already read (a gzipped
    file); a file that does not start as Parquet does is read once more as bytes, in case it is
    gzip.
    No line column: validation numbers rows from 1, which is what messages say."""
    try:
        return _without_panic_text(lambda: pl.read_parquet(io.BytesIO(data) if data else path))
    except (pl.exceptions.PolarsError, OSError, pl.exceptions.PanicException) as exc:  # a damaged file can panic the reader
        if not data and not _parquet_magic(path):  # a compressed Parquet file: read it unpacked
            raw = _common.read_bytes(path)
            if raw[:4] == b"PAR1":
                return _read_parquet(path, raw)
        why = "damaged?" if isinstance(exc, pl.exceptions.PanicException) else _first_line(exc)
        raise InputError(f"not a readable Parquet file: {why}", path=str(path)) from None


def _without_panic_text(read: Callable[[], pl.DataFrame]) -> pl.DataFrame:
    """``read()`` with the process's stderr held back meanwhile: when a damaged file makes
    polars' reader panic, Rust writes the panic (and a backtrace) there before polars raises,
    and the user should see only the one-line error. Anything else written is passed on."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to hold back
        return read()
    panicked = False
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            return read()
        except pl.exceptions.PanicException:
            panicked = True
            time.sleep(0.2)  # the reader's other threads may still be writing their panics
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            if not panicked:
                held.seek(0)
                if text := held.read():
                    os.write(2, text)


# --- columns ------------------------------------------------------------------------------


def _canonical_columns(
    frame: pl.DataFrame,
    mapping: dict[str, str],
    default_kind: str | None,
    *,
    path: Path,
    header_line: int | None,
    header_text: str | None,
    delimiter: str | None,
    ndjson: bytes | None = None,
) -> pl.DataFrame:
    """Select the canonical columns (by column_map, exact or case-insensitive name); ``ndjson``
    is the NDJSON text the frame was read from, to name the line of a nested value."""
    columns = [c for c in frame.columns if c != LINE]
    by_lower: dict[str, str] = {}
    for c in columns:
        by_lower.setdefault(c.lower(), c)
    source: dict[str, str] = {}
    for name in EVENTS_SCHEMA:
        if name in mapping:
            if mapping[name] not in columns:
                raise InputError(
                    f"column_map maps {name} to {mapping[name]!r}, but the file has no such column; "
                    f"found: {', '.join(columns) or 'none'}",
                    path=str(path),
                    line=header_line,
                    field=mapping[name],
                )
            source[name] = mapping[name]
        elif name in columns:
            source[name] = name
        elif name in by_lower and by_lower[name] not in mapping.values():
            source[name] = by_lower[name]
    missing = [c for c in _REQUIRED if c not in source and not (c == "kind" and default_kind)]
    if missing:
        raise InputError(
            _missing_message(missing, columns, header_text, delimiter),
            path=str(path),
            line=header_line,
            field=missing[0],
        )
    selected = [pl.col(source[name]).alias(name) for name in EVENTS_SCHEMA if name in source]
    if LINE in frame.columns:
        selected.append(pl.col(LINE))
    out = frame.select(selected)
    if ndjson is not None and LINE in out.columns:
        # polars reads a list or object as text when other lines hold plain values
        maybe = [
            pl.col(name).str.starts_with("[") | pl.col(name).str.starts_with("{") if dtype == pl.String
            else pl.col(name).is_not_null()
            for name, dtype in out.schema.items()
            if name != LINE and (dtype == pl.String or isinstance(dtype, _NESTED))
        ]
        lines = out.filter(pl.any_horizontal(maybe))[LINE] if maybe else []
        if len(lines):  # only then is the text split into lines
            texts = ndjson.decode("utf-8").split("\n")
            _check_plain_json(path, ((line, texts[line - 1]) for line in lines), set(source.values()))
    for name, dtype in out.schema.items():
        if isinstance(dtype, _NESTED):
            raise InputError(f"holds nested values ({dtype}), expected plain values", path=str(path), field=name)
    if default_kind:
        if "kind" in out.columns:
            kind = pl.col("kind").cast(pl.String)
            out = out.with_columns(
                pl.when(kind.is_null() | (kind.str.strip_chars() == "")).then(pl.lit(default_kind))
                .otherwise(kind).alias("kind")
            )
        else:
            out = out.with_columns(pl.lit(default_kind).alias("kind"))
    return out


def _missing_message(missing: list[str], columns: list[str], header: str | None, delimiter: str | None) -> str:
    found = ", ".join(repr(c) for c in columns) or "none"
    message = f"missing column(s) {', '.join(missing)}; the header has {found}"
    if header is not None and len(columns) == 1:
        for candidate in _CANDIDATES:
            if candidate != delimiter and len(_split_header(header, candidate)) > 1:
                used = f" with delimiter {delimiter!r}" if delimiter else ""
                return (
                    f"the header{used} is one column ({header.strip()!r}); the file looks "
                    f"{_name(candidate)}-separated: pass delimiter={candidate!r}"
                )
    if "id" in {c.lower() for c in columns} and {"src", "dst"} & set(missing):
        return message + " (an 'id' column without src/dst looks like an actors table, not events)"
    if "kind" in missing:
        message += "; pass default_kind=... if every event has the same kind"
    others = [m for m in missing if m != "kind"]
    if others:
        message += f"; map other names with column_map, e.g. {{'{others[0]}': '<column in file>'}}"
    return message


LOADER = Loader(
    name="canonical",
    summary="ror-graph's events table (src,dst,kind,ts[,weight,channel,event_id]) as CSV/TSV/Parquet/NDJSON",
    extensions=(".csv", ".tsv", ".tab", ".parquet", ".pq", ".ndjson", ".jsonl", ".csv.gz", ".tsv.gz"),
    detect=detect,
    load=load,
    options={
        "column_map": "canonical name -> file column, e.g. {'src': 'from', 'ts': 'time'} or 'src=from,ts=time'",
        "default_kind": "kind of every event when the file has no kind column",
        "delimiter": "field delimiter for text tables (default: by extension, else sniffed)",
        "quote": "none: a \" is an ordinary character (for files that never quote fields, e.g. O\"Brien)",
    },
)
