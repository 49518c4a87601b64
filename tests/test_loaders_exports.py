"""Loaders for platform exports (X archive, Mastodon, LinkedIn, email, Slack, GraphML/GEXF):
fixture archives (tests/fixtures/exports/, written to mirror the real layouts) from raw file
to the nurture-next list, zips versus folders, options, malformed inputs (one-line errors
naming the file and the entry, exit 1, nothing written), streaming, and property tests that
feed each loader mutated inputs."""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import tracemalloc
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ror_graph.cli import main
from ror_graph.errors import InputError, OptionError, RorGraphError
from ror_graph.loaders import REGISTRY, detect_loader, load_events
from ror_graph.model import EVENTS_SCHEMA, KINDS

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "exports"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def triples(events: pl.DataFrame) -> set[tuple[str, str, str]]:
    return set(events.select("src", "dst", pl.col("kind").cast(pl.String)).iter_rows())


def assert_canonical(ds) -> None:
    """Valid canonical tables: the schema, no empty ids, no self-loops, known kinds."""
    events = ds.events
    for name, dtype in EVENTS_SCHEMA.items():
        assert events.schema[name] == dtype, name
    assert set(events.columns) - set(EVENTS_SCHEMA) <= {"text"}
    assert events.height > 0
    assert events["src"].null_count() == 0 and events["dst"].null_count() == 0 and events["ts"].null_count() == 0
    assert (events["src"].str.strip_chars() != "").all() and (events["dst"].str.strip_chars() != "").all()
    assert not (events["src"] == events["dst"]).any()
    assert set(events["kind"].cast(pl.String).unique()) <= set(KINDS)
    assert events["weight"].is_finite().all()
    assert ds.actors["id"].n_unique() == ds.actors.height


def zip_folder(folder: Path, target: Path, *, prefix: str = "") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, prefix + file.relative_to(folder).as_posix())
    return target


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# --- each format, from raw file to canonical events -----------------------------------------

X_EXPECTED = {
    ("@ana_roasts", "@bob_builds", "reply"),
    ("@ana_roasts", "@carol_c", "mention"),  # cc in the reply to bob
    ("@ana_roasts", "@gone_dave", "mention"),  # deleted account (id_str -1): kept by handle
    ("@ana_roasts", "@carol_c", "share"),  # RT @carol_c
    ("@ana_roasts", "@bob_builds", "quote"),  # link to twitter.com/bob_builds/status/...
    ("@ana_roasts", "@carol_c", "reply"),  # tweets-part1.js, entry without urls/hashtags
    ("@ana_roasts", "@bob_builds", "like"),  # author known from the quote
    ("@ana_roasts", "@erin_e", "like"),  # author in expandedUrl
    ("@bob_builds", "@ana_roasts", "message"),
    ("@ana_roasts", "@bob_builds", "message"),
    ("@carol_c", "@ana_roasts", "message"),  # group DM
    ("@carol_c", "@bob_builds", "message"),
    ("@carol_c", "7000000007", "message"),
    ("@bob_builds", "@ana_roasts", "follow"),  # follower.js
    ("6000000006", "@ana_roasts", "follow"),
    ("@carol_c", "@ana_roasts", "follow"),
    ("@ana_roasts", "@bob_builds", "follow"),  # following.js
    ("@ana_roasts", "@carol_c", "follow"),
    ("@ana_roasts", "8000000008", "follow"),
}


def test_x_archive_folder() -> None:
    folder = FIXTURES / "x"
    assert detect_loader(folder).name == "x_archive"
    ds = load_events([folder])
    assert_canonical(ds)
    assert triples(ds.events) == X_EXPECTED
    assert ds.ego == "@ana_roasts"
    ev = ds.events
    # the reply to bob does not also count bob as mentioned; the self-thread reply is a self-loop
    assert ("@ana_roasts", "@bob_builds", "mention") not in triples(ev)
    assert any("self-loop" in n for n in ds.notes)
    assert ds.notes[0] == f"{folder}: read as x_archive, X/Twitter archive (detected from the files in it)"
    reply = ev.filter((pl.col("kind") == "reply") & (pl.col("dst") == "@bob_builds"))
    assert reply["ts"].to_list() == [utc(2024, 1, 8, 9)]
    # group DM: one message of attention shared among the 3 other participants
    group = ev.filter(pl.col("channel") == "x:dm:1750000000000000000")
    assert group.height == 3 and abs(group["weight"].sum() - 1.0) < 1e-9
    # like times: the liked tweet's snowflake time; follows: the manifest's generation date
    erin = ev.filter(pl.col("dst") == "@erin_e")
    assert erin["ts"].to_list() == [utc(2024, 2, 20, 10)]
    follows = ev.filter(pl.col("kind") == "follow")
    assert set(follows["ts"].to_list()) == {utc(2024, 3, 5, 12)}
    assert any("1 of 3 like(s)" in n for n in ds.notes)
    assert "text" not in ev.columns  # privacy by default
    bob = ds.actors.filter(pl.col("id") == "@bob_builds").row(0, named=True)
    assert bob["name"] == "Bob Ødegaard" and bob["account_id"] == "2000000002" and bob["platform"] == "x"


def test_x_archive_zip_equals_folder_and_options(tmp_path: Path) -> None:
    archive = zip_folder(FIXTURES / "x", tmp_path / "twitter-2024-03-05-abc123.zip")
    assert detect_loader(archive).name == "x_archive"
    ds = load_events([archive])
    assert triples(ds.events) == X_EXPECTED
    by_account = load_events([archive], ids="account", follows="false", keep_text="true")
    assert by_account.ego == "1000000001"
    assert ("1000000001", "2000000002", "reply") in triples(by_account.events)
    assert ("1000000001", "@gone_dave", "mention") in triples(by_account.events)  # no id: handle
    assert "follow" not in set(by_account.events["kind"].cast(pl.String))
    texts = by_account.events.filter(pl.col("kind") == "share")["text"].to_list()
    assert texts == ["RT @carol_c: New roast profile is up ✨"]
    # one part alone loads too (the owner is unknown then)
    part = load_events([FIXTURES / "x" / "data" / "tweets-part1.js"])
    assert part.ego == "me" and ("me", "@carol_c", "reply") in triples(part.events)


def test_mastodon_archive(tmp_path: Path) -> None:
    folder = FIXTURES / "mastodon"
    archive = zip_folder(folder, tmp_path / "archive-20240305120000-abc.zip")
    for source in (folder, archive):
        assert detect_loader(source).name == "mastodon"
        ds = load_events([source])
        assert_canonical(ds)
        assert ds.ego == "ana@mastodon.social"
        assert triples(ds.events) == {
            ("ana@mastodon.social", "bob@fosstodon.org", "reply"),
            ("ana@mastodon.social", "carol@chaos.social", "mention"),
            ("ana@mastodon.social", "carol@chaos.social", "share"),  # Announce
            ("ana@mastodon.social", "dee@pleroma.example", "reply"),  # /objects/<uuid>: first Mention
            ("ana@mastodon.social", "bob@fosstodon.org", "like"),
            ("ana@mastodon.social", "erin@mastodon.social", "like"),  # https://inst/@erin/...
            ("ana@mastodon.social", "bob@fosstodon.org", "follow"),
            ("ana@mastodon.social", "carol@chaos.social", "follow"),
        }
    undated = ds.events.filter(pl.col("kind").is_in(["like", "follow"]))
    assert set(undated["ts"].to_list()) == {utc(2024, 2, 20, 7, 30)}
    skipped = load_events([folder], undated="skip")
    assert set(skipped.events["kind"].cast(pl.String)) == {"reply", "mention", "share"}
    assert load_events([folder / "outbox.json"]).ego == "ana@mastodon.social"


def test_linkedin_export(tmp_path: Path) -> None:
    folder = FIXTURES / "linkedin"
    archive = zip_folder(folder, tmp_path / "Basic_LinkedInDataExport_03-05-2024.zip")
    for source in (folder, archive):
        assert detect_loader(source).name == "linkedin"
        ds = load_events([source])
        assert_canonical(ds)
        assert ds.ego == "ana-cafe-roasts"
    got = triples(ds.events)
    for who in ("bob-odegaard", "carolina-petrova-4b1a2c3", "josé-garcía", "Hidden Member"):
        assert ("ana-cafe-roasts", who, "connect") in got and (who, "ana-cafe-roasts", "connect") in got
    assert ("carolina-petrova-4b1a2c3", "bob-odegaard", "message") in got  # group conversation
    assert ("ana-cafe-roasts", "josé-garcía", "invite") in got
    assert ("dmitri-ivanov-99", "ana-cafe-roasts", "invite") in got
    assert not any(t[2] == "message" and t[1] == "josé-garcía" for t in got)  # the draft
    assert any("1 message(s) from or to deleted accounts, 1 draft(s)" in n for n in ds.notes)
    invite = ds.events.filter((pl.col("kind") == "invite") & (pl.col("src") == "dmitri-ivanov-99"))
    assert invite["ts"].to_list() == [utc(2024, 3, 1, 8, 3)]
    # a single Connections.csv (with its Notes: preamble) is LinkedIn, not the canonical CSV
    single = FIXTURES / "linkedin" / "Connections.csv"
    assert detect_loader(single).name == "linkedin"
    alone = load_events([single])
    assert alone.ego == "me" and alone.events.height == 8


def test_email_mbox_and_maildir() -> None:
    mbox = FIXTURES / "email" / "inbox.mbox"
    assert detect_loader(mbox).name == "email"
    ds = load_events([mbox])
    assert_canonical(ds)
    assert ds.ego == "ana@example.org"
    assert triples(ds.events) == {
        ("bob@nordic.example", "ana@example.org", "email"),
        ("bob@nordic.example", "carol@chaos.example", "email"),
        ("ana@example.org", "bob@nordic.example", "reply"),  # In-Reply-To
        ("ana@example.org", "carol@chaos.example", "email"),
        ("news@roasters-weekly.example", "ana@example.org", "email"),
        ("carol@chaos.example", "bob@nordic.example", "reply"),  # References only
        ("carol@chaos.example", "ana@example.org", "email"),
    }
    reply = ds.events.filter((pl.col("src") == "ana@example.org") & (pl.col("kind") == "reply"))
    assert reply["ts"].to_list() == [utc(2024, 1, 8, 13, 30)]  # 08:30 -0500
    no_lists = load_events([mbox], exclude_lists="true")
    assert "news@roasters-weekly.example" not in set(no_lists.events["src"])
    subjects = load_events([mbox], keep_text=True).events["text"].to_list()
    assert "Re: Bohnen für dich" in subjects  # raw 8-bit header
    assert "Bohnen für dich" in subjects  # RFC 2047 encoded word
    maildir = FIXTURES / "email" / "maildir"
    assert detect_loader(maildir).name == "email"
    md = load_events([maildir])
    assert_canonical(md)
    assert triples(md.events) == {
        ("bob@nordic.example", "ana@example.org", "email"),
        ("ana@example.org", "bob@nordic.example", "reply"),  # from .Sent/cur
        ("dee@pleroma.example", "ana@example.org", "email"),
        ("dee@pleroma.example", "bob@nordic.example", "email"),
    }


def test_email_copies_in_two_folders_count_once(tmp_path: Path) -> None:
    box = tmp_path / "box"
    shutil.copytree(FIXTURES / "email" / "maildir", box)
    shutil.copy(next((box / "cur").iterdir()), box / ".Sent" / "cur" / "copy:2,S")
    assert load_events([box]).events.height == 4


def test_slack_export(tmp_path: Path) -> None:
    folder = FIXTURES / "slack"
    archive = zip_folder(folder, tmp_path / "Roastery Slack export Jan 8 2024 - Jan 11 2024.zip")
    for source in (folder, archive):
        assert detect_loader(source).name == "slack"
        ds = load_events([source])
        assert_canonical(ds)
        assert triples(ds.events) == {
            ("bob", "ana", "reaction"),
            ("dee", "ana", "reaction"),
            ("bob", "ana", "reply"),  # parent_user_id
            ("bob", "carol", "mention"),  # carol is a deleted user: still named
            ("carol", "ana", "reply"),  # next day's file, no parent_user_id
            ("bob", "ana", "mention"),  # <@U01ANA|ana>
            ("ana", "U05GHOST", "mention"),  # not in users.json: the id
            ("bob", "ana", "message"),  # DM
            ("ana", "bob", "message"),
        }
    assert ds.ego is None
    wrapped = zip_folder(folder, tmp_path / "wrapped.zip", prefix="Roastery Slack export/")
    assert detect_loader(wrapped).name == "slack" and load_events([wrapped]).events.height == ds.events.height
    turns = load_events([folder], channel_messages="previous")
    assert ("dee", "ana", "message") in triples(turns.events)  # lunch? after ana's post
    by_id = load_events([folder], ids="id")
    assert ("U02BOB", "U01ANA", "reply") in triples(by_id.events)


def test_graphml_and_gexf() -> None:
    graph = FIXTURES / "graph"
    ds = load_events([graph / "community.graphml"])
    assert_canonical(ds)
    assert detect_loader(graph / "community.graphml").name == "graphml"
    assert triples(ds.events) == {
        ("ana", "bob", "reply"), ("ana", "bob", "message"), ("bob", "ana", "reply"),
        ("carol", "ana", "share"), ("dee", "ana", "interaction"),
    }
    bob_reply = ds.events.filter((pl.col("src") == "bob"))
    assert bob_reply["ts"].to_list() == [utc(2024, 1, 8, 9, 30)]  # +01:00
    assert ds.events.filter(pl.col("kind") == "message")["weight"].to_list() == [3.0]
    assert ds.actors.filter(pl.col("id") == "ana")["name"].to_list() == ["Ana Café ☕"]
    gexf = load_events([graph / "community.gexf"])
    assert triples(gexf.events) == {("ana", "bob", "reply"), ("bob", "ana", "like"), ("carol", "ana", "interaction")}
    assert gexf.events.filter(pl.col("src") == "ana")["weight"].to_list() == [2.0]
    static = load_events([graph / "static_undirected.gexf"], default_ts="2024-01-01", default_kind="connect")
    assert static.events.height == 4 and set(static.events["ts"].to_list()) == {utc(2024, 1, 1)}
    assert set(static.events["kind"].cast(pl.String)) == {"connect"}
    with pytest.raises(OptionError):
        load_events([graph / "static_undirected.gexf"], default_kind="hug")


def test_graphml_round_trip_through_networkx(tmp_path: Path) -> None:
    import networkx as nx

    g = nx.MultiDiGraph()
    g.add_edge("a", "b", timestamp="2024-05-01T12:00:00Z", weight=2.0, kind="reply")
    g.add_edge("a", "b", timestamp="2024-05-02T12:00:00Z", weight=1.0, kind="reply")
    g.add_edge("b", "a", timestamp=1714600000, kind="like")
    nx.write_graphml(g, tmp_path / "g.graphml")
    nx.write_gexf(g, tmp_path / "g.gexf")
    for name in ("g.graphml", "g.gexf"):
        ds = load_events([tmp_path / name])
        assert ds.events.height == 3 and ds.events["weight"].sum() == 4.0


# --- from raw file to the nurture-next list (the CLI) ---------------------------------------


@pytest.mark.parametrize(
    ("fixture", "extra", "people"),
    [
        ("x", [], {"@carol_c", "@bob_builds", "@gone_dave", "@erin_e"}),
        ("mastodon", [], {"carol@chaos.social", "bob@fosstodon.org", "dee@pleroma.example"}),
        ("linkedin", [], {"bob-odegaard", "josé-garcía", "carolina-petrova-4b1a2c3", "dmitri-ivanov-99"}),
        ("email/inbox.mbox", [], {"bob@nordic.example", "carol@chaos.example"}),
        ("email/maildir", [], {"bob@nordic.example", "dee@pleroma.example"}),
        ("slack", ["--me", "ana"], {"bob", "carol", "dee", "U05GHOST"}),
        ("graph/community.graphml", ["--me", "ana"], {"bob", "carol", "dee"}),
    ],
)
def test_nurture_from_raw_export(fixture: str, extra: list[str], people: set[str]) -> None:
    result = run("nurture", str(FIXTURES / fixture), *extra, "--format", "csv")
    assert result.exit_code == 0, result.output
    table = pl.read_csv(io.StringIO(result.stdout))
    assert people <= set(table["node_id"])
    assert table["rank"].to_list() == list(range(1, table.height + 1))


def test_me_defaults_to_the_archive_owner() -> None:
    result = run("nurture", str(FIXTURES / "x"), "--format", "csv")
    table = pl.read_csv(io.StringIO(result.stdout))
    assert "@ana_roasts" not in set(table["node_id"])  # the ego is not on its own list
    assert "follows have no times" in result.stderr


def test_loaders_command_lists_the_export_loaders() -> None:
    result = run("loaders")
    assert result.exit_code == 0
    for name in ("x_archive", "mastodon", "linkedin", "email", "slack", "graphml"):
        assert name in result.output and name in REGISTRY


def test_generic_csv_is_still_canonical(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text("src,dst,kind,ts\na,b,reply,2024-01-01T00:00:00Z\n")
    assert detect_loader(path).name == "canonical"


def test_a_folder_is_linkedin_by_its_files_contents_not_their_names(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "messages.csv").write_text("src,dst,kind,ts\na,b,message,2024-01-01T00:00:00Z\n")
    with pytest.raises(InputError, match="no export found in this folder; give its event files themselves"):
        detect_loader(folder)
    assert detect_loader(folder / "messages.csv").name == "canonical"
    (folder / "Connections.csv").write_bytes((FIXTURES / "linkedin" / "Connections.csv").read_bytes())
    assert detect_loader(folder).name == "linkedin"


# --- malformed input: one line naming the file and the entry, exit 1, nothing written ---------


def _broken_x(tmp: Path) -> Path:
    folder = tmp / "x"
    shutil.copytree(FIXTURES / "x", folder)
    (folder / "data" / "like.js").write_text('var likes = [{"like": {}}]')
    return folder


def _truncated_zip(tmp: Path) -> Path:
    archive = zip_folder(FIXTURES / "x", tmp / "twitter.zip")
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    return archive


def _zip_with_central_headers(tmp: Path, change) -> Path:
    """The X fixture zipped, then ``change(data, offset)`` applied at every central directory
    header (and the local header of each member, same layout up to the flags)."""
    archive = zip_folder(FIXTURES / "x", tmp / "twitter.zip")
    data = bytearray(archive.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        change(data, at)
        at = data.find(b"PK\x01\x02", at + 4)
    archive.write_bytes(bytes(data))
    return archive


def _encrypted_zip(tmp: Path) -> Path:
    def encrypted(data: bytearray, at: int) -> None:  # bit 0 of the general purpose flags
        data[at + 8] |= 1
        local = int.from_bytes(data[at + 42 : at + 46], "little")
        data[local + 6] |= 1

    return _zip_with_central_headers(tmp, encrypted)


def _zip_of_unknown_version(tmp: Path) -> Path:
    def version(data: bytearray, at: int) -> None:  # "version needed to extract" 12.9
        data[at + 6] = 129

    return _zip_with_central_headers(tmp, version)


def _connections_without_header(tmp: Path) -> Path:
    path = tmp / "Connections.csv"
    path.write_text('Notes:\n"When exporting your connection data, ..."\n\nFirst,Last,Link\nBob,Ø,x\n')
    return path


def _mbox_without_date(tmp: Path) -> Path:
    path = tmp / "inbox.mbox"
    text = (FIXTURES / "email" / "inbox.mbox").read_text()
    path.write_text(text.replace("Date: Tue, 9 Jan 2024 17:45:12 +0000 (UTC)\n", ""))
    return path


def _slack_users_object(tmp: Path) -> Path:
    folder = tmp / "slack"
    shutil.copytree(FIXTURES / "slack", folder)
    (folder / "users.json").write_text('{"members": []}')
    return folder


def _outbox_wrong_shape(tmp: Path) -> Path:
    folder = tmp / "mastodon"
    shutil.copytree(FIXTURES / "mastodon", folder)
    (folder / "outbox.json").write_text('{"type": "OrderedCollection", "items": []}')
    return folder


def _graphml_broken(tmp: Path) -> Path:
    path = tmp / "g.graphml"
    path.write_text((FIXTURES / "graph" / "community.graphml").read_text()[:700])
    return path


def _tweet_bad_time(tmp: Path) -> Path:
    folder = tmp / "x"
    shutil.copytree(FIXTURES / "x", folder)
    part = folder / "data" / "tweets-part1.js"
    part.write_text(part.read_text().replace("Sat Feb 03 10:00:00 +0000 2024", "yesterday"))
    return folder


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (_broken_x, ["like.js", "window.YTD.<name>.part<N>"]),
        (_truncated_zip, ["twitter.zip", "not a readable zip"]),
        (_encrypted_zip, ["twitter.zip:data/", "encrypted"]),
        (_zip_of_unknown_version, ["twitter.zip", "not a readable zip", "version 12.9"]),
        (_connections_without_header, ["Connections.csv", "First Name, Last Name, Connected On"]),
        (_mbox_without_date, ["inbox.mbox:59", "message 5 (c.3@chaos.example)", "'Date'"]),
        (_slack_users_object, ["users.json", "should be a JSON list"]),
        (_outbox_wrong_shape, ["outbox.json", "orderedItems"]),
        (_graphml_broken, ["g.graphml", "not well-formed XML"]),
        (_tweet_bad_time, ["tweets-part1.js", "entry 2 (tweet 1753719978193846272)", "'yesterday'"]),
    ],
)
def test_malformed_input_one_line_exit_1_nothing_written(tmp_path: Path, make, expected: list[str]) -> None:
    source = make(tmp_path)
    with pytest.raises(InputError) as info:
        load_events([source])
    for text in expected:
        assert text in str(info.value)
    out = tmp_path / "out.csv"
    result = run("nurture", str(source), "-o", str(out))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert not out.exists()


def test_mbox_skip_undated_and_option_errors(tmp_path: Path) -> None:
    path = _mbox_without_date(tmp_path)
    ds = load_events([path], skip_undated="yes")
    assert any("1 without a Date" in n for n in ds.notes)
    with pytest.raises(OptionError):
        load_events([path], skip_undated="maybe")
    with pytest.raises(OptionError):
        load_events([FIXTURES / "slack"], channel_messages="all")
    with pytest.raises(OptionError, match="does not take"):
        load_events([FIXTURES / "slack"], exclude_lists="true")


# --- large inputs stream --------------------------------------------------------------------


def test_large_mbox_streams_without_holding_bodies(tmp_path: Path) -> None:
    path = tmp_path / "big.mbox"
    body = ("lorem ipsum dolor sit amet " * 40 + "\n") * 25  # ~27 KB per message
    with open(path, "w") as handle:
        for i in range(1500):
            handle.write(
                f"From a{i % 7}@x.example Mon Jan  8 09:00:00 2024\n"
                f"From: a{i % 7}@x.example\nTo: b{i % 11}@y.example\n"
                f"Date: Mon, 8 Jan 2024 {i % 24:02d}:00:00 +0000\nMessage-ID: <{i}@x.example>\n\n{body}\n"
            )
    assert path.stat().st_size > 35_000_000
    tracemalloc.start()
    try:
        ds = load_events([path])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert ds.events.height == 1500
    assert peak < 8_000_000, f"peak {peak:,} bytes: bodies are being held"


# --- property tests: mutated inputs give valid tables or RorGraphError ------------------------

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _mutate(data: bytes, draw_ops: list[tuple[str, int, int]]) -> bytes:
    out = bytearray(data)
    for op, position, value in draw_ops:
        if not out:
            break
        at = position % len(out)
        if op == "flip":
            out[at] = value
        elif op == "cut":
            del out[at:]
        elif op == "insert":
            out[at:at] = bytes([value]) * (1 + value % 5)
        elif op == "delete":
            del out[at : at + 1 + value % 20]
        elif op == "swap_token":
            tokens = [b"null", b"[]", b"{}", b'"', b"-1", b",", b"\n", b"From ", b"\xff", b"<"]
            out[at:at] = tokens[value % len(tokens)]
    return bytes(out)


OPS = st.lists(st.tuples(st.sampled_from(["flip", "cut", "insert", "delete", "swap_token"]),
                         st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=4)


def _check(source: Path) -> None:
    try:
        ds = load_events([source])
    except RorGraphError:
        return
    assert_canonical(ds)


def _mutated_copy(fixture: str, member: str, ops, tmp: Path) -> Path:
    src = FIXTURES / fixture
    if src.is_dir():
        target = tmp / src.name
        shutil.copytree(src, target)
        file = target / member
    else:
        target = tmp / src.name
        shutil.copy(src, target)
        file = target
    file.write_bytes(_mutate(file.read_bytes(), ops))
    return target


@pytest.mark.parametrize(
    ("fixture", "members"),
    [
        ("x", ["data/tweets.js", "data/tweets-part1.js", "data/like.js", "data/direct-messages-group.js",
               "data/account.js", "data/follower.js", "data/manifest.js"]),
        ("mastodon", ["outbox.json", "actor.json", "likes.json", "following_accounts.csv"]),
        ("linkedin", ["Connections.csv", "messages.csv", "Invitations.csv", "Profile.csv"]),
        ("slack", ["users.json", "channels.json", "general/2024-01-08.json", "general/2024-01-09.json", "dms.json"]),
        ("email/inbox.mbox", [""]),
        ("email/maildir", ["cur/1705312800.M101P4242Q1.mail.example.org:2,S", "new/1705400000.M202P4242Q2.mail.example.org"]),
        ("graph/community.graphml", [""]),
        ("graph/community.gexf", [""]),
    ],
)
def test_mutated_inputs_load_or_raise_our_error(fixture: str, members: list[str]) -> None:
    @PROPERTY
    @given(member=st.sampled_from(members), ops=OPS)
    def check(member: str, ops) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            _check(_mutated_copy(fixture, member, ops, Path(tmp)))

    check()


@PROPERTY
@given(ops=OPS, member=st.sampled_from(["data/tweets.js", "data/account.js", "data/like.js"]))
def test_mutated_zip_members_and_zip_bytes(ops, member: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = _mutated_copy("x", member, ops, Path(tmp))
        archive = zip_folder(folder, Path(tmp) / "archive.zip")
        _check(archive)
        archive.write_bytes(_mutate(archive.read_bytes(), ops))
        _check(archive)


@PROPERTY
@given(value=st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
                          lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                          max_leaves=8),
       target=st.sampled_from(["slack:users.json", "slack:general/2024-01-08.json", "mastodon:outbox.json",
                               "mastodon:actor.json", "x:data/tweets.js", "x:data/direct-messages.js"]))
def test_json_of_any_shape(value, target: str) -> None:
    fixture, member = target.split(":")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / fixture
        shutil.copytree(FIXTURES / fixture, folder)
        text = json.dumps(value)
        if member.endswith(".js"):
            text = f"window.YTD.{Path(member).stem.replace('-', '_')}.part0 = {text}"
        (folder / member).write_text(text)
        _check(folder)


def test_reads_back_ror_export(tmp_path: Path) -> None:
    """ror's own Gephi export (one edge per relationship, weight = strength, last_ts) loads
    back with the same relationships."""
    from ror_graph.gephi import to_networkx, write_graph
    from ror_graph.network import Network

    net = Network.from_dataset(load_events([FIXTURES / "slack"]))
    for name in ("scores.gexf", "scores.graphml"):
        write_graph(to_networkx(net), str(tmp_path / name))
        back = load_events([tmp_path / name])
        assert_canonical(back)
        pairs = set(back.events.select("src", "dst").iter_rows())
        assert pairs == set(net.relationships.select("src", "dst").iter_rows())
        assert back.events["ts"].min() > utc(2024, 1, 1)
