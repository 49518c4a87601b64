"""The fade model: known answers on small logs, no leakage, the prior, the fit against
scikit-learn, and the back-test's metrics against scikit-learn's."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import numpy as np
import polars as pl
import pytest

from ror_graph import fade_model
from ror_graph.backtest import brier, reliability, roc_auc
from ror_graph.fading import FadeParams, fade_model as model_of, fading_ties, tie_fade_scores, tie_status
from ror_graph.model import validate_events
from ror_graph.network import Network

DAY = 86400
T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


def _net(rows: list[tuple[str, str, float]], **options) -> Network:
    frame = pl.DataFrame({
        "src": [r[0] for r in rows], "dst": [r[1] for r in rows], "kind": ["message"] * len(rows),
        "ts": [T0 + timedelta(days=r[2]) for r in rows],
    })
    return Network.from_dataset(validate_events(frame, source="test"), **options)


def _community(days: int = 240, pairs: int = 60, seed: int = 1) -> list[tuple[str, str, float]]:
    """Pairs with different rhythms; a third of them stop at a random day."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(pairs):
        gap = float(rng.choice([1, 2, 4, 8, 16]))
        stop = float(rng.uniform(20, days)) if i % 3 == 0 else days
        d = float(rng.uniform(0, gap))
        while d < stop:
            rows.append((f"p{i}", f"q{i % 17}", d))
            d += gap * float(rng.exponential(1.0))
    return rows


def test_a_tie_that_stopped_is_at_risk_and_one_that_continues_is_not():
    rows = _community()
    rows += [("ana", "bo", d) for d in range(0, 120, 3)]        # stopped 120 days before as_of
    rows += [("cy", "di", d) for d in range(0, 240, 3)]         # goes on every 3 days
    net = _net(rows)
    table = fading_ties(net)
    stopped = table.filter(pl.col("a") == "ana").row(0, named=True)
    going = table.filter(pl.col("a") == "cy").row(0, named=True)
    assert model_of(net).source == "fitted"
    assert stopped["fade_risk"] > 0.8 and stopped["status"] in ("fading", "dormant")
    assert going["fade_risk"] < 0.2 and going["status"] == "active"
    assert "silent 1" in stopped["evidence"] and "against a usual 3" in stopped["evidence"]


def test_one_day_bursts_get_a_probability():
    rows = _community() + [("x", "y", 200), ("x", "y", 200.1), ("y", "x", 200.2)]
    table = fading_ties(_net(rows))
    burst = table.filter(pl.col("a") == "x").row(0, named=True)
    assert 0.0 < burst["fade_risk"] < 1.0
    assert burst["status"] in ("active", "cooling", "fading", "dormant")
    assert "a single day of contact" in burst["evidence"]
    assert table["fade_risk"].null_count() == 0


def test_events_after_as_of_change_nothing():
    rows = _community()
    later = [("ana", "bo", d) for d in range(200, 300)] + [("new", "person", 260)]
    as_of = T0 + timedelta(days=199)
    a = tie_fade_scores(_net(rows, as_of=as_of))
    b = tie_fade_scores(_net(rows + later, as_of=as_of))
    cols = ["fade_risk", "status", "silence_days", "usual_gap_days", "rhythm_score"]
    assert a.select(cols).equals(b.select(cols))
    assert model_of(_net(rows, as_of=as_of)) == model_of(_net(rows + later, as_of=as_of))


def test_training_labels_end_by_as_of():
    """Labels of pseudo-origin k cover (T - k h, T - (k - 1) h]: an event exactly at T counts."""
    rows = _community(days=100)
    net = _net(rows)
    train, step, info = fade_model.training_rows(net, 30, max_origins=2)
    assert step == 30 and info["origins"] == 2 and set(train["k"]) == {1, 2}
    as_of = net.as_of
    events = net.events.with_columns(pl.min_horizontal("s", "d").cast(pl.Int64).alias("a"),
                                     pl.max_horizontal("s", "d").cast(pl.Int64).alias("b"))
    for k in (1, 2):
        lo, hi = as_of - timedelta(days=30 * k), as_of - timedelta(days=30 * (k - 1))
        talked = set(events.filter((pl.col("ts") > lo) & (pl.col("ts") <= hi)).select("a", "b").iter_rows())
        before = set(events.filter(pl.col("ts") <= lo).select("a", "b").iter_rows())
        got = train.filter(pl.col("k") == k)
        assert set(got.select("a", "b").iter_rows()) == before
        expected = {pair: pair not in talked for pair in before}
        assert dict(((a, b), s) for a, b, s in got.select("a", "b", "silent").iter_rows()) == expected


def test_features_by_hand():
    rows = [("a", "b", 0), ("b", "a", 0.5), ("a", "b", 10), ("a", "c", 20), ("c", "d", 40)]
    net = _net(rows)  # as_of = day 40
    f = fade_model.tie_features(net, 10).filter((pl.col("a") == 0) & (pl.col("b") == 1)).row(0, named=True)
    assert f["log_active_days"] == pytest.approx(np.log1p(2))
    assert f["log_silence"] == pytest.approx(np.log(1 + 30 / 10))
    assert f["log_decayed"] == pytest.approx(np.log(1 + 2 ** -4 + 2 ** -3.95 + 2 ** -3))
    # a last seen day 20 (with c), b day 10: end silences 20 and 30 days.
    assert f["log_end_silence_min"] == pytest.approx(np.log(1 + 2)) and f["log_end_silence_max"] == pytest.approx(np.log(1 + 3))
    assert f["balance"] == pytest.approx(1 / 3) and f["log_events"] == pytest.approx(np.log(3))
    assert f["log_age"] == pytest.approx(np.log(1 + 4)) and f["log_mean_gap"] == pytest.approx(np.log(1 + 1))
    assert f["silence_units"] == pytest.approx(3)


def test_short_logs_use_the_prior():
    net = _net([("a", "b", 0), ("a", "b", 3), ("c", "d", 5)])
    model = model_of(net)
    assert model.source == "prior" and model.horizon_days == 30
    prior = fade_model.load_prior(30)
    assert model.coefficients == prior.coefficients
    assert {"datasets", "command", "date"} <= set(prior.provenance)
    risk = tie_fade_scores(net)["fade_risk"]
    assert risk.null_count() == 0 and risk.is_between(0, 1).all()
    forced = model_of(_net(_community()), replace(FadeParams(), prior_only=True))
    assert forced.source == "prior"


def test_a_log_shorter_than_two_horizons_learns_half_the_horizon():
    net = _net(_community(days=45))
    model = model_of(net)
    assert model.source == "fitted" and model.horizon_days == 15


def test_fit_equals_scikit_learn():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(3)
    x = rng.standard_normal((3000, 4))
    y = (rng.random(3000) < 1 / (1 + np.exp(-(x @ [1.0, -2.0, 0.5, 0.0] + 0.3)))).astype(int)
    for l2 in (1e-3, 1e-1):
        w, c = fade_model.fit_logistic(x, y, l2)
        ref = LogisticRegression(C=1 / (len(y) * l2), tol=1e-12, max_iter=10_000).fit(x, y)
        assert np.allclose(w, ref.coef_[0], atol=1e-5) and c == pytest.approx(ref.intercept_[0], abs=1e-5)


def test_model_applied_by_expression_equals_numpy():
    net = _net(_community())
    model, ties = fade_model.fade_probabilities(net, 30)
    x = ties.select(model.feature_names).to_numpy()
    z = model.intercept + ((x - np.array(model.means)) / np.array(model.scales)) @ np.array(model.coefficients)
    assert np.allclose(ties["p_silent"].to_numpy(), 1 / (1 + np.exp(-z)))


def test_subsample_is_deterministic_and_reproducible_with_int64():
    a, b = pl.Series([0, 5, 123_456, 2_000_000_000]), pl.Series([1, 9, 654_321, 2_100_000_000])
    got = pl.select(fade_model.subsample_hash(pl.lit(a), pl.lit(b), 3)).to_series().to_list()
    p = 2_147_483_647
    want = []
    for x, y in zip(a, b):
        h1 = (x * 1_000_003 + y) % p
        h2 = (h1 * 48_271 + 3 * 69_621 + 12_345) % p
        want.append(h2 * 48_271 % p)
        assert x * 1_000_003 + y < 2**62 and h1 * 48_271 + 3 * 69_621 + 12_345 < 2**62
    assert got == want
    rows = _community(pairs=120)
    full, _, info_full = fade_model.training_rows(_net(rows), 30, max_rows=10**9)
    part, _, info = fade_model.training_rows(_net(rows), 30, max_rows=info_full["rows"] // 2)
    again, _, _ = fade_model.training_rows(_net(rows), 30, max_rows=info_full["rows"] // 2)
    assert part.equals(again) and 0.3 < part.height / full.height < 0.7


def test_auc_equals_scikit_learn_and_brier_reliability():
    from sklearn.metrics import brier_score_loss, roc_auc_score

    rng = np.random.default_rng(5)
    p = np.round(rng.random(500), 2)  # many ties in the scores
    y = (rng.random(500) < p).astype(int)
    assert roc_auc(p, y) == pytest.approx(roc_auc_score(y, p))
    assert brier(p, y) == pytest.approx(brier_score_loss(y, p))
    table = reliability(p, y)
    assert table["n"].sum() == 500 and table["predicted"].is_sorted()


def test_holdout_calibration_for_the_report():
    from ror_graph.fading import holdout_calibration

    table, summary = holdout_calibration(_net(_community(pairs=90)))
    assert table.columns == ["bin", "n", "predicted", "observed"] and table.height == 10
    assert table["predicted"].is_between(0, 1).all() and table["observed"].is_between(0, 1).all()
    assert 0 <= summary["brier"] <= 1 and summary["horizon_days"] == 30 and summary["source"] == "fitted"
    short, empty = holdout_calibration(_net([("a", "b", 0), ("a", "b", 3)]))
    assert short.height == 0 and empty == {}


def test_cli_horizon_sets_the_fade_probability():
    from click.testing import CliRunner

    from ror_graph.cli import main

    from pathlib import Path

    sample = str(Path(__file__).resolve().parents[1] / "sample_data" / "events.csv")
    month = CliRunner().invoke(main, ["fading", sample, "--me", "brand", "--format", "csv"])
    week = CliRunner().invoke(main, ["fading", sample, "--me", "brand", "--horizon", "7d", "--format", "csv"])
    assert month.exit_code == 0 and week.exit_code == 0, week.output
    risk = {name: dict(pl.read_csv(r.stdout.encode()).select("b", "fade_risk").rows()) for name, r in
            (("month", month), ("week", week))}
    assert risk["month"].keys() == risk["week"].keys()
    # Over a week silence is likelier than over a month for most ties.
    assert sum(risk["week"][b] > risk["month"][b] for b in risk["month"]) > 0.8 * len(risk["month"])
    bad = CliRunner().invoke(main, ["fading", sample, "--horizon", "soon"])
    assert bad.exit_code == 1 and "Error: " in bad.output and "Traceback" not in bad.output


# -- the one-pass features against the group-by formulation ---------------------------------------

_PAIR = 2**31


def _reference_figures(net: Network, k: int, step_us: int) -> pl.DataFrame:
    """The figures at T_k by polars group-bys over (pair, bucket j = (as_of - ts) // step): an
    event counts at T_k when j >= k; a day when its end falls in a bucket >= k (the day holding
    as_of in bucket 0). Independent of the numba pass over the pair-ordered events."""
    as_of_us = int(net.as_of.timestamp() * 1e6)
    res_us = int(net.resolution.total_seconds() * 1e6)
    ev = net.events.select(
        (pl.min_horizontal("s", "d").cast(pl.Int64) * _PAIR + pl.max_horizontal("s", "d").cast(pl.Int64)).alias("pair"),
        (pl.col("s") < pl.col("d")).alias("fwd"), pl.col("ts").dt.epoch("us").alias("t"),
        pl.col("s").cast(pl.Int64), pl.col("d").cast(pl.Int64),
    ).with_columns(((as_of_us - pl.col("t")) // step_us).alias("bucket"))
    pre = ev.filter(pl.col("bucket") >= k).group_by("pair").agg(
        pl.len().cast(pl.Int64).alias("n"), pl.col("fwd").sum().cast(pl.Int64).alias("n_ab"),
        pl.col("t").min().alias("first"), pl.col("t").max().alias("last"),
        (pl.lit(2.0) ** (40 - (as_of_us - pl.col("t")).cast(pl.Float64) / step_us)).round(0).cast(pl.Int64).sum().alias("dec"),
    )
    days = net.active_periods.select(
        (pl.col("a").cast(pl.Int64) * _PAIR + pl.col("b").cast(pl.Int64)).alias("pair"),
        ((as_of_us - (pl.col("period").cast(pl.Int64) + 1) * res_us) // step_us).clip(lower_bound=0).alias("bucket"),
    ).filter(pl.col("bucket") >= k).group_by("pair").agg(pl.len().cast(pl.Int64).alias("days"))
    ends = pl.concat([ev.select(pl.col("s").alias("node"), "t", "bucket"), ev.select(pl.col("d").alias("node"), "t", "bucket")])
    seen = ends.filter(pl.col("bucket") >= k).group_by("node").agg(pl.col("t").max().alias("seen"))
    talked = ev.filter(pl.col("bucket") == k - 1).select("pair").unique().with_columns(pl.lit(True).alias("talked"))
    out = (
        pre.join(days, on="pair", how="left").join(talked, on="pair", how="left")
        .with_columns((pl.col("pair") // _PAIR).alias("a"), (pl.col("pair") % _PAIR).alias("b"),
                      pl.col("days").fill_null(0), pl.col("talked").fill_null(False))
        .join(seen.rename({"node": "a", "seen": "seen_a"}), on="a").join(seen.rename({"node": "b", "seen": "seen_b"}), on="b")
    )
    return out.select("a", "b", "n", "n_ab", "first", "last", "dec", "days", "seen_a", "seen_b", "talked").sort("a", "b")


@pytest.mark.parametrize("k", [0, 1, 2, 3])
def test_one_pass_figures_equal_the_group_by_formulation(k):
    rng = np.random.default_rng(k)
    people = [f"u{i}" for i in range(40)]
    rows = [(people[i], people[j], float(t)) for i, j, t in zip(rng.integers(0, 40, 3000), rng.integers(0, 40, 3000),
                                                                 rng.exponential(60, 3000)) if i != j]
    rows += [("u1", "u2", 3.0)] * 4 + [("u2", "u1", 3.0)]  # equal times
    net = _net(rows, resolution="12h")
    step_us = int(17.5 * DAY * 1e6)
    expected = _reference_figures(net, k, step_us)
    ties = None if k == 0 else np.flatnonzero(net.ties["first_ts"].dt.epoch("us").to_numpy()
                                               <= int(net.as_of.timestamp() * 1e6) - k * step_us)
    got = fade_model._figures_at(net, k, step_us, ties)
    assert got.height == expected.height > 100
    # dec: a sum of round(2 ** x); polars' pow and the C library's differ in the last bits, which
    # can move one rounding by one unit (2^-40) per event.
    assert got.drop("dec").rows() == expected.drop("dec").rows()
    assert ((got["dec"] - expected["dec"]).abs() <= got["n"]).all()


def test_tie_status_is_the_fade_risk_and_status_of_tie_fade_scores():
    rows = _community(pairs=80)
    full = tie_fade_scores(_net(rows), bridges=False)
    lean = tie_status(_net(rows))
    assert lean.columns == _net(rows).ties.columns + ["fade_risk", "status"]
    assert lean.select("a", "b", "fade_risk", "status").equals(full.select("a", "b", "fade_risk", "status"))
    assert full["status"].n_unique() > 1
    net = _net(rows)
    tie_fade_scores(net, bridges=False)
    assert tie_status(net).select("fade_risk", "status").equals(full.select("fade_risk", "status"))  # from the cache


def test_p_silent_scored_in_chunks_equals_all_at_once(monkeypatch):
    net = _net(_community(pairs=80))
    _, whole = fade_model.fade_probabilities(net, 30.0, keep_features=True)
    monkeypatch.setattr(fade_model, "_SCORE_CHUNK", 7)
    _, chunked = fade_model.fade_probabilities(net, 30.0, keep_features=False)
    assert net.ties.height > 3 * 7
    assert chunked["p_silent"].to_list() == whole["p_silent"].to_list()


def test_recent_periods_counts_as_a_repeat_and_bincount_does():
    from ror_graph._fadescan import recent_periods

    rng = np.random.default_rng(21)
    per_tie = rng.integers(1, 6, 500).astype(np.uint32)
    periods = rng.integers(0, 400, int(per_tie.sum()))
    cut = rng.uniform(0, 400, per_tie.size)
    tie = np.repeat(np.arange(per_tie.size), per_tie)
    expected = np.bincount(tie[(periods + 1).astype(np.float64) > cut[tie]], minlength=per_tie.size)
    assert recent_periods(periods, per_tie, cut).tolist() == expected.tolist()


# -- a hole in the log ----------------------------------------------------------------------------


def _holed(days: int = 240, hole: int = 90, after: int = 10) -> list[tuple[str, str, float]]:
    """:func:`_community` for ``days``, no event at all for ``hole`` days, then ``after`` days
    of the same pairs talking again."""
    rows = _community(days=days)
    rows += [(f"p{i}", f"q{i % 17}", days + hole + d) for i in range(0, 60, 2) for d in range(after)]
    return rows


def test_learning_gap_is_the_longest_quiet_stretch_reaching_into_the_window():
    day = 86_400_000_000

    def gap(days: list[float]) -> tuple[float, float] | None:
        # as_of at day 100, the window after day 40, a horizon of 25 days (times to 0.25 day)
        found = fade_model.learning_gap(np.array(days) * day, as_of_us=100 * day, start_us=40 * day, horizon_days=25,
                                        events_per_day=pace)
        return None if found is None else (found[0] / day, found[1] / day)

    pace = 5.0  # events a day: any stretch of a horizon would have held 125

    # By enumeration of the stretches between events (and as_of):
    assert gap([0, 5, 50, 60, 99]) == (5, 50)
    assert gap([0, 35, 50, 70, 99]) == (70, 99)  # 0 -> 35 is longer but ends before the window
    assert gap([0, 35, 55, 76, 99]) is None      # 20, 21 and 23 days: shorter than the horizon
    assert gap([0, 35, 55, 74, 99]) == (74, 99)  # 25 days: one horizon
    assert gap([0, 35, 60]) == (60, 100)         # the quiet end of a log before as_of
    # Times count to a hundredth of the horizon, rounded down: 74.9 is 74.75, 75.2 is 75.
    assert gap([0, 39, 50, 74.9, 99]) is None
    assert gap([0, 39, 50, 75.2, 99]) == (50, 75)
    # A sparse log's lull is not a hole: at 0.5 events a day, 40 days would hold 20 events
    # (HOLE_MIN_EXPECTED), 36 days 18.
    pace = 0.5
    assert gap([0, 39, 50, 90, 99]) == (50, 90)
    assert gap([0, 39, 50, 86, 99]) is None


def test_a_hole_in_the_log_is_noted_and_a_whole_log_is_not():
    import warnings

    from ror_graph.errors import DataWarning

    holed = _net(_holed())
    with pytest.warns(DataWarning) as caught:
        model_of(holed)
    (note,) = [str(w.message) for w in caught]
    last_before = T0 + timedelta(days=max(d for *_, d in _community()))
    day_after = (last_before + timedelta(days=1)).date().isoformat()
    assert note.startswith(f"no events at all from {last_before.date().isoformat()} to ")
    assert f"pass as_of={day_after} (the day after the last event before it)" in note
    # The data as of the day the note suggests, the log without the hole, and a tiny sparse log
    # whose longest lull is 36 days (rg.example_events: 12 events in 4 months): no note.
    from ror_graph.api import example_events, read

    for net in (_net(_holed(), as_of=day_after), _net(_community()), read(example_events())):
        with warnings.catch_warnings():
            warnings.simplefilter("error", DataWarning)
            model_of(net)


def test_the_cli_prints_the_hole_as_a_note_in_its_own_terms(tmp_path):
    from click.testing import CliRunner

    from ror_graph.cli import main

    log = tmp_path / "holed.csv"
    rows = _holed()
    pl.DataFrame({"src": [r[0] for r in rows], "dst": [r[1] for r in rows], "kind": "message",
                  "ts": [T0 + timedelta(days=r[2]) for r in rows]}).write_csv(log)
    result = CliRunner().invoke(main, ["fading", str(log), "-o", str(tmp_path / "out.csv")])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: no events at all")]
    assert len(notes) == 1 and " pass --as-of 20" in notes[0] and "as_of=" not in notes[0]
    assert (tmp_path / "out.csv").exists()
