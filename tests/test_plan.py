"""The outreach plan: one hand-made ego network where each action applies to exactly one
person, due dates from each relationship's rhythm, the planted roles of the demo community,
and a CSV that imports cleanly (stable columns, ISO dates, UTF-8)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from ror_graph.cli import main
from ror_graph.errors import OptionError
from ror_graph.model import validate_events
from ror_graph.network import Network
from ror_graph.plan import ACTIONS, PLAN_COLUMNS, outreach_plan

DAY = 86400
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
AS_OF = 120 * DAY


def _events() -> list[tuple[str, str, str, float]]:
    rows: list[tuple[str, str, str, float]] = []
    for d in range(0, 61, 3):  # ana: every 3 days until day 60, then silence
        rows += [("me", "ana", "message", d * DAY), ("ana", "me", "message", d * DAY + 3600)]
    for d in range(0, 61, 3):  # bri: same, and bri has friends of their own that me has not
        rows += [("me", "bri", "message", d * DAY + 60), ("bri", "me", "message", d * DAY + 7200)]
    for d in range(0, 101, 4):
        rows += [("bri", "xia", "message", d * DAY), ("xia", "bri", "reply", d * DAY + 600)]
    rows += [("fan", "me", "like", d * DAY) for d in (10, 50, 100)]  # gives, never gets
    for d in range(0, 113, 7):  # rob: weekly, me answers after two days; rob mentions me last
        rows += [("rob", "me", "message", d * DAY), ("me", "rob", "message", (d + 2) * DAY)]
    rows.append(("rob", "me", "mention", 119 * DAY))
    for d in range(0, 121, 2):  # ada: strong, balanced, on rhythm; me wrote last
        rows += [("ada", "me", "share", d * DAY), ("ada", "me", "reply", d * DAY + 60),
                 ("me", "ada", "reply", d * DAY + 120)]
    rows.append(("kim", "me", "like", 100 * DAY))  # one like: nothing to act on yet
    return rows


@pytest.fixture(scope="module")
def plan() -> pl.DataFrame:
    raw = pl.DataFrame(_events(), schema=["src", "dst", "kind", "ts"], orient="row")
    net = Network.from_dataset(validate_events(raw, source="test"), as_of=EPOCH + timedelta(seconds=AS_OF))
    return outreach_plan(net, me="me")


def _row(plan: pl.DataFrame, who: str) -> dict:
    return plan.filter(pl.col("contact_id") == who).row(0, named=True)


def test_each_action_by_hand(plan: pl.DataFrame) -> None:
    actions = dict(plan.select("contact_id", "action").rows())
    assert actions == {
        "fan": "thank_fan",
        "rob": "reply",
        "bri": "reconnect_bridge",
        "ana": "reach_out",
        "ada": "ask_referral",
        "kim": "keep_in_touch",
    }
    assert set(actions.values()) == set(ACTIONS)
    assert plan.columns == list(PLAN_COLUMNS)
    assert plan["rank"].to_list() == list(range(1, 7))
    assert plan["priority"].is_sorted(descending=True)


def test_due_dates_follow_each_rhythm(plan: pl.DataFrame) -> None:
    as_of = (EPOCH + timedelta(seconds=AS_OF)).date()
    # rob's mention came on day 119; me answers rob after a median 48 h: due day 121
    assert _row(plan, "rob")["due_date"] == (EPOCH + timedelta(days=121)).date()
    assert _row(plan, "rob")["suggestion"] == "Reply to their mention of 1970-04-30"
    # silent far past their rhythm: due now
    assert _row(plan, "ana")["due_date"] == as_of
    assert _row(plan, "bri")["due_date"] == as_of
    # ada is on rhythm: next contact one usual gap after the last one
    ada = _row(plan, "ada")
    expected = ada["last_interaction_date"] + timedelta(days=ada["usual_gap_days"])
    assert ada["due_date"] == max(expected, as_of) and ada["due_date"] > as_of
    assert "already shared, mentioned, rated or referred you 61 times" in ada["suggestion"]
    assert all(d >= as_of for d in plan["due_date"].to_list())


def test_facts_in_each_row(plan: pl.DataFrame) -> None:
    fan = _row(plan, "fan")
    assert (fan["interactions_from_you"], fan["interactions_to_you"]) == (0, 3)
    assert fan["last_from_you_date"] is None and fan["last_from_them_date"] == date(1970, 4, 11)
    assert fan["suggestion"] == "Thank them: 3 interactions to you, none back yet"
    assert _row(plan, "ana")["suggestion"].startswith("Reach out after the silence: silent 60 days against a usual 3")
    assert "bridge" in _row(plan, "bri")["suggestion"]


def test_a_plan_needs_an_ego() -> None:
    raw = pl.DataFrame({"src": ["a"], "dst": ["b"], "kind": ["reply"], "ts": [0]})
    net = Network.from_dataset(validate_events(raw, source="test"))
    with pytest.raises(OptionError, match="me="):
        outreach_plan(net, me=None)


# -- the demo community ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_csv(sample_events: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("plan") / "plan.csv"
    result = CliRunner().invoke(main, ["plan", str(sample_events), "--me", "brand", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_demo_plan_matches_the_planted_roles(demo_csv: Path, sample_events: Path) -> None:
    plan = pl.read_csv(demo_csv)
    roles = pl.read_csv(sample_events.parent / "planted_truth.csv")
    joined = plan.join(roles, left_on="contact_id", right_on="node_id")
    by_role = {role: set(group["action"]) for (role,), group in joined.group_by("role")}
    assert by_role["one_sided_fan"] == {"thank_fan"}
    assert by_role["fading_valuable"] <= {"reach_out", "reconnect_bridge"}
    assert "reach_out" not in by_role["loyal_active"] and "thank_fan" not in by_role["loyal_active"]
    assert joined.filter(pl.col("role") == "loyal_active")["action"].is_in(["ask_referral", "reply"]).sum() >= 8
    # the nine fading valuable relationships lead the plan
    top = set(plan.head(12)["contact_id"])
    assert len(top & set(roles.filter(pl.col("role") == "fading_valuable")["node_id"])) >= 8


def test_demo_plan_csv_imports_cleanly(demo_csv: Path) -> None:
    data = demo_csv.read_bytes()
    text = data.decode("utf-8")  # UTF-8, no BOM
    assert not text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0].keys()) == list(PLAN_COLUMNS)
    assert len(rows) > 200
    iso = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    for row in rows:
        assert iso.match(row["due_date"]), row
        for col in ("last_interaction_date", "last_from_them_date", "last_from_you_date"):
            assert row[col] == "" or iso.match(row[col]), (col, row[col])
        assert row["action"] in ACTIONS and row["suggestion"] and row["reason"]
    assert any(not r["contact_id"].isascii() for r in rows)  # zoë, jürgen.b, ... survive


def test_plan_formats_and_errors(sample_events: Path) -> None:
    runner = CliRunner()
    as_json = runner.invoke(main, ["plan", str(sample_events), "--me", "brand", "--format", "json", "--top", "3"])
    assert as_json.exit_code == 0
    records = pl.read_json(io.StringIO(as_json.stdout))
    assert records.columns == list(PLAN_COLUMNS) and records.height == 3
    as_md = runner.invoke(main, ["plan", str(sample_events), "--me", "brand", "--format", "md", "--top", "2"])
    assert as_md.stdout.splitlines()[0].startswith("| rank | contact_id | action |")
    table = runner.invoke(main, ["plan", str(sample_events), "--me", "brand", "--top", "2"])
    assert table.stdout.split()[:5] == ["rank", "contact_id", "action", "due_date", "suggestion"]
    no_ego = runner.invoke(main, ["plan", str(sample_events)])
    assert no_ego.exit_code == 1 and "--me" in no_ego.output and no_ego.output.count("\n") == 1


# -- cadence tiers and the calendar ----------------------------------------------------------------


def test_parse_cadence_and_errors() -> None:
    from ror_graph.plan import Tier, parse_cadence

    assert parse_cadence("inner=14d,close=30d,wider=90d") == (
        Tier("inner", 7.0, 14.0), Tier("close", 15.0, 30.0), Tier("wider", 45.0, 90.0))
    assert parse_cadence("inner=7d/14d") == (Tier("inner", 7.0, 14.0),)
    for bad, match in (("inner", "NAME=MAX"), ("inner=soon", "duration"), ("inner=14d/7d", "longer"),
                       ("a=1d,a=2d", "twice")):
        with pytest.raises(OptionError, match=match):
            parse_cadence(bad)


def test_tiers_by_value_and_due_by_tier_by_hand() -> None:
    from ror_graph.plan import parse_cadence

    raw = pl.DataFrame(_events(), schema=["src", "dst", "kind", "ts"], orient="row")
    net = Network.from_dataset(validate_events(raw, source="test"), as_of=EPOCH + timedelta(seconds=AS_OF))
    plain = outreach_plan(net, me="me")
    # one tier of 5 people (Dunbar's innermost layer): the 5 of 6 contacts with the most worth
    tiered = outreach_plan(net, me="me", cadence=parse_cadence("inner=1d/2d"))
    from ror_graph.nurture import nurture_next

    worth = nurture_next(net, me="me").sort(["worth", "node_id"], descending=[True, False])["node_id"].to_list()
    assert set(tiered.filter(pl.col("tier") == "inner")["contact_id"]) == set(worth[:5])
    assert tiered.filter(pl.col("tier").is_null())["contact_id"].to_list() == worth[5:]
    # ada is on a 2-day rhythm, her last contact on day 120 (as_of): the rhythm says day 122, the
    # tier's 2-day maximum says day 122 too: rhythm first (ties go to the rhythm)
    ada = _row(tiered, "ada")
    assert ada["due_date"] == _row(plain, "ada")["due_date"]
    # a 1-day maximum makes ada due the next day, and the reason says it is the tier
    strict = outreach_plan(net, me="me", cadence=parse_cadence("inner=1d"), tiers_of={"ada": "inner"})
    ada = _row(strict, "ada")
    assert ada["tier"] == "inner" and ada["due_date"] == (EPOCH + timedelta(days=121)).date()
    assert ada["due_reason"].startswith("inner tier: at most 1.0 days between contacts")
    assert "its own rhythm" in _row(plain, "ada")["due_reason"]
    with pytest.raises(OptionError, match="not in cadence="):
        outreach_plan(net, me="me", cadence=parse_cadence("inner=1d"), tiers_of={"ada": "outer"})


def test_read_tiers_names_file_line_and_field(tmp_path: Path) -> None:
    from ror_graph.errors import InputError
    from ror_graph.plan import parse_cadence, read_tiers

    tiers = parse_cadence("inner=14d,close=30d")
    good = tmp_path / "tiers.csv"
    good.write_text("contact_id,tier\nana,inner\nbo, close\n", encoding="utf-8")
    assert read_tiers(good, tiers) == {"ana": "inner", "bo": "close"}
    bad = tmp_path / "bad.csv"
    bad.write_text("contact_id,tier\nana,inner\nbo,outer\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.csv, line 3, field tier: 'outer' is not a tier"):
        read_tiers(bad, tiers)
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("who,tier\nana,inner\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 1: no column 'contact_id'"):
        read_tiers(nocol, tiers)


def test_read_tiers_refuses_a_contact_listed_twice(tmp_path: Path) -> None:
    from ror_graph.errors import InputError
    from ror_graph.plan import parse_cadence, read_tiers

    twice = tmp_path / "twice.csv"
    twice.write_text("contact_id,tier\nana,inner\nbo,close\nana,close\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"twice\.csv, line 4, field contact_id: 'ana' is already on line 2"):
        read_tiers(twice, parse_cadence("inner=14d,close=30d"))


def test_plan_ics_parses_back_with_the_csv_actions_and_dates(sample_events: Path, tmp_path: Path) -> None:
    from icalendar import Calendar

    runner = CliRunner()
    cadence = ["--cadence", "inner=14d,close=30d,wider=90d"]
    csv_path, ics_path = tmp_path / "plan.csv", tmp_path / "plan.ics"
    done = runner.invoke(main, ["plan", str(sample_events), "--me", "brand", *cadence, "-o", str(csv_path)])
    assert done.exit_code == 0, done.output
    done = runner.invoke(main, ["plan", str(sample_events), "--me", "brand", *cadence, "-o", str(ics_path)])
    assert done.exit_code == 0, done.output
    plan = pl.read_csv(csv_path, try_parse_dates=True)
    assert {"tier", "due_reason"} <= set(plan.columns) and plan["tier"].drop_nulls().n_unique() == 3
    cal = Calendar.from_ical(ics_path.read_bytes())
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    assert len(events) == plan.height
    from_csv = sorted((r["contact_id"], r["due_date"]) for r in plan.iter_rows(named=True))
    from_ics = sorted((str(e["summary"]).split(": ", 1)[1], e.decoded("dtstart")) for e in events)
    assert from_ics == from_csv
    uids = [str(e["uid"]) for e in events]
    assert len(set(uids)) == len(uids)
    first = plan.row(0, named=True)
    top = next(e for e in events if str(e["summary"]).endswith(f": {first['contact_id']}"))
    assert first["due_reason"] in str(top["description"]) and int(top["priority"]) == 1
    # the same plan again: the same bytes (stable UIDs, DTSTAMP = as_of)
    again = tmp_path / "again.ics"
    runner.invoke(main, ["plan", str(sample_events), "--me", "brand", *cadence, "-o", str(again)])
    assert again.read_bytes() == ics_path.read_bytes()
    todos = tmp_path / "todo.ics"
    done = runner.invoke(main, ["plan", str(sample_events), "--me", "brand", "--calendar", "todo", "--top", "5", "-o", str(todos)])
    assert done.exit_code == 0, done.output
    items = [c for c in Calendar.from_ical(todos.read_bytes()).walk() if c.name == "VTODO"]
    assert len(items) == 5 and all(str(t["status"]) == "NEEDS-ACTION" and t.decoded("due") for t in items)


def test_plan_tiers_cli_errors(sample_events: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    tiers = tmp_path / "t.csv"
    tiers.write_text("contact_id,tier\nbrand,inner\nx,outer\n", encoding="utf-8")
    bad = runner.invoke(main, ["plan", str(sample_events), "--me", "brand", "--cadence", "inner=14d", "--tiers", str(tiers)])
    assert bad.exit_code == 1 and "line 3, field tier" in bad.output and bad.output.count("\n") == 1
    alone = runner.invoke(main, ["plan", str(sample_events), "--me", "brand", "--tiers", str(tiers)])
    assert alone.exit_code == 1 and "--cadence" in alone.output
    tiers.write_text("contact_id,tier\nbrand,inner\nbrand,inner\n", encoding="utf-8")
    twice = runner.invoke(main, ["plan", str(sample_events), "--me", "brand", "--cadence", "inner=14d", "--tiers", str(tiers)])
    assert twice.exit_code == 1 and "line 3, field contact_id: 'brand' is already on line 2" in twice.output
    assert twice.output.count("\n") == 1


@pytest.mark.parametrize("weight", ["value=inf", "floor=nan", "bond=nan"])
def test_plan_weights_must_be_finite(sample_events: Path, tmp_path: Path, weight: str) -> None:
    out = tmp_path / "plan.csv"
    bad = CliRunner().invoke(main, ["plan", str(sample_events), "--me", "brand", "--weights", weight, "-o", str(out)])
    assert bad.exit_code == 1 and bad.output.count("\n") == 1, bad.output
    assert f"weight {weight.split('=')[0]} must be" in bad.output and not out.exists()
