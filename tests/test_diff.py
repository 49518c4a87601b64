"""What changed between two as-of dates: hand-made cases for each kind of change, the demo
community's planted story, and the CLI."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from ror_graph.cli import main
from ror_graph.diff import CHANGES, DIFF_COLUMNS, network_before, networks_at, what_changed
from ror_graph.errors import OptionError
from ror_graph.loaders import load_events
from ror_graph.model import validate_events
from ror_graph.network import Network

DAY = 86400


def _dataset(rows):
    return validate_events(pl.DataFrame(rows, schema=["src", "dst", "kind", "ts"], orient="row"), source="test")


@pytest.fixture(scope="module")
def story():
    """Until day 30: me <-> ana every 2 days; bo and cy quiet and occasional.
    After: ana goes silent; me <-> bo every 2 days (bo rises, the me-bo tie is new);
    cy, who had faded, comes back on rhythm; fan and fen start liking me (never answered);
    old_fan liked me before and still does (not new)."""
    rows = []
    for d in range(0, 31, 2):
        rows += [("me", "ana", "message", d * DAY), ("ana", "me", "reply", d * DAY + 60)]
    for d in (0, 3, 6, 9):
        rows += [("me", "cy", "message", d * DAY), ("cy", "me", "reply", d * DAY + 60)]
    for d in range(32, 91, 2):
        rows += [("me", "bo", "message", d * DAY), ("bo", "me", "reply", d * DAY + 60)]
    for d in range(80, 91, 3):
        rows += [("me", "cy", "message", d * DAY), ("cy", "me", "reply", d * DAY + 60)]
    rows += [("fan", "me", "like", d * DAY) for d in (70, 75, 80)]
    rows += [("fen", "me", "like", 85 * DAY)]
    rows += [("old_fan", "me", "like", d * DAY) for d in (5, 60)]
    rows += [("bo", "ana", "message", 1 * DAY)]  # bo exists before day 31, ranked low
    return networks_at(_dataset(rows), since="1970-01-31", as_of="1970-04-01")


def test_each_change_by_hand(story) -> None:
    earlier, later = story
    table = what_changed(earlier, later, me="me")
    assert table.columns == list(DIFF_COLUMNS)
    got = {(c, n) for c, n in table.select("change", "node_id").rows()}
    assert ("faded", "ana") in got
    assert ("revived", "cy") in got
    assert ("new_fan", "fan") in got and ("new_fan", "fen") in got
    assert ("new_fan", "old_fan") not in got
    assert ("rose", "bo") in got and ("fell", "ana") in got
    assert not any(n == "me" for _, n in got)
    fan = table.filter((pl.col("change") == "new_fan") & (pl.col("node_id") == "fan")).row(0, named=True)
    assert (fan["before"], fan["after"], fan["peer"]) == (0.0, 3.0, "me")
    assert fan["detail"] == "3 interaction(s) to you since 1970-03-12, none back"
    faded = table.filter(pl.col("change") == "faded").row(0, named=True)
    assert faded["before"] < 0.25 and faded["after"] >= 0.5 and faded["detail"].startswith("active -> ")
    # change kinds come in a fixed order; new fans by events, most first
    order = table["change"].to_list()
    assert order == sorted(order, key=CHANGES.index)
    assert table.filter(pl.col("change") == "new_fan")["node_id"].to_list()[:2] == ["fan", "fen"]


def test_rank_changes_by_hand(story) -> None:
    earlier, later = story
    table = what_changed(earlier, later, me="me")
    bo = table.filter((pl.col("change") == "rose") & (pl.col("node_id") == "bo")).row(0, named=True)
    assert bo["after"] == 1.0 and bo["before"] > bo["after"] and bo["delta"] == bo["after"] - bo["before"]
    newcomer = table.filter((pl.col("change") == "rose") & (pl.col("node_id") == "fan")).row(0, named=True)
    assert newcomer["before"] is None and "no events before 1970-01-31" in newcomer["detail"]


def test_community_new_fans_by_hand(story) -> None:
    earlier, later = story
    table = what_changed(earlier, later)  # no ego
    fans = dict(table.filter(pl.col("change") == "new_fans").select("node_id", "delta").rows())
    # me gains fan and fen (old_fan was already one-sided); bo's one-sided fan... none
    assert fans == {"me": 2.0}
    faded = table.filter(pl.col("change") == "faded").select("node_id", "peer").rows()
    assert ("ana", "me") in faded  # without an ego, a < b by id


def test_since_must_come_first() -> None:
    later = Network.from_dataset(_dataset([("a", "b", "reply", 0), ("b", "a", "reply", 10 * DAY)]))
    with pytest.raises(OptionError, match="must be before"):
        network_before(later, "1970-02-01")
    with pytest.raises(OptionError, match="no events on or before"):
        network_before(later, "1969-12-01")
    earlier = network_before(later, "-5d")
    assert earlier.as_of == later.as_of - timedelta(days=5)
    assert earlier.half_life == later.half_life


def test_demo_story(sample_events: Path) -> None:
    dataset = load_events([str(sample_events)])
    earlier, later = networks_at(dataset, since="-120d")
    table = what_changed(earlier, later, me="brand", top=100)
    roles = pl.read_csv(sample_events.parent / "planted_truth.csv")
    role = dict(roles.select("node_id", "role").rows())
    faded = set(table.filter(pl.col("change") == "faded")["node_id"].to_list())
    # planted fading_valuable relationships: those that went silent inside the window faded in
    # it; those silent since before it (already dormant then) did not "fade" in it
    planted = roles.filter(pl.col("role") == "fading_valuable").with_columns(
        pl.col("detail").str.extract(r"silent since (\d{4}-\d{2}-\d{2})").str.to_date().alias("since")
    )
    cut_day = earlier.as_of.date()
    inside = set(planted.filter(pl.col("since") > cut_day)["node_id"])
    before = set(planted.filter(pl.col("since") < cut_day)["node_id"])
    assert len(inside) == 5 and len(before) == 4
    assert len(faded & inside) >= 3
    assert not faded & before
    assert not any(role.get(n) == "loyal_active" for n in faded)
    # every new fan really is new: events to brand after `since`, none before, none back
    ev = dataset.events
    cut = earlier.as_of
    for node in table.filter(pl.col("change") == "new_fan")["node_id"].to_list():
        theirs = ev.filter((pl.col("src") == node) & (pl.col("dst") == "brand"))
        assert theirs.height and theirs["ts"].min() > cut
        assert ev.filter((pl.col("src") == "brand") & (pl.col("dst") == node)).height == 0


def test_cli_diff(sample_events: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(main, ["diff", str(sample_events), "--me", "brand", "--since", "-90d",
                                "--per-change", "2", "--format", "csv"])
    assert done.exit_code == 0, done.output
    table = pl.read_csv(done.stdout.encode())
    assert table.columns == list(DIFF_COLUMNS)
    counts = dict(table.group_by("change").len().rows())
    assert counts and max(counts.values()) <= 2 and {"rose", "faded", "new_fan"} <= counts.keys()
    bad = runner.invoke(main, ["diff", str(sample_events), "--since", "2030-01-01"])
    assert bad.exit_code == 1 and "must be before" in bad.output and bad.output.count("\n") == 1


@pytest.mark.parametrize("since, message", [("-0d", "--since '0d' must be positive"),
                                            ("garbage", "--since 'garbage' is neither an ISO date/time")])
def test_cli_diff_bad_since_names_since(sample_events: Path, since: str, message: str) -> None:
    bad = CliRunner().invoke(main, ["diff", str(sample_events), "--since", since])
    assert bad.exit_code == 1 and bad.output.count("\n") == 1, bad.output
    assert message in bad.output and "--as-of" not in bad.output


def test_cooling_community_by_hand() -> None:
    """a-b-c talk daily for 90 days; x-y-z talk daily until day 60, then every 5 days; one
    message links c and x. Between day 60 and day 90, x-y-z's community cools."""
    rows = []
    for d in range(90):
        rows += [("a", "b", "message", d * DAY), ("b", "c", "message", d * DAY + 60), ("c", "a", "reply", d * DAY + 120)]
    for d in list(range(60)) + list(range(60, 90, 5)):
        rows += [("x", "y", "message", d * DAY), ("y", "z", "message", d * DAY + 60), ("z", "x", "reply", d * DAY + 120)]
    rows.append(("c", "x", "message", 10 * DAY))
    earlier, later = networks_at(_dataset(rows), since="1970-03-02T12:00:00", as_of="1970-04-01T12:00:00")
    table = what_changed(earlier, later)
    cooling = table.filter(pl.col("change") == "community_cooling")
    assert cooling.height == 1
    row = cooling.row(0, named=True)
    assert row["node_id"] in ("x", "y", "z") and row["metric"] == "interactions_inside"
    assert (row["before"], row["after"]) == (90.0, 15.0)  # days 31-60 x 3, then days 65, 70, ..., 85 x 3
    assert row["detail"].startswith("community 2 (3 people, hub ") and "interactions inside 90 -> 15" in row["detail"]
    assert table["change"].to_list()[-1] == "community_cooling"
