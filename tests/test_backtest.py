"""The back-test: metrics by hand, no leakage from after T, real data, and the CLI."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from ror_graph.backtest import backtest, precision_at_k, roc_auc, spearman, summarize
from ror_graph.cli import main
from ror_graph.errors import OptionError
from ror_graph.fading import tie_fade_scores
from ror_graph.model import validate_events
from ror_graph.network import Network

DAY = 86400
T = datetime(1970, 4, 11, tzinfo=timezone.utc)  # day 100
T_DAY = 100


# -- metrics by hand ---------------------------------------------------------------------------


def test_auc_hand_computed():
    # positives 0.9 and 0.4; negatives 0.8, 0.4, 0.1. Pairs won: 0.9 beats all three (3),
    # 0.4 loses to 0.8 (0), ties 0.4 (0.5), beats 0.1 (1): 4.5 of 6.
    assert roc_auc([0.9, 0.8, 0.4, 0.4, 0.1], [1, 0, 1, 0, 0]) == pytest.approx(0.75)
    assert roc_auc([3, 2, 1], [1, 1, 0]) == 1.0
    assert roc_auc([3, 2, 1], [0, 0, 1]) == 0.0
    assert roc_auc([1, 1, 1, 1], [1, 0, 1, 0]) == 0.5
    assert roc_auc([1, 2], [1, 1]) is None


def test_auc_matches_pair_count_on_random_data():
    rng = np.random.default_rng(7)
    s = rng.integers(0, 5, 60).astype(float)
    y = rng.integers(0, 2, 60)
    pos, neg = s[y == 1], s[y == 0]
    wins = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg)
    assert roc_auc(s, y) == pytest.approx(wins / (pos.size * neg.size))


def test_precision_at_k_counts_ties_by_expectation():
    assert precision_at_k([3, 2, 2, 1], [1, 1, 0, 0], 1) == 1.0
    # top 2: 3 (hit) and one of the two 2s (one hit, one miss): 1 + 0.5 hits.
    assert precision_at_k([3, 2, 2, 1], [1, 1, 0, 0], 2) == 0.75
    assert precision_at_k([0, 0, 0, 0], [1, 0, 0, 0], 2) == 0.25
    assert precision_at_k([1, 2], [1, 1], 3) is None


def test_value_precision_at_k():
    from ror_graph.backtest import value_precision_at_k

    # Positives worth 5 and 1; the best top 1 holds the 5.
    assert value_precision_at_k([3, 2, 1], [0, 1, 1], [9, 5, 1], 1) == 0.0
    assert value_precision_at_k([1, 3, 2], [0, 1, 1], [9, 5, 1], 1) == 1.0
    assert value_precision_at_k([1, 2, 3], [0, 1, 1], [9, 5, 1], 2) == 1.0
    assert value_precision_at_k([1, 1, 1], [0, 1, 1], [9, 5, 1], 1) == pytest.approx((5 + 1) / 3 / 5)
    assert value_precision_at_k([1, 2], [0, 0], [1, 1], 1) is None


def test_spearman():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 1, 1, 1], [1, 2, 3, 4]) is None


# -- a small log where leakage would change the answer ------------------------------------------


def _events(rows: list[tuple[str, str, float]], kind: str = "message") -> pl.DataFrame:
    return pl.DataFrame(
        {"src": [r[0] for r in rows], "dst": [r[1] for r in rows], "kind": [kind] * len(rows),
         "ts": [int(r[2] * DAY) for r in rows]}
    )


def _past() -> list[tuple[str, str, float]]:
    """Up to T (day 100). Four active ties with a weekly rhythm; c-d and e-f already overdue."""
    rows = []
    for d in range(2, 99, 7):        # a-b weekly, last day 93
        rows.append(("a", "b", d) if d % 2 else ("b", "a", d))
    for d in range(0, 71, 7):        # c-d weekly until day 70: silent 30 days at T
        rows.append(("c", "d", d))
    for d in range(0, 85, 7):        # e-f weekly until day 84: silent 16 days
        rows.append(("f", "e", d))
    for d in range(1, 99, 3):        # g-h every three days, last day 97
        rows.append(("g", "h", d))
    for d in range(5, 99, 10):       # i-j every ten days, last day 95
        rows.append(("i", "j", d))
    return rows


def _horizon_labels() -> list[tuple[str, str, float]]:
    """In (T, T + 30d]: a-b and c-d talk again; e-f, g-h and i-j stay silent. The log goes on
    until day 135 (two strangers), so the horizon is fully observed."""
    return [("a", "b", 104), ("d", "c", 120), ("s1", "s2", 135)]


def _log(extra: list[tuple[str, str, float]] = ()) -> pl.DataFrame:
    return validate_events(_events(_past() + _horizon_labels() + list(extra)), source="test")


def _future_only_changes() -> list[tuple[str, str, float]]:
    """Events after T that keep every fading label (a-b and c-d were not silent anyway) but
    would flip the fade ranking if a score could see them: c-d becomes the freshest tie."""
    burst = [("c", "d", 100 + i * 0.5) for i in range(1, 40)] + [("a", "b", 101 + i) for i in range(20)]
    later = [(p, q, d) for p, q in [("e", "f"), ("g", "h"), ("i", "j"), ("x", "y")] for d in (140, 150, 160)]
    return burst + later


def test_leakage_would_change_the_answer():
    """Sanity: scored at T + horizon (a leak), the two logs rank the ties differently."""
    horizon_end = T + timedelta(days=30)
    plain = tie_fade_scores(Network.from_dataset(_log(), as_of=horizon_end))
    leaked = tie_fade_scores(Network.from_dataset(_log(_future_only_changes()), as_of=horizon_end))

    def risk(scored: pl.DataFrame, net_ids: dict[int, str]) -> dict[tuple[str, str], float]:
        return {(net_ids[a], net_ids[b]): r for a, b, r in scored.select("a", "b", "fade_risk").iter_rows()}

    ids_plain = dict(Network.from_dataset(_log(), as_of=horizon_end).nodes.iter_rows())
    ids_leaked = dict(Network.from_dataset(_log(_future_only_changes()), as_of=horizon_end).nodes.iter_rows())
    assert risk(plain, ids_plain)[("c", "d")] != risk(leaked, ids_leaked)[("c", "d")]


def test_nothing_after_t_leaks_into_the_scores():
    """Events after T that leave the outcomes unchanged leave every fading and nurture metric
    unchanged (the burst on c-d would also lift c and d in a nurture list scored later)."""
    tasks = ("fading", "nurture")
    base = backtest(_log(), [T], horizon="30d", tasks=tasks, ks=(1, 2), nurture_ks=(1, 2))
    other = backtest(_log(_future_only_changes()), [T], horizon="30d", tasks=tasks, ks=(1, 2), nurture_ks=(1, 2))
    assert base.filter(pl.col("task") == "nurture").height > 0
    assert base.height > 0
    assert base.equals(other)
    # The outcome itself: 3 of the 5 active ties go silent.
    auc = base.filter((pl.col("signal") == "fade_risk") & (pl.col("metric") == "auc") & (pl.col("target") == "silent"))
    assert auc["n"][0] == 5 and auc["positives"][0] == 3


def test_events_after_the_horizon_change_nothing_at_all():
    later = [(p, q, d) for p, q in [("a", "b"), ("e", "f"), ("g", "h"), ("z", "a")] for d in (131, 150, 170)]
    assert backtest(_log(), [T], horizon="30d", ks=(1, 2)).equals(backtest(_log(later), [T], horizon="30d", ks=(1, 2)))


def test_scores_equal_scores_on_the_log_cut_at_t():
    full = _log(_future_only_changes())
    cut = validate_events(_events([r for r in _past()]), source="cut")
    a = tie_fade_scores(Network.from_dataset(full, as_of=T)).select("fade_risk", "silence_days", "usual_gap_days")
    b = tie_fade_scores(Network.from_dataset(cut, as_of=T)).select("fade_risk", "silence_days", "usual_gap_days")
    assert a.equals(b)


def test_fading_metrics_on_the_small_log():
    res = backtest(_log(), [T], horizon="30d", tasks=("fading",), ks=(1, 2))
    value = {(s, m): v for s, m, v in res.filter(pl.col("target") == "silent").select("signal", "metric", "value").iter_rows()}
    # Silent: e-f (16 days silent), g-h (3), i-j (5). Talk again: c-d (30), a-b (7).
    # Recency ranks c-d first, a miss. Positives (silence 16, 5, 3) against negatives (30, 7):
    # only 16 > 7 is won, 1 pair of 6.
    assert value[("recency", "auc")] == pytest.approx(1 / 6)
    assert value[("recency", "p@1")] == 0.0
    assert {"fade_risk", "recency", "cadence", "few_events", "rhythm_score"} == {s for s, _ in value}
    assert ("fade_risk", "brier") in value and ("fade_risk", "rel_obs_01") not in value  # fewer than 10 ties
    for (signal, metric), v in value.items():
        assert v is None or 0.0 <= v <= 1.0, (signal, metric)


def test_fade_risk_uses_the_backtest_horizon():
    """The back-test fits the fade model for its own horizon, with data up to T only."""
    from dataclasses import replace

    from ror_graph.fading import FadeParams, fade_model

    net = Network.from_dataset(_log(), as_of=T)
    for days in (7, 30):
        res = backtest(_log(), [T], horizon=f"{days}d", tasks=("fading",), ks=(1,))
        auc = res.filter((pl.col("signal") == "fade_risk") & (pl.col("metric") == "auc") & (pl.col("target") == "silent"))
        assert auc.height == 1
        params = replace(FadeParams(), horizon_days=days)
        assert fade_model(net, params).horizon_days == days  # 100 days of history: at least 2 horizons
        assert tie_fade_scores(net, params)["fade_risk"].is_between(0, 1).all()


def test_min_events_sets_the_population():
    three = backtest(_log(), [T], horizon="30d", tasks=("fading",), ks=(1,))
    many = backtest(_log(), [T], horizon="30d", tasks=("fading",), ks=(1,), min_events=14)
    n = {t: v for t, v in three.filter(pl.col("metric") == "auc").select("target", "n").unique().iter_rows()}
    assert n["silent"] == 5 and n["silent_active"] == 5
    # Ties with at least 14 events before T: a-b (14), e-f (13 is too few), g-h (33), c-d (11 is too few), i-j (10).
    assert many.filter((pl.col("metric") == "auc") & (pl.col("target") == "silent"))["n"][0] == 2


def test_leakage_would_change_the_nurture_list():
    """Sanity: scored after the horizon (a leak), the extra events reorder the nurture list."""
    from ror_graph.nurture import nurture_next

    later = T + timedelta(days=30)
    plain = nurture_next(Network.from_dataset(_log(), as_of=later), estimate_reach=False)
    leaked = nurture_next(Network.from_dataset(_log(_future_only_changes()), as_of=later), estimate_reach=False)
    assert plain["node_id"].to_list() != leaked["node_id"].to_list()


def test_nurture_target_on_the_small_log():
    res = backtest(_log(), [T], horizon="30d", tasks=("nurture",), nurture_ks=(1, 2))
    community = res.filter(pl.col("target") == "community_valuable_lost")
    # Ten people active at T, one tie each. Top quartile of volume (at most 2.5 people): g and h
    # (33 events); both stay silent in the horizon. a, b, c and d talk again; e, f, i, j are
    # silent but not valuable.
    assert set(community["n"]) == {10} and set(community["positives"]) == {2}
    assert set(community["signal"]) == {"priority", "worth", "fade_risk", "recency", "volume", "volume_x_recency"}
    value = {(s, m): v for s, m, v in community.select("signal", "metric", "value").iter_rows()}
    assert value[("volume", "auc")] == 1.0 and value[("volume", "p@2")] == 1.0
    assert value[("recency", "p@1")] == 0.0  # c-d, silent 30 days, talks again
    egos = res.filter(pl.col("target") == "ego_valuable_lost")
    assert egos["ego"].n_unique() == 5 and community["ego"].null_count() == community.height
    for v in res["value"].drop_nulls():
        assert 0.0 <= v <= 1.0


def test_nurture_with_me_scores_that_ego_only():
    res = backtest(_log(), [T], horizon="30d", me="g", tasks=("nurture",), nurture_ks=(1,))
    assert set(res["target"]) == {"ego_valuable_lost", "ego_mutual_lost", "ego_worth_lost"} and set(res["ego"]) == {"g"}
    assert set(res.filter(~pl.col("target").str.ends_with("worth_lost"))["n"]) == {1}
    assert set(res.filter(pl.col("target").str.ends_with("worth_lost"))["n"]) == {0}  # no top quartile of one


def test_ego_keeps_only_the_egos_ties():
    res = backtest(_log(), [T], horizon="30d", me="c", tasks=("fading", "value"), ks=(1,))
    fading = res.filter((pl.col("task") == "fading") & (pl.col("target") == "silent"))
    assert set(fading["n"].to_list()) == {1}
    assert res.filter(pl.col("target") == "tie_volume")["n"][0] == 1


def test_origin_past_the_data_is_an_error():
    with pytest.raises(OptionError, match="cut short"):
        backtest(_log(), [T + timedelta(days=10)], horizon="30d")
    with pytest.raises(OptionError, match="duration"):
        backtest(_log(), [T], horizon="soon")


def test_referral_needs_shares():
    assert backtest(_log(), [T], horizon="30d", tasks=("referral",)).height == 0
    shares = [(f"fan{i}", "star", d) for i in range(12) for d in (10 + i, 60 + i, 105 + i)]
    shares += [("fan0", f"small{i}", 20 + i) for i in range(5)] + [("fan1", "small0", 110), ("fan2", "small1", 135)]
    ds = validate_events(pl.concat([_events(_past()), _events(shares, "share")]), source="shares")
    res = backtest(ds, [T], horizon="30d", tasks=("referral",), rr_sets=2000, ks=(1,))
    assert set(res["signal"]) == {"referral_reach", "pagerank", "count", "recency"}
    top = res.filter((pl.col("signal") == "referral_reach") & (pl.col("metric") == "p@1"))
    assert top["value"][0] == 1.0  # star has the largest reach and the most future shares


# -- real data: the Copenhagen SMS -------------------------------------------------------------


def test_copenhagen_sms_rolling_origin(shared_data):
    from ror_graph.loaders import load_events

    ds = load_events([shared_data / "copenhagen" / "sms.csv"])
    origins = [datetime(1970, 1, d, tzinfo=timezone.utc) for d in (13, 16, 19)]
    res = backtest(ds, origins, horizon="7d")
    assert sorted(set(res["as_of"].to_list())) == origins
    summary = summarize(res)
    row = summary.filter((pl.col("target") == "silent") & (pl.col("metric") == "auc") & (pl.col("signal") == "fade_risk")).row(0, named=True)
    assert row["origins"] == 3 and row["n"] > 100
    assert 0.5 < row["mean"] < 1.0          # better than chance
    assert math.isfinite(row["margin"])
    gives = summary.filter((pl.col("target") == "gives_back") & (pl.col("metric") == "auc") & (pl.col("signal") == "strength"))
    assert gives["mean"][0] > 0.65
    assert summary.filter(pl.col("role") == "baseline")["margin"].null_count() == summary.filter(pl.col("role") == "baseline").height
    nurture = summary.filter((pl.col("task") == "nurture") & (pl.col("metric") == "auc") & (pl.col("signal") == "priority"))
    assert set(nurture["target"]) == {"community_valuable_lost", "community_mutual_lost", "ego_valuable_lost", "ego_mutual_lost",
                                      "community_worth_lost", "ego_worth_lost"}
    old_targets = nurture.filter(~pl.col("target").str.ends_with("worth_lost"))
    assert (old_targets["mean"] > 0.6).all()  # far above chance; recency alone is near 0.5 (docs/backtest.md)
    vp = summary.filter((pl.col("target") == "community_worth_lost") & (pl.col("metric") == "vp@10"))
    assert set(vp["signal"]) == {"priority", "fade_risk", "recency", "volume", "volume_x_recency"}
    assert vp["mean"].drop_nulls().is_between(0, 1).all()


# -- CLI ---------------------------------------------------------------------------------------


def test_cli_backtest_csv(shared_data):
    sms = str(shared_data / "copenhagen" / "sms.csv")
    result = CliRunner().invoke(
        main, ["backtest", sms, "--as-of", "1970-01-13,1970-01-16", "--horizon", "7d", "--task", "fading", "--format", "csv"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    header = [line for line in result.output.splitlines() if line.startswith("task,")][0]
    assert header.split(",")[:6] == ["task", "target", "metric", "signal", "role", "mean"]
    assert "fading,silent,auc,fade_risk,model," in result.output


def test_cli_backtest_error_is_one_line(shared_data):
    sms = str(shared_data / "copenhagen" / "sms.csv")
    result = CliRunner().invoke(main, ["backtest", sms, "--as-of", "1970-01-27", "--horizon", "7d"])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and "cut short" in errors[0]
    assert "Traceback" not in result.output
