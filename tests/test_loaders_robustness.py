"""Input robustness: duplicates across files, zip/gzip bombs, stray quotes, bad actor ids, and
fuzzed inputs whose every error message names the file and, where there is one, the line."""

from __future__ import annotations

import gzip
import io
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ror_graph.errors import InputError, OptionError, RorGraphError
from ror_graph.loaders import _common, load_events
from ror_graph.model import validate_actors

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "exports"
HEADER = "src,dst,kind,ts,weight,event_id\n"
GOOD = ["ana,bo,reply,2024-01-01T10:00:00Z,1,e{}", "bo,ana,like,2024-01-02,2.5,e{}", "cy,ana,share,1704200000,,e{}"]
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _rows(n: int) -> list[str]:
    return [GOOD[i % len(GOOD)].format(i) for i in range(n)]


# -- duplicates across files -------------------------------------------------------------------


def test_event_ids_repeated_across_files_count_once(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text(HEADER + "\n".join(_rows(3)) + "\n")
    b.write_text(HEADER + "\n".join(_rows(5)) + "\n")  # e0..e2 again, then e3, e4
    ds = load_events([a, b])
    assert ds.events.height == 5 and ds.events["event_id"].n_unique() == 5
    assert any("dropped 3 event(s) whose event_id appeared in an earlier input file" in n for n in ds.notes)


def test_the_same_file_twice_is_read_once(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("src,dst,kind,ts\nana,bo,reply,2024-01-01\n")
    ds = load_events([a, tmp_path / "." / "a.csv"])
    assert ds.events.height == 1 and any("given more than once" in n for n in ds.notes)


# -- decompression caps ------------------------------------------------------------------------


def test_gzip_bomb_stops_at_the_cap_with_one_line(tmp_path):
    path = tmp_path / "bomb.csv.gz"
    path.write_bytes(gzip.compress(b"src,dst,kind,ts\n" + b"a,b,like,2024-01-01\n" * 200_000))
    with pytest.raises(InputError) as err:
        load_events([path], max_unpacked="1MB")
    message = str(err.value)
    assert message.startswith(f"{path}: unpacks to more than 1 MB") and "max_unpacked=2MB" in message
    assert "\n" not in message
    assert load_events([path], max_unpacked="8MB").events.height == 200_000


def test_zip_member_bomb_names_the_member(tmp_path):
    folder = tmp_path / "x"
    shutil.copytree(FIXTURES / "x", folder)
    archive = tmp_path / "x.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                data = file.read_bytes()
                if file.name == "tweets.js":
                    data += b" " * 3_000_000  # trailing blanks: valid, but unpacks far beyond the cap
                out.writestr(file.relative_to(folder).as_posix(), data)
    with pytest.raises(InputError, match=r"x\.zip:data/tweets\.js: unpacks to more than 1 MB"):
        load_events([archive], max_unpacked="1MB")
    assert load_events([archive]).events.height > 0  # the default cap: 200 x, at least 256 MiB


def test_default_cap_and_sizes():
    assert _common.unpack_cap(1000) == _common.MIN_CAP
    assert _common.unpack_cap(10 * 2**20) == 2000 * 2**20
    assert _common.unpack_cap(2**40) == _common.MAX_CAP
    assert _common.parse_size("1.5k") == 1536 and _common.parse_size("2GiB") == 2 * 2**30
    with pytest.raises(OptionError, match="max_unpacked='lots' is not a size"):
        _common.parse_size("lots")


def test_cli_names_the_option_to_raise_the_cap(tmp_path):
    from cli import main

    path = tmp_path / "big.csv.gz"
    path.write_bytes(gzip.compress(b"src,dst,kind,ts\n" + b"a,b,like,2024-01-01\n" * 100_000))
    result = CliRunner().invoke(main, ["stats", str(path), "--option", "max_unpacked=1MB"])
    assert result.exit_code == 1 and "--option max_unpacked=2MB" in result.output
    assert result.output.count("\n") == 1


# -- stray quotes ------------------------------------------------------------------------------


def test_stray_quote_says_where_and_how_to_fix(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("src,dst,kind,ts\nana,bo,reply,2024-01-01\nana,O\"Brien,reply,2024-01-02\nbo,ana,like,2024-01-03\n")
    with pytest.raises(InputError) as err:
        load_events([path])
    assert err.value.line == 3 and err.value.field == "dst"
    assert "stray quote at column 6 in 'O\"Brien'" in str(err.value)
    assert '"O""Brien"' in str(err.value) and "quote=none" in str(err.value)
    ds = load_events([path], quote="none")
    assert "O\"Brien" in ds.events["dst"].to_list()


def test_two_stray_quotes_are_found_too(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("src,dst,kind,ts\nana,O\"Brien,reply,2024-01-01\nbo,ana,reply,2024-01-02\nO\"Neil,ana,like,2024-01-03\n")
    with pytest.raises(InputError, match="stray quote") as err:
        load_events([path])
    assert err.value.line == 2


def test_properly_quoted_quotes_still_read(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text('src,dst,kind,ts\nana,"say ""hi"", bo",reply,2024-01-01\n')
    assert load_events([path]).events["dst"].to_list() == ['say "hi", bo']


# -- actors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ids", "line", "match"),
    [(["a", "", "b"], 3, "empty actor id"), (["a", None], 3, "empty actor id"),
     (["a", "b", "a"], 4, "actor id 'a' appears twice \\(first on line 2\\)")],
)
def test_validate_actors_rejects_empty_and_duplicate_ids(ids, line, match):
    with pytest.raises(InputError, match=match) as err:
        validate_actors(pl.DataFrame({"id": ids}), source="people.csv")
    assert str(err.value).startswith(f"people.csv:{line}: field 'id': ")


# -- fuzz: every error names the file and, where there is one, the line ------------------------

CORRUPTIONS = {
    "kind": (lambda r: r.replace("reply", "poke").replace("like", "poke").replace("share", "poke"), "kind"),
    "ts": (lambda r: ",".join(p if i != 3 else "yesterday" for i, p in enumerate(r.split(","))), "ts"),
    "weight": (lambda r: ",".join(p if i != 4 else "lots" for i, p in enumerate(r.split(","))), "weight"),
    "src": (lambda r: "," + r.split(",", 1)[1], "src"),
    "short": (lambda r: ",".join(r.split(",")[:3]), None),
    "stray_quote": (lambda r: r.replace("bo", 'b"o', 1).replace("ana", 'a"na', 1) if "bo" in r else 'x"y' + r, None),
}


@FUZZ
@given(n=st.integers(1, 40), at=st.integers(0, 39), how=st.sampled_from(sorted(CORRUPTIONS)),
       blank_lines=st.sets(st.integers(0, 39), max_size=3), gz=st.booleans())
def test_one_bad_row_is_named_by_file_and_line(n, at, how, blank_lines, gz):
    rows = _rows(n)
    at = at % n
    corrupt, field = CORRUPTIONS[how]
    rows[at] = corrupt(rows[at])
    lines, bad_line = [], None
    for i, row in enumerate(rows):
        if i in blank_lines:
            lines.append("")
        lines.append(row)
        if i == at:
            bad_line = len(lines) + 1  # + the header line
    data = (HEADER + "\n".join(lines) + "\n").encode()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("events.csv.gz" if gz else "events.csv")
        path.write_bytes(gzip.compress(data) if gz else data)
        with pytest.raises(InputError) as err:
            load_events([path])
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{bad_line}: "), (message, bad_line)
    if field is not None:
        assert err.value.field == field, message


def _loads_or_names_file_and_line(path: Path, max_line: int | None = None) -> None:
    """``path`` loads, or the error is one line starting with the file (the zip for a member)
    and, when the error knows the line, ``:line:``."""
    try:
        load_events([path])
    except RorGraphError as err:
        message = str(err)
        assert "\n" not in message, message
        if isinstance(err, InputError):
            assert message.startswith(str(path)), message
            if err.line is not None:
                assert f":{err.line}: " in message, message
                assert max_line is None or (1 <= err.line <= max_line and message.startswith(f"{path}:{err.line}: ")), message
        else:
            assert str(path) in message or "loader" in message, message


def _mutate(data: bytes, ops: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    tokens = [b'"', b",", b"\n", b"\xff", b"\x00", b"{", b"-1", b"", b"\r", b"\t"]
    for position, value in ops:
        at = position % (len(out) + 1)
        out[at:at + value % 3] = tokens[value % len(tokens)]
    return bytes(out)


@FUZZ
@given(ops=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=6),
       name=st.sampled_from(["events.csv", "events.tsv", "events.ndjson", "m.txt", "events.csv.gz", "events.parquet"]))
def test_mutated_tables_load_or_name_file_and_line(ops, name):
    frame = pl.DataFrame([r.split(",") for r in _rows(12)], schema=HEADER.strip().split(","), orient="row")
    if name.endswith(".ndjson"):
        data = frame.write_ndjson().encode()
    elif name.endswith(".tsv"):
        data = frame.write_csv(separator="\t").encode()
    elif name.endswith(".parquet"):
        buffer = io.BytesIO()
        frame.write_parquet(buffer)
        data = buffer.getvalue()
    elif name == "m.txt":
        data = b"".join(f"{i} {i + 1} {1700000000 + i}\n".encode() for i in range(12))
    else:
        data = frame.write_csv().encode()
    data = _mutate(data, ops)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
        _loads_or_names_file_and_line(path, max_line=data.count(b"\n") + 1)


EXPORTS = {
    "x": ["data/tweets.js", "data/account.js", "data/like.js", "data/follower.js"],
    "mastodon": ["outbox.json", "actor.json", "following_accounts.csv"],
    "linkedin": ["Connections.csv", "messages.csv", "Invitations.csv"],
    "slack": ["users.json", "channels.json", "general/2024-01-08.json"],
    "email/inbox.mbox": [""],
    "graph/community.graphml": [""],
}


@FUZZ
@given(ops=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=6),
       target=st.sampled_from([f"{k}:{m}" for k, members in EXPORTS.items() for m in members]), zipped=st.booleans())
def test_mutated_exports_name_the_file(ops, target, zipped):
    fixture, member = target.split(":")
    with tempfile.TemporaryDirectory() as tmp:
        source = FIXTURES / fixture
        path = Path(tmp) / source.name
        if source.is_dir():
            shutil.copytree(source, path)
            (path / member).write_bytes(_mutate((path / member).read_bytes(), ops))
            if zipped:
                archive = Path(tmp) / f"{source.name}.zip"
                with zipfile.ZipFile(archive, "w") as out:
                    for file in sorted(path.rglob("*")):
                        if file.is_file():
                            out.writestr(file.relative_to(path).as_posix(), file.read_bytes())
                path = archive
        else:
            path.write_bytes(_mutate(source.read_bytes(), ops))
        _loads_or_names_file_and_line(path)


def test_a_parquet_file_that_panics_the_reader_gives_one_line(tmp_path):
    """A damaged page makes polars' Parquet reader panic (polars 2.1); Rust prints the panic
    and a backtrace on stderr, which the user must not see: only the one-line error."""
    import subprocess
    import sys

    frame = pl.DataFrame([r.split(",") for r in _rows(12)], schema=HEADER.strip().split(","), orient="row")
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    path = tmp_path / "events.parquet"
    path.write_bytes(_mutate(buffer.getvalue(), [(53, 1)]))
    out = tmp_path / "out.csv"
    done = subprocess.run([sys.executable, "-m", "ror_graph.cli", "nurture", str(path), "-o", str(out)],
                          capture_output=True, text=True, env={**os.environ, "RUST_BACKTRACE": "1"})
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith(f"Error: {path}") and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not out.exists()
