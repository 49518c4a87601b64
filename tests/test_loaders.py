"""Loaders: the real datasets in ../shared/data against their published / measured figures,
format detection, bad inputs (each error names file, line and field), and a property test
for the canonical CSV reader."""

from __future__ import annotations

import gzip
import importlib
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ror_graph.errors import InputError, OptionError, RorGraphError
from ror_graph.loaders import REGISTRY, detect_loader, load_events
from ror_graph.model import EVENTS_SCHEMA


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def n_nodes(events: pl.DataFrame) -> int:
    return pl.concat([events["src"], events["dst"]]).n_unique()


def span_days(events: pl.DataFrame) -> float:
    return (events["ts"].max() - events["ts"].min()).total_seconds() / 86400


# --- the shared datasets ------------------------------------------------------------------


@pytest.fixture(scope="module")
def data(shared_data: Path) -> Path:
    """The shared datasets (tests/conftest.py: fails in CI when they are missing)."""
    return shared_data.resolve()


@pytest.fixture(scope="module")
def higgs_path(data: Path) -> Path:
    return data / "higgs-twitter" / "higgs-activity_time.txt.gz"


@pytest.fixture(scope="module")
def higgs(higgs_path: Path):
    return load_events([higgs_path])


def test_collegemsg(data: Path) -> None:
    path = data / "collegemsg" / "CollegeMsg.txt"
    assert detect_loader(path).name == "snap_temporal"
    ds = load_events([path])
    ev = ds.events
    assert ev.height == 59_835
    assert n_nodes(ev) == 1_899
    assert ev.select(pl.struct("src", "dst").n_unique()).item() == 20_296
    assert ev["kind"].cast(pl.String).unique().to_list() == ["message"]
    assert ev["ts"].min() == utc(2004, 4, 15, 14, 56, 1)
    assert ev["ts"].max() == utc(2004, 10, 26, 7, 52, 22)
    assert span_days(ev) == pytest.approx(193.71, abs=0.01)
    assert ev["weight"].unique().to_list() == [1.0]
    assert dict(ev.schema) == EVENTS_SCHEMA
    assert ds.notes == ()


def test_email_eu_core(data: Path) -> None:
    path = data / "email-eu-core-temporal" / "email-Eu-core-temporal.txt.gz"
    assert detect_loader(path).name == "snap_temporal"
    ev = load_events([path]).events
    assert ev.height == 332_334
    assert n_nodes(ev) == 986
    assert ev.select(pl.struct("src", "dst").n_unique()).item() == 24_929
    assert ev["kind"].cast(pl.String).unique().to_list() == ["email"]  # from the file name
    assert ev["ts"].min() == utc(1970, 1, 1)  # relative seconds, origin 1970 by default
    assert (ev["ts"].max() - ev["ts"].min()).total_seconds() == 69_459_254
    assert span_days(ev) == pytest.approx(803.93, abs=0.01)
    shifted = load_events([path], origin="2003-01-01", kind="message").events
    assert shifted["ts"].min() == utc(2003, 1, 1)
    assert shifted["kind"].cast(pl.String).unique().to_list() == ["message"]


@pytest.mark.parametrize(
    ("folder", "name", "edges", "nodes", "positive", "first", "last"),
    [
        ("bitcoin-otc", "soc-sign-bitcoinotc.csv", 35_592, 5_881, 0.8999,
         utc(2010, 11, 8, 18, 45, 11), utc(2016, 1, 25, 1, 12, 3)),
        ("bitcoin-alpha", "soc-sign-bitcoinalpha.csv", 24_186, 3_783, 0.9365,
         utc(2010, 11, 8, 5), utc(2016, 1, 22, 5)),
    ],
)
def test_bitcoin(data: Path, folder, name, edges, nodes, positive, first, last) -> None:
    path = data / folder / name
    assert detect_loader(path).name == "snap_signed"
    ev = load_events([path]).events
    assert ev.height == edges
    assert n_nodes(ev) == nodes
    assert ev.select(pl.struct("src", "dst").n_unique()).item() == edges
    assert (ev["weight"] > 0).mean() == pytest.approx(positive, abs=5e-5)
    assert ev["weight"].min() == -10 and ev["weight"].max() == 10
    assert ev["kind"].cast(pl.String).unique().to_list() == ["rating"]
    assert ev["ts"].min().replace(microsecond=0) == first
    assert ev["ts"].max().replace(microsecond=0) == last


def test_bitcoin_otc_keeps_fractional_seconds(data: Path) -> None:
    ev = load_events([data / "bitcoin-otc" / "soc-sign-bitcoinotc.csv"]).events
    # first line: 6,2,4,1289241911.72836
    assert ev.row(0)[:5] == ("6", "2", "rating", utc(2010, 11, 8, 18, 45, 11, 728360), 4.0)


def test_higgs_counts(higgs_path: Path, higgs) -> None:
    assert detect_loader(higgs_path).name == "higgs"
    raw = pl.read_csv(higgs_path, separator=" ", has_header=False,
                      new_columns=["a", "b", "t", "k"], schema_overrides={"a": pl.String, "b": pl.String})
    assert raw.height == 563_069
    before = dict(raw.group_by("k").len().iter_rows())
    assert before == {"RT": 354_930, "MT": 171_237, "RE": 36_902}
    loops = dict(raw.filter(pl.col("a") == pl.col("b")).group_by("k").len().iter_rows())
    assert loops == {"MT": 7_081, "RE": 507}
    ev = higgs.events
    assert ev.height == 563_069 - 7_588
    after = dict(ev.group_by(pl.col("kind").cast(pl.String)).len().iter_rows())
    assert after == {"share": 354_930, "mention": 171_237 - 7_081, "reply": 36_902 - 507}
    assert any("7,588 self-loop" in note for note in higgs.notes)
    assert pl.concat([raw["a"], raw["b"]]).n_unique() == 304_691
    assert ev["ts"].min() == utc(2012, 7, 1, 0, 2, 52)
    assert ev["ts"].max() == utc(2012, 7, 7, 23, 59, 53)


def test_higgs_direction(data: Path, higgs) -> None:
    """src = userA = the one who retweets; dst = userB = the retweeted author (see the loader's
    docstring): a few authors are retweeted by very many, nobody retweets thousands of times."""
    shares = higgs.events.filter(pl.col("kind") == "share")
    by_dst = shares.group_by("dst").len().sort("len", descending=True)
    by_src = shares.group_by("src").len().sort("len", descending=True)
    assert by_dst.row(0) == ("88", 18_977)
    assert by_src["len"][0] == 149
    assert shares["src"].n_unique() == 228_556 and shares["dst"].n_unique() == 41_426
    # the same orientation as SNAP's aggregated retweet layer
    layer = pl.read_csv(data / "higgs-twitter" / "higgs-retweet_network.edgelist.gz", separator=" ",
                        has_header=False, new_columns=["src", "dst", "n"],
                        schema_overrides={"src": pl.String, "dst": pl.String, "n": pl.UInt32})
    ours = shares.group_by("src", "dst").len().rename({"len": "n"})
    assert ours.height == layer.height == 328_132
    joined = layer.join(ours, on=["src", "dst"], how="inner")
    assert joined.height == layer.height and (joined["n"] == joined["n_right"]).all()


def test_higgs_edgelists_are_recognised_and_refused(data: Path) -> None:
    path = data / "higgs-twitter" / "higgs-reply_network.edgelist.gz"
    assert detect_loader(path).name == "higgs"
    with pytest.raises(InputError, match="higgs-activity_time"):
        load_events([path])


def test_copenhagen_calls(data: Path) -> None:
    path = data / "copenhagen" / "calls.csv"
    assert detect_loader(path).name == "copenhagen"
    ds = load_events([path])
    ev = ds.events
    assert ev.height == 3_600
    assert n_nodes(ev) == 536
    assert ev.select(pl.struct("src", "dst").n_unique()).item() == 924
    assert ev["kind"].cast(pl.String).unique().to_list() == ["call"]
    # 366 missed calls (-1) kept as attempts with weight 0, plus 580 calls of 0 seconds
    assert int((ev["weight"] == 0).sum()) == 366 + 580
    assert any("366 missed call" in note and "580 other" in note for note in ds.notes)
    assert ev.row(0)[:5] == ("300", "301", "call", utc(1970, 1, 1, 0, 3, 4), 121.0)
    assert (ev["ts"].max() - ev["ts"].min()).total_seconds() == 2_416_399 - 184
    assert span_days(ev) == pytest.approx(27.97, abs=0.01)


def test_copenhagen_sms(data: Path) -> None:
    path = data / "copenhagen" / "sms.csv"
    assert detect_loader(path).name == "copenhagen"
    ev = load_events([path], origin="2013-09-01T00:00:00Z").events
    assert ev.height == 24_333
    assert n_nodes(ev) == 568
    assert ev.select(pl.struct("src", "dst").n_unique()).item() == 1_303
    assert ev["kind"].cast(pl.String).unique().to_list() == ["sms"]
    assert ev["ts"].min() == utc(2013, 9, 1, 0, 0, 18)
    assert span_days(ev) == pytest.approx(28.00, abs=0.01)


@pytest.mark.parametrize("name", ["fb_friends.csv", "genders.csv"])
def test_copenhagen_non_event_files_are_refused(data: Path, name: str) -> None:
    path = data / "copenhagen" / name
    assert detect_loader(path).name == "copenhagen"
    with pytest.raises(InputError, match="no timed interactions"):
        load_events([path])


def test_undated_edge_list_is_not_guessed(data: Path) -> None:
    with pytest.raises(InputError, match="cannot tell the format"):
        detect_loader(data / "ego-facebook" / "facebook_combined.txt")


def test_load_several_files_combines(data: Path) -> None:
    ds = load_events([data / "copenhagen" / "calls.csv", data / "copenhagen" / "sms.csv"])
    assert ds.events.height == 3_600 + 24_333
    assert len(ds.sources) == 2


# --- detection ---------------------------------------------------------------------------


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


CANONICAL = (
    "src,dst,kind,ts,weight\n"
    "alice,bob,reply,2024-05-01T12:00:00Z,1\n"
    "bob,alice,like,1714567200,\n"
    "carol,alice,share,2024-05-02 08:30,2.5\n"
)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("events.csv", CANONICAL, "canonical"),
        ("events.tsv", CANONICAL.replace(",", "\t"), "canonical"),
        ("events.txt", CANONICAL, "canonical"),  # by header, not by extension
        ("numeric.csv", "src,dst,weight,ts\n1,2,3,100\n2,1,-4,200\n", "canonical"),
        ("ratings.csv", "1,2,3,100\n2,1,-4,200.5\n", "snap_signed"),
        ("ratings_header.csv", "SOURCE,TARGET,RATING,TIME\n1,2,3,100\n", "snap_signed"),
        ("msgs.txt", "# SNAP\n1 2 100\n2 1 200\n", "snap_temporal"),
        ("msgs.tsv", "1\t2\t100\n2\t1\t200\n", "snap_temporal"),
        ("msgs_header.txt", "SRC DST UNIXTS\r\n1 2 100\r\n2 1 200\r\n", "snap_temporal"),
        ("activity.txt", "1 2 100 RT\n2 3 200 MT\n3 1 300 RE\n", "higgs"),
        ("calls.csv", "timestamp,caller,callee,duration\n1,2,3,60\n", "copenhagen"),
        ("sms.csv", "timestamp,sender,recipient\n1,2,3\n", "copenhagen"),
        ("events.ndjson", '{"src":"a","dst":"b","kind":"reply","ts":1}\n', "canonical"),
        ("noext", '{"src":"a","dst":"b","kind":"reply","ts":1}\n', "canonical"),
    ],
)
def test_detection(tmp_path: Path, name: str, content: str, expected: str) -> None:
    assert detect_loader(write(tmp_path, name, content)).name == expected


def test_detection_gzip_and_parquet(tmp_path: Path) -> None:
    gz = write(tmp_path, "msgs.txt.gz", gzip.compress(b"1 2 100\n2 1 200\n"))
    assert detect_loader(gz).name == "snap_temporal"
    frame = pl.DataFrame({"src": ["a"], "dst": ["b"], "kind": ["reply"], "ts": [utc(2024, 1, 1)]})
    frame.write_parquet(tmp_path / "events.bin")
    assert detect_loader(tmp_path / "events.bin").name == "canonical"


def test_detection_does_not_confuse_snap_and_higgs(tmp_path: Path) -> None:
    snap = write(tmp_path, "a.txt", "1 2 100\n2 1 200\n")
    higgs = write(tmp_path, "b.txt", "1 2 100 RT\n2 1 200 RE\n")
    assert not REGISTRY["higgs"].detect(snap, snap.read_bytes())
    assert not REGISTRY["snap_temporal"].detect(higgs, higgs.read_bytes())
    canonical = write(tmp_path, "c.csv", CANONICAL)
    assert not REGISTRY["snap_signed"].detect(canonical, canonical.read_bytes())
    assert not REGISTRY["copenhagen"].detect(canonical, canonical.read_bytes())


def test_unknown_format(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.txt", "hello world\nthis is prose\n")
    with pytest.raises(InputError, match="cannot tell the format") as err:
        load_events([path])
    assert "notes.txt" in str(err.value)


# --- canonical: good inputs ----------------------------------------------------------------


def test_canonical_basic(tmp_path: Path) -> None:
    ds = load_events([write(tmp_path, "events.csv", CANONICAL)])
    ev = ds.events
    assert dict(ev.schema) == EVENTS_SCHEMA
    assert ev["src"].to_list() == ["alice", "bob", "carol"]
    assert ev["ts"].to_list() == [utc(2024, 5, 1, 12), utc(2024, 5, 1, 12, 40), utc(2024, 5, 2, 8, 30)]
    assert ev["weight"].to_list() == [1.0, 1.0, 2.5]


def test_canonical_bom_crlf_unicode_quotes(tmp_path: Path) -> None:
    text = (
        "src,dst,kind,ts,weight,channel\r\n"
        '"Zoë, the first","北京 😀",reply,2024-05-01T12:00:00+02:00,1,"multi\r\nline"\r\n'
        '"say ""hi""",bob,like,1714567200,,x\r\n'
    )
    ds = load_events([write(tmp_path, "e.csv", b"\xef\xbb\xbf" + text.encode())])
    ev = ds.events
    assert ev["src"].to_list() == ["Zoë, the first", 'say "hi"']
    assert ev["dst"].to_list() == ["北京 😀", "bob"]
    assert ev["ts"][0] == utc(2024, 5, 1, 10)
    assert ev["channel"][0] == "multi\r\nline"


def test_canonical_line_numbers_after_multiline_quotes(tmp_path: Path) -> None:
    text = 'src,dst,kind,ts\n"a\nb\nc",x,reply,2024-01-01\n\ny,z,poke,2024-01-02\n'
    with pytest.raises(InputError) as err:
        load_events([write(tmp_path, "e.csv", text)])
    assert (err.value.line, err.value.field) == (6, "kind")


def test_canonical_tsv_gz_and_named_delimiter(tmp_path: Path) -> None:
    tsv = CANONICAL.replace(",", "\t")
    assert load_events([write(tmp_path, "e.tsv.gz", gzip.compress(tsv.encode()))]).events.height == 3
    assert load_events([write(tmp_path, "e.dat", tsv)], loader="canonical", delimiter="tab").events.height == 3


def test_canonical_sniffs_semicolons(tmp_path: Path) -> None:
    ds = load_events([write(tmp_path, "e.csv", CANONICAL.replace(",", ";"))])
    assert ds.events.height == 3
    assert any("semicolon" in note for note in ds.notes)


def test_canonical_column_map_and_default_kind(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "from,to,time,Weight\na,b,2024-01-01,2\nb,a,2024-01-02,3\n")
    for column_map in ({"src": "from", "dst": "to", "ts": "time"}, "src=from, dst=to, ts=time"):
        ev = load_events([path], column_map=column_map, default_kind="message").events
        assert ev["kind"].cast(pl.String).to_list() == ["message", "message"]
        assert ev["weight"].to_list() == [2.0, 3.0]  # case-insensitive canonical names
    with pytest.raises(OptionError, match="unknown column"):
        load_events([path], column_map={"source": "from"})
    with pytest.raises(OptionError, match="default_kind"):
        load_events([path], column_map={"src": "from", "dst": "to", "ts": "time"}, default_kind="poke")


def test_canonical_default_kind_fills_empty_cells(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "src,dst,kind,ts\na,b,,2024-01-01\nb,a,reply,2024-01-02\n")
    ev = load_events([path], default_kind="like").events
    assert ev["kind"].cast(pl.String).to_list() == ["like", "reply"]


def test_canonical_parquet_and_ndjson(tmp_path: Path) -> None:
    pl.DataFrame(
        {"src": [1, 2], "dst": [2, 1], "kind": ["reply", "like"],
         "ts": [datetime(2024, 1, 1), datetime(2024, 1, 2)], "weight": [1.0, None]}
    ).write_parquet(tmp_path / "e.parquet")
    ev = load_events([tmp_path / "e.parquet"]).events
    assert ev["src"].to_list() == ["1", "2"] and ev["ts"][0] == utc(2024, 1, 1)
    nd = write(tmp_path, "e.ndjson",
               '{"src":"a","dst":"b","kind":"reply","ts":"2024-01-01T00:00:00Z"}\n\n'
               '{"src":"b","dst":"a","kind":"like","ts":1704153600,"weight":2}\n')
    ev = load_events([nd]).events
    assert ev["ts"].to_list() == [utc(2024, 1, 1), utc(2024, 1, 2)]
    assert ev["weight"].to_list() == [1.0, 2.0]


# --- canonical: bad inputs -----------------------------------------------------------------


def expect_error(path: Path, *, line: int | None, field: str | None, match: str, **options) -> InputError:
    with pytest.raises(InputError, match=match) as err:
        load_events([path], **options)
    message = str(err.value)
    assert path.name in message
    assert err.value.line == line, message
    assert err.value.field == field, message
    if line is not None:
        assert f":{line}:" in message
    if field is not None:
        assert f"'{field}'" in message
    return err.value


def test_missing_column(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "src,dst,kind,when\na,b,reply,2024-01-01\n")
    error = expect_error(path, line=1, field="ts", match="missing column")
    assert "'when'" in str(error) and "column_map" in str(error)


def test_column_map_to_absent_column(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "src,dst,kind,when\na,b,reply,2024-01-01\n")
    expect_error(path, line=1, field="time", match="no such column", column_map={"ts": "time"})


def test_wrong_delimiter_is_explained(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", CANONICAL.replace(",", ";"))
    error = expect_error(path, line=1, field="src", match="one column", delimiter=",")
    assert "delimiter=';'" in str(error)


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_empty_file(tmp_path: Path, content: str) -> None:
    expect_error(write(tmp_path, "e.csv", content), line=None, field=None, match="empty file")


def test_header_only(tmp_path: Path) -> None:
    expect_error(write(tmp_path, "e.csv", "src,dst,kind,ts\n"), line=1, field=None, match="no events")


@pytest.mark.parametrize(
    ("content", "line"),
    [(bytes(range(256)) * 8, None), (b"src,dst,kind,ts\na,b,reply,1\n\xff\xfe\x00\x01", None),
     (b"src,dst,kind,ts\na,b,reply,1\nc,\xe9,like,2\n", 3)],
)
def test_binary_or_not_utf8(tmp_path: Path, content: bytes, line: int | None) -> None:
    expect_error(write(tmp_path, "e.csv", content), line=line, field=None, match="not a text table")


def test_ragged_rows(tmp_path: Path) -> None:
    short = write(tmp_path, "short.csv", CANONICAL + "dan,erin,reply\n")
    expect_error(short, line=5, field="ts", match="3 field")
    long = write(tmp_path, "long.csv", CANONICAL + "dan,erin,reply,2024-01-01,1,extra\n")
    expect_error(long, line=5, field=None, match="6 field")


def test_unclosed_quote(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", CANONICAL + '"dan,erin,reply,2024-01-01,1\n')
    expect_error(path, line=5, field=None, match="never closed")


def test_actors_file_is_not_events(tmp_path: Path) -> None:
    path = write(tmp_path, "actors.csv", "id,name\nalice,Alice\n")
    expect_error(path, line=1, field="src", match="actors table")


@pytest.mark.parametrize(
    ("row", "field", "match"),
    [
        ("dan,erin,poke,2024-01-01,1", "kind", "unknown kind 'poke'"),
        ("dan,erin,reply,yesterday,1", "ts", "cannot read time"),
        ("dan,erin,reply,,1", "ts", "empty time; use ISO 8601"),
        ("dan,erin,reply,1e300,1", "ts", "cannot read time"),
        ("dan,erin,reply,9999-12-31T23:59:59Z,1", "ts", "time '9999-12-31T23:59:59Z' is out of range: times must lie in the years 1900 to 2199"),
        ("dan,erin,reply,-62135596801,1", "ts", "out of range"),  # year 0
        ("dan,erin,reply,2024-01-01,lots", "weight", "not a finite number"),
        (",erin,reply,2024-01-01,1", "src", "empty id"),
    ],
)
def test_bad_values_name_line_and_field(tmp_path: Path, row: str, field: str, match: str) -> None:
    path = write(tmp_path, "e.csv", CANONICAL + "\n" + row + "\n")  # a blank line before it
    expect_error(path, line=6, field=field, match=match)


def test_parquet_time_past_year_9999_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "far.parquet"
    pl.DataFrame({"src": ["a", "b"], "dst": ["b", "a"], "kind": ["reply", "reply"], "ts": [1_000, 2**40 * 1_000]},
                 schema_overrides={"ts": pl.Datetime("ms")}).write_parquet(path)
    # Parquet has no header: its rows are numbered from 1
    expect_error(path, line=2, field="ts", match=r"time '\+36812-02-20 00:36:16.000' is out of range")


def test_duplicate_header_column(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "src,dst,kind,ts,src\na,b,reply,1,c\n")
    expect_error(path, line=1, field="src", match="twice")


def test_bad_ndjson_line(tmp_path: Path) -> None:
    path = write(tmp_path, "e.ndjson", '{"src":"a","dst":"b","kind":"reply","ts":1}\n{"src": oops}\n')
    expect_error(path, line=2, field=None, match="not valid JSON")


def test_nested_ndjson_value(tmp_path: Path) -> None:
    good = '{"src":"a","dst":"b","kind":"reply","ts":1,"weight":1}\n'
    for field, value, what in (("src", '["b"]', "list"), ("dst", '{"x":1}', "object"), ("kind", '["reply"]', "list"),
                               ("ts", "[1]", "list"), ("weight", '{"w":2}', "object")):
        bad = good.replace(f'"{field}":', f'"{field}":{value},"_{field}":')
        expect_error(write(tmp_path, "e.ndjson", good + bad), line=2, field=field, match=f"nested values \\(a JSON {what}")
    expect_error(write(tmp_path, "e.ndjson", '{"src":["b"],"dst":"a","kind":"reply","ts":1}\n'), line=1, field="src",
                 match="nested values")
    # text that only looks like JSON, and nested values in other columns, are fine
    ok = write(tmp_path, "e.ndjson", '{"src":"[b]","dst":"{a","kind":"reply","ts":1,"meta":{"x":1}}\n')
    assert load_events([ok]).events["src"].to_list() == ["[b]"]


def test_not_parquet(tmp_path: Path) -> None:
    expect_error(write(tmp_path, "e.parquet", b"PAR1 garbage"), line=None, field=None, match="Parquet")


def test_unknown_option(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="does not take"):
        load_events([write(tmp_path, "e.csv", CANONICAL)], origin="2024-01-01")


# --- SNAP, Higgs, Copenhagen: bad and unusual inputs ---------------------------------------


def test_snap_temporal_whitespace_comments_and_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "m.txt", "# Directed\n# SRC DST TS\n1 2 100\n 3\t4   200 \r\n\n5 6 300\n")
    ds = load_events([path], loader="snap_temporal", kind="email")
    assert ds.events["src"].to_list() == ["1", "3", "5"]
    assert ds.events["ts"].to_list() == [utc(1970, 1, 1, 0, 1, 40), utc(1970, 1, 1, 0, 3, 20), utc(1970, 1, 1, 0, 5)]
    bad = write(tmp_path, "bad.txt", "# c\n1 2 100\n\n3 4\n")
    expect_error(bad, line=4, field="ts", match="expected 3", loader="snap_temporal")
    bad_ts = write(tmp_path, "bad_ts.txt", "1 2 100\n3 4 soon\n")
    expect_error(bad_ts, line=2, field="ts", match="not a number", loader="snap_temporal")


def test_snap_temporal_header_line_is_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, "m.txt", "# c\nsource target timestamp\n1 2 100\n2 1 x\n")
    expect_error(path, line=4, field="ts", match="not a number", loader="snap_temporal")
    path.write_text("# c\nsource target timestamp\n1 2 100\n2 1 200\n")
    assert load_events([path]).events["dst"].to_list() == ["2", "1"]


def test_snap_temporal_options(tmp_path: Path) -> None:
    path = write(tmp_path, "m.txt", "1 2 0\n2 1 86400\n")
    ev = load_events([path], origin="2020-02-01").events
    assert ev["ts"].to_list() == [utc(2020, 2, 1), utc(2020, 2, 2)]
    with pytest.raises(OptionError, match="origin"):
        load_events([path], origin="last tuesday")
    with pytest.raises(OptionError, match="unknown kind"):
        load_events([path], kind="carrier pigeon")


def test_snap_signed_bad_rating(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "1,2,3,100\n2,1,x,200\n")
    expect_error(path, line=2, field="rating", match="not a number", loader="snap_signed")


def test_higgs_bad_interaction(tmp_path: Path) -> None:
    path = write(tmp_path, "h.txt", "1 2 100 RT\n2 3 200 LIKE\n")
    expect_error(path, line=2, field="interaction", match="unknown interaction", loader="higgs")


def test_copenhagen_bad_duration_and_missed_calls(tmp_path: Path) -> None:
    good = write(tmp_path, "calls.csv", "timestamp,caller,callee,duration\n10,1,2,-1\n20,2,1,30\n")
    ds = load_events([good])
    assert ds.events["weight"].to_list() == [0.0, 30.0]
    assert any("1 missed call" in note for note in ds.notes)
    bad = write(tmp_path, "calls2.csv", "timestamp,caller,callee,duration\n10,1,2,-1\n20,2,1,-30\n")
    expect_error(bad, line=3, field="duration", match="duration")


@pytest.mark.parametrize("name", ["canonical", "snap_temporal", "snap_signed", "higgs", "copenhagen"])
def test_loader_documents_itself(name: str) -> None:
    module = importlib.import_module(f"ror_graph.loaders.{name}")
    assert module.__doc__ and "Example" in module.__doc__
    assert module.LOADER is REGISTRY[module.LOADER.name]
    assert module.LOADER.summary and module.LOADER.extensions


# --- property test: mutations of a valid CSV ------------------------------------------------

BASE = (
    "src,dst,kind,ts,weight,channel\n"
    'alice,bob,reply,2024-05-01T12:00:00Z,1,"a, b"\n'
    "bob,alice,like,1714567200,,x\n"
    '"Zoë","北京",share,2024-05-02 08:30,2.5,\n'
    "carol,dan,mention,2024-05-03,0,y\n"
).encode()
INTERESTING = [b",", b'"', b"\n", b"\r\n", b";", b"\t", b"\x00", b"\xff", "é".encode(), b" ", b"", b"x", b"-", b"1e99"]


@st.composite
def mutated_csv(draw) -> bytes:
    data = bytearray(BASE)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "duplicate_line", "truncate"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "insert":
            data[pos:pos] = draw(st.sampled_from(INTERESTING) | st.binary(max_size=3))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 8))]
        elif op == "replace" and data:
            data[pos : pos + 1] = draw(st.sampled_from(INTERESTING))
        elif op == "duplicate_line":
            lines = bytes(data).split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[i])
            data = bytearray(b"\n".join(lines))
        else:
            del data[pos:]
    return bytes(data)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=mutated_csv())
def test_mutated_csv_loads_or_fails_cleanly(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.csv"
        path.write_bytes(content)
        try:
            ds = load_events([path], loader="canonical")
        except RorGraphError:
            return
        assert dict(ds.events.schema) == EVENTS_SCHEMA
        assert ds.events.height > 0
