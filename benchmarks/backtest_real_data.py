"""Back-test ror-graph's rankings on the real temporal datasets and choose the defaults with
leave-one-dataset-out.

    python benchmarks/backtest_real_data.py                 # fading (held-out) + the other tasks
    python benchmarks/backtest_real_data.py --only fading   # the fading part only (~5-10 min on 2 cores)
    python benchmarks/backtest_real_data.py --write-prior   # also refit ror_graph/fade_prior.json

Writes ``benchmarks/results/backtest_fading.md`` (commit, date, load average) and the tables of
``docs/backtest.md`` between its GENERATED markers (one pair of markers per part, so the prose
and other sections around them survive regeneration). ``--data DIR`` (default ../shared/data or
$ROR_SHARED_DATA), ``--doc PATH``, ``--csv DIR`` (raw per-origin rows; ignored by git).

The fading part (issue #10's protocol): at each origin T, every pair with at least 3
interactions at or before T; label 1 when the pair has no interaction in (T, T + horizon].
``fade_risk`` (the model fitted at run time on the log before T) against recency, a fixed
cadence, raw counts and the previous rhythm score. Every setting in ``FADE_GRID`` (feature set,
L2 penalty, number of pseudo-origins) is scored on every dataset; for each held-out dataset the
setting with the best mean AUC on the *other* datasets is chosen and the held-out dataset's
figures under that setting are reported. The library default is the setting chosen with all
datasets. The prior (``fade_prior.json``) is evaluated the same way: fitted on the other
datasets' pseudo-origin rows, applied alone on the held-out one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ror_graph import strength  # noqa: E402
from ror_graph.backtest import (  # noqa: E402
    NURTURE_EGOS,
    backtest,
    brier,
    fading_population,
    precision_at_k,
    reliability,
    roc_auc,
    summarize,
)
from ror_graph import fade_model  # noqa: E402
from ror_graph.fade_model import CORE_FEATURES, FEATURES  # noqa: E402
from ror_graph.fading import FadeParams  # noqa: E402
from ror_graph.network import Network  # noqa: E402
from ror_graph.nurture import NurtureWeights  # noqa: E402
from ror_graph.timeutil import parse_as_of, parse_duration  # noqa: E402
from ror_graph.loaders import load_events  # noqa: E402

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _days(*days: float) -> list[str]:
    """Origins of datasets whose time is relative (t = 0 at 1970-01-01)."""
    return [(EPOCH + timedelta(days=d)).isoformat() for d in days]


@dataclass(frozen=True)
class Spec:
    name: str
    files: tuple[str, ...]
    origins: tuple[str, ...]
    horizon: str
    fading: bool = True  # is "goes silent" a meaningful outcome here?
    relative: bool = False  # timestamps count from 1970-01-01 (origins shown as day numbers)
    note: str = ""


DATASETS = (
    Spec("CollegeMsg", ("collegemsg/CollegeMsg.txt",),
         ("2004-05-15", "2004-06-01", "2004-06-15", "2004-07-01", "2004-08-01", "2004-09-01"), "30d",
         note="messages; activity falls sharply after the first 60 days"),
    Spec("email-Eu-core", ("email-eu-core-temporal/email-Eu-core-temporal.txt.gz",),
         tuple(_days(240, 300, 360, 420, 480)), "30d", relative=True,
         note="origins day 240-480, so T + 30d stays before the 272-day gap after day 525"),
    Spec("bitcoin-otc", ("bitcoin-otc/soc-sign-bitcoinotc.csv",),
         ("2011-06-01", "2012-01-01", "2012-07-01", "2013-01-01", "2014-01-01"), "90d", fading=False,
         note="ratings; each pair once per direction, so no tie can 'go silent' after both sides rated"),
    Spec("bitcoin-alpha", ("bitcoin-alpha/soc-sign-bitcoinalpha.csv",),
         ("2011-06-01", "2012-01-01", "2012-07-01", "2013-01-01", "2014-01-01"), "90d", fading=False,
         note="as bitcoin-otc"),
    Spec("copenhagen-sms", ("copenhagen/sms.csv",), tuple(_days(9, 12, 15, 18, 20)), "7d", relative=True,
         note="28 days of SMS; horizon 7 days"),
    Spec("copenhagen-calls", ("copenhagen/calls.csv",), tuple(_days(9, 12, 15, 18, 20)), "7d", relative=True,
         note="28 days of calls; horizon 7 days"),
    Spec("higgs", ("higgs-twitter/higgs-activity_time.txt.gz",),
         ("2012-07-03", "2012-07-04", "2012-07-05", "2012-07-06"), "1d",
         note="7 days of retweets, mentions, replies; horizon 1 day; a broadcast network"),
)

# -- the fading protocol (issue #10) --------------------------------------------------------------


@dataclass(frozen=True)
class FadingSpec:
    name: str
    files: tuple[str, ...]
    origins: tuple[str, ...]  # ISO dates, or "+N" = N days after the first event
    horizon: str
    relative: bool = False
    note: str = ""


FADING = (
    FadingSpec("CollegeMsg", ("collegemsg/CollegeMsg.txt",), ("+30", "+45", "+60", "+90", "+120", "+150"), "30d",
               note="first event + 30, 45, 60, 90, 120, 150 days"),
    FadingSpec("email-Eu-core", ("email-eu-core-temporal/email-Eu-core-temporal.txt.gz",), tuple(_days(200, 300, 400)),
               "60d", relative=True, note="T + 60 d stays before the 272-day gap after day 525"),
    FadingSpec("copenhagen-sms", ("copenhagen/sms.csv",), tuple(_days(14, 21)), "7d", relative=True,
               note="28 days of SMS; day 21 + 7 d ends 4 minutes after the last event (as in issue #10)"),
    FadingSpec("copenhagen-calls", ("copenhagen/calls.csv",), tuple(_days(14, 21)), "7d", relative=True,
               note="28 days of calls; day 21 + 7 d ends 47 minutes after the last event (as in issue #10)"),
    FadingSpec("higgs", ("higgs-twitter/higgs-activity_time.txt.gz",), ("2012-07-03", "2012-07-04", "2012-07-05", "2012-07-06"),
               "1d", note="one week of retweets, mentions, replies: a short horizon"),
    FadingSpec("bitcoin-otc", ("bitcoin-otc/soc-sign-bitcoinotc.csv",), ("2012-01-01", "2013-01-01"), "90d",
               note="ratings: each directed pair rates once, so no pair reaches 3 interactions"),
    FadingSpec("bitcoin-alpha", ("bitcoin-alpha/soc-sign-bitcoinalpha.csv",), ("2012-01-01", "2013-01-01"), "90d",
               note="as bitcoin-otc"),
)
MIN_EVENTS = 3
FEATURE_SETS = {
    "core": CORE_FEATURES,
    "core+silence": CORE_FEATURES + ("silence_units",),
    "core+rhythm": CORE_FEATURES + ("log_age", "log_mean_gap", "balance"),
    "core+missed": CORE_FEATURES + ("log_missed",),
    "all-but-missed": tuple(f for f in FEATURES if f != "log_missed"),
    "all": FEATURES,
}
L2S = (1e-4, 1e-2, 1.0)
MAX_ORIGINS = (2, 6)
FADE_GRID = [(f, l2, k) for f in FEATURE_SETS for l2 in L2S for k in MAX_ORIGINS]
FADING_BASELINES = ("recency", "cadence", "few_events", "rhythm_score")
PRIOR_ROWS = 20_000  # rows per dataset in the pooled prior fit


def _origins(spec: FadingSpec, ds) -> list[datetime]:
    first = ds.events["ts"].min()
    return [first + timedelta(days=float(o[1:])) if o.startswith("+") else parse_as_of(o, reference=ds.last_ts)
            for o in spec.origins]


def _config_name(config: tuple) -> str:
    f, l2, k = config
    return f"features={f}, l2={l2:g}, pseudo-origins<={k}"


def fading_runs(datasets: dict[str, tuple[FadingSpec, object]]) -> dict[str, list[dict]]:
    """Per dataset, one record per origin: the population's outcome, the baselines, and
    fade_risk under every grid setting (fitted on the log before T), plus the pooled rows
    for the prior."""
    out: dict[str, list[dict]] = {}
    for name, (spec, ds) in datasets.items():
        span = parse_duration(spec.horizon)
        h = span.total_seconds() / 86400
        records = []
        for t in _origins(spec, ds):
            started = time.time()
            net = Network.from_dataset(ds, as_of=t)
            future = ds.events.filter((pl.col("ts") > t) & (pl.col("ts") <= t + span))
            base = fading_population(net, future, span, fade=FadeParams(horizon_days=h))
            pop = base.filter(pl.col("n_events") >= MIN_EVENTS).sort("a", "b")
            rec = {"origin": t, "n": pop.height, "silent": pop["silent"].to_numpy(), "overdue": pop["overdue"].to_numpy(),
                   "baselines": {b: pop[b].to_numpy().astype(float) for b in FADING_BASELINES}, "risk": {}, "source": {}}
            keys = pop.select(pl.col("a").cast(pl.Int64), pl.col("b").cast(pl.Int64))
            for k in MAX_ORIGINS:
                rows, step, _ = fade_model.training_rows(net, h, max_origins=k)
                feats = fade_model.tie_features(net, step)
                feats = keys.join(feats, on=["a", "b"], how="left")
                ok = rows.height and min(int(rows["silent"].sum()), rows.height - int(rows["silent"].sum())) >= fade_model.MIN_CLASS
                for fname, names in FEATURE_SETS.items():
                    for l2 in L2S:
                        if ok:
                            x, means, scales = fade_model._standardise(rows, names)
                            w, c = fade_model.fit_logistic(x, rows["silent"].to_numpy(), l2)
                            model = fade_model.FadeModel(names, tuple(means), tuple(scales), tuple(w), c, step)
                            risk = model.predict(feats).to_numpy()
                        else:
                            model, probs = fade_model.fade_probabilities(net, h)
                            risk = keys.join(probs, on=["a", "b"], how="left")["p_silent"].to_numpy()
                        rec["risk"][(fname, l2, k)] = risk
                        rec["source"][(fname, l2, k)] = model.source
                if k == max(MAX_ORIGINS):
                    rec["prior_rows"] = fade_model.training_rows(net, h, max_origins=k, max_rows=PRIOR_ROWS)[0]
                    rec["features_h"] = keys.join(fade_model.tie_features(net, h), on=["a", "b"], how="left")
            records.append(rec)
            _log(f"  {name} {t:%Y-%m-%d}: {pop.height} pairs, {int(pop['silent'].sum()) if pop.height else 0} silent "
                 f"({time.time() - started:.1f}s)")
        out[name] = records
    return out


def _auc(score, y):
    return roc_auc(score, y) if len(y) else None


def _mean_std(values: list[float | None]) -> tuple[float | None, float | None, int]:
    import numpy as np

    v = [x for x in values if x is not None]
    if not v:
        return None, None, 0
    return float(np.mean(v)), (float(np.std(v, ddof=1)) if len(v) > 1 else None), len(v)


def _ms_cell(values: list[float | None]) -> str:
    mean, std, n = _mean_std(values)
    if mean is None:
        return "–"
    return f"{mean:.3f} ± {std:.3f}" if std is not None else f"{mean:.3f}"


def grid_scores(runs: dict[str, list[dict]]) -> dict[str, dict[tuple, float]]:
    """Mean AUC of fade_risk over each dataset's origins, per grid setting."""
    import numpy as np

    scores: dict[str, dict[tuple, float]] = {}
    for name, records in runs.items():
        usable = [r for r in records if r["n"] and 0 < r["silent"].sum() < r["n"]]
        if not usable:
            continue
        scores[name] = {c: float(np.mean([_auc(r["risk"][c], r["silent"]) for r in usable])) for c in FADE_GRID}
    return scores


def choose(scores: dict[str, dict[tuple, float]], names: list[str]) -> tuple:
    """The setting with the best mean (over ``names``, each dataset weighs the same) AUC."""
    import numpy as np

    return max(FADE_GRID, key=lambda c: (float(np.mean([scores[n][c] for n in names])), -FADE_GRID.index(c)))


def fit_prior(runs: dict[str, list[dict]], names: list[str], features: tuple[str, ...], l2: float):
    """The prior: one fit on the pseudo-origin rows of the latest origin of each dataset in
    ``names`` (at most PRIOR_ROWS rows each; each dataset weighs the same by row count)."""
    frames = []
    for n in names:
        rows = runs[n][-1]["prior_rows"]
        if rows.height:
            frames.append(rows.select(*features, "silent"))
    pooled = pl.concat(frames)
    x, means, scales = fade_model._standardise(pooled, features)
    w, c = fade_model.fit_logistic(x, pooled["silent"].to_numpy(), l2)
    return fade_model.FadeModel(features, tuple(means.tolist()), tuple(scales.tolist()), tuple(w.tolist()), c, 1.0, "prior"), pooled.height


def held_out(runs: dict[str, list[dict]], scores: dict[str, dict[tuple, float]]) -> tuple[list[str], dict, dict]:
    """Leave-one-dataset-out: per held-out dataset, the chosen setting and its metrics."""
    import numpy as np

    evaluable = list(scores)
    lines = [
        "| held-out dataset | origins | pairs (mean) | silent share | setting chosen on the other datasets "
        "| AUC fade_risk | AUC recency | AUC cadence | AUC few events | AUC rhythm score (old) | AUC prior only "
        "| p@50 fade_risk | p@50 recency | Brier fade_risk | Brier prior only |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    per: dict[str, dict] = {}
    chosen: dict[str, tuple] = {}
    for name, records in runs.items():
        usable = [r for r in records if r["n"] and 0 < r["silent"].sum() < r["n"]]
        if name not in evaluable or not usable:
            n_pairs = np.mean([r["n"] for r in records]) if records else 0
            lines.append(f"| {name} | {len(records)} | {n_pairs:.0f} | – | no usable population (fewer than 2 classes or "
                         f"no pair with {MIN_EVENTS}+ interactions) | – | – | – | – | – | – | – | – | – | – |")
            continue
        others = [n for n in evaluable if n != name]
        config = choose(scores, others)
        chosen[name] = config
        prior, _ = fit_prior(runs, others, FEATURE_SETS[config[0]], config[1])
        m: dict[str, list] = {k: [] for k in ("auc", "p50", "brier", "prior_auc", "prior_brier", *[f"b_{b}" for b in FADING_BASELINES], "b_p50")}
        preds, ys, overdue = [], [], []
        for r in usable:
            y = r["silent"]
            risk = r["risk"][config]
            prior_risk = prior.predict(r["features_h"]).to_numpy()
            m["auc"].append(_auc(risk, y))
            m["p50"].append(precision_at_k(risk, y, 50))
            m["brier"].append(brier(risk, y))
            m["prior_auc"].append(_auc(prior_risk, y))
            m["prior_brier"].append(brier(prior_risk, y))
            for b in FADING_BASELINES:
                m[f"b_{b}"].append(_auc(r["baselines"][b], y))
            m["b_p50"].append(precision_at_k(r["baselines"]["recency"], y, 50))
            preds.append(risk)
            ys.append(y)
            overdue.append(r["overdue"])
        per[name] = {k: _mean_std(v) for k, v in m.items()}
        per[name]["origins_auc"] = m["auc"]
        per[name]["origins_recency"] = m["b_recency"]
        per[name]["pred"] = np.concatenate(preds)
        per[name]["y"] = np.concatenate(ys)
        per[name]["overdue"] = np.concatenate(overdue)
        per[name]["rhythm"] = np.concatenate([r["baselines"]["rhythm_score"] for r in usable])
        per[name]["origins"] = [(r["risk"][config], r["baselines"]["rhythm_score"], r["overdue"], r["silent"]) for r in usable]
        lines.append(
            f"| {name} | {len(usable)} | {np.mean([r['n'] for r in usable]):.0f} | "
            f"{np.mean([r['silent'].mean() for r in usable]):.2f} | {_config_name(config)} | **{_ms_cell(m['auc'])}** | "
            f"{_ms_cell(m['b_recency'])} | {_ms_cell(m['b_cadence'])} | {_ms_cell(m['b_few_events'])} | "
            f"{_ms_cell(m['b_rhythm_score'])} | {_ms_cell(m['prior_auc'])} | {_ms_cell(m['p50'])} | {_ms_cell(m['b_p50'])} | "
            f"{_ms_cell(m['brier'])} | {_ms_cell(m['prior_brier'])} |"
        )
    return lines, per, chosen


def verdict(per: dict) -> list[str]:
    import numpy as np

    names = list(per)
    auc = [per[n]["auc"][0] for n in names]
    rec = [per[n]["b_recency"][0] for n in names]
    p50 = [per[n]["p50"][0] for n in names]
    rp50 = [per[n]["b_p50"][0] for n in names]
    below = [n for n in names if per[n]["auc"][0] < per[n]["b_recency"][0]]
    origins_won = sum(int(a > r) for n in names for a, r in zip(per[n]["origins_auc"], per[n]["origins_recency"]))
    origins_all = sum(len(per[n]["origins_auc"]) for n in names)
    p50_pairs = [(a, b) for a, b in zip(p50, rp50) if a is not None and b is not None]
    return [
        f"- Mean held-out AUC over the {len(names)} datasets: fade_risk **{np.mean(auc):.3f}**, recency {np.mean(rec):.3f} "
        f"(difference {np.mean(auc) - np.mean(rec):+.3f}; target +0.05).",
        f"- Datasets whose mean AUC is below recency's: {', '.join(below) if below else 'none'}.",
        f"- Origins where fade_risk beats recency: {origins_won} of {origins_all}.",
        f"- Precision at 50: fade_risk {np.mean([a for a, _ in p50_pairs]):.3f} against recency "
        f"{np.mean([b for _, b in p50_pairs]):.3f} (mean over the {len(p50_pairs)} datasets with 50+ pairs).",
    ]


def reliability_lines(per: dict) -> list[str]:
    lines = ["| held-out dataset | " + " | ".join(f"decile {i}" for i in range(1, 11)) + " |",
             "|---|" + "---|" * 10]
    for name, d in per.items():
        table = reliability(d["pred"], d["y"])
        cells = [f"{p:.2f} / {o:.2f}" for p, o in zip(table["predicted"], table["observed"])]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def _status_rules() -> dict[str, object]:
    """The status rules compared: the library's ladder and two alternatives, each a function of
    numpy arrays (risk, rhythm score, overdue) to status levels 0-3 (active..dormant)."""
    import numpy as np

    from ror_graph.fading import STATUSES, status_expr

    def library(risk, rhythm, overdue):
        frame = pl.DataFrame({"risk": risk, "rhythm": rhythm})
        words = frame.select(status_expr(pl.col("risk"), pl.col("rhythm"))).to_series()
        return words.replace_strict({s: i for i, s in enumerate(STATUSES)}, return_dtype=pl.Int8).to_numpy()

    def within_gap_active(risk, rhythm, overdue):
        return np.where(np.nan_to_num(overdue) <= 1, 0, library(risk, rhythm, overdue))

    return {
        "the ladder (library): probability and rhythm score, the higher band; only the probability says dormant": library,
        "the ladder, but active while within the usual gap (the rule before 2026-11-29)": within_gap_active,
        "the probability's bands alone": lambda risk, rhythm, overdue: library(risk, np.zeros_like(risk), overdue),
    }


def status_lines(per: dict) -> list[str]:
    """Per status word of the library's ladder, the pairs and their observed silence share; then
    each rule's AUC of the status level (0-3) as a predictor of silence, and whether the silence
    share rises with every step of the ladder."""
    import numpy as np

    from ror_graph.fading import STATUSES

    rules = _status_rules()
    library = next(iter(rules.values()))
    lines = ["| held-out dataset | " + " | ".join(f"{s}: pairs, silent share" for s in STATUSES) + " |",
             "|---|" + "---|" * len(STATUSES)]
    for name, d in per.items():
        level = library(d["pred"], d["rhythm"], d["overdue"])
        cells = [f"{(level == i).sum()}, {d['y'][level == i].mean():.2f}" if (level == i).any() else "0, –" for i in range(len(STATUSES))]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "Status rules compared (AUC of the status level 0-3 as a predictor of silence, mean ± sd over the origins; "
              "\"rises\": the silent share goes up at every step with 30+ pairs, origins pooled). No rule has a tuned "
              "parameter: the cut-offs are fixed probabilities (FadeParams.status_cuts).", "",
              "| rule | " + " | ".join(per) + " | rises on |", "|---|" + "---|" * (len(per) + 1)]
    for rule, fn in rules.items():
        cells, rises = [], 0
        for d in per.values():
            cells.append(_ms_cell([_auc(fn(*o[:3]).astype(float), o[3]) for o in d["origins"]]))
            level = fn(d["pred"], d["rhythm"], d["overdue"])
            shares = [d["y"][level == i].mean() for i in range(len(STATUSES)) if (level == i).sum() >= 30]
            rises += all(a < b for a, b in zip(shares, shares[1:]))
        lines.append(f"| {rule} | " + " | ".join(cells) + f" | {rises} of {len(per)} |")
    lifted_lines = ["", "Predicted and observed silence of two groups: the ties the rhythm score lifts (its band above the "
                    "probability's) and the ties within their usual gap (silence <= one usual gap, which the previous rule "
                    "called active).", "",
                    "| held-out dataset | lifted: pairs, mean fade_risk, observed silent share "
                    "| within the usual gap: pairs, mean fade_risk, observed silent share |", "|---|---|---|"]

    def group(d: dict, mask) -> str:
        return f"{int(mask.sum())}, {np.mean(d['pred'][mask]):.2f}, {np.mean(d['y'][mask]):.2f}" if mask.any() else "0, –, –"

    bands = rules["the probability's bands alone"]
    for name, d in per.items():
        lifted = library(d["pred"], d["rhythm"], d["overdue"]) > bands(d["pred"], d["rhythm"], d["overdue"])
        lifted_lines.append(f"| {name} | {group(d, lifted)} | {group(d, np.nan_to_num(d['overdue']) <= 1)} |")
    return lines + lifted_lines


def grid_lines(scores: dict[str, dict[tuple, float]], default: tuple) -> list[str]:
    import numpy as np

    names = list(scores)
    lines = ["| setting | mean AUC | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
    order = sorted(FADE_GRID, key=lambda c: -float(np.mean([scores[n][c] for n in names])))
    for c in order:
        mark = " **(default)**" if c == default else ""
        lines.append(f"| {_config_name(c)}{mark} | {np.mean([scores[n][c] for n in names]):.4f} | "
                     + " | ".join(f"{scores[n][c]:.3f}" for n in names) + " |")
    return lines


def _machine() -> dict[str, str]:
    import platform
    import subprocess

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "ror_graph/fading.py",
                            "ror_graph/fade_model.py", "ror_graph/backtest.py", "ror_graph/nurture.py",
                            "benchmarks/backtest_real_data.py"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {
        "commit": commit + (" (with uncommitted changes to the fading code)" if dirty else ""),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, polars {pl.__version__}",
    }


def fading_part(data: Path, write_prior: bool) -> tuple[str, str]:
    """Run the fading protocol; returns (results file text, docs block)."""
    started = time.time()
    datasets = {spec.name: (spec, _load(data, spec)) for spec in FADING}
    runs = fading_runs(datasets)
    scores = grid_scores(runs)
    lines, per, chosen = held_out(runs, scores)
    default = choose(scores, list(scores))
    library = (FadeParams().features, FadeParams().l2, FadeParams().max_origins)
    library_name = next((f for f, names in FEATURE_SETS.items() if names == library[0]), str(library[0]))
    prior, prior_rows = fit_prior(runs, list(scores), FEATURE_SETS[default[0]], default[1])
    info = _machine()
    if write_prior:
        payload = prior.to_json()
        payload["provenance"] = {
            "datasets": [f"{runs_name} ({', '.join(datasets[runs_name][0].files)}; latest origin)" for runs_name in scores],
            "rows": prior_rows,
            "rows_per_dataset_max": PRIOR_ROWS,
            "l2": default[1],
            "command": "python benchmarks/backtest_real_data.py --only fading --write-prior",
            "date": info["date"],
            "commit": info["commit"],
        }
        (ROOT / "ror_graph" / "fade_prior.json").write_text(json.dumps(payload, indent=1) + "\n")
    spec_lines = ["| dataset | file(s) | origins | horizon | note |", "|---|---|---|---|---|"]
    for name, (spec, ds) in datasets.items():
        shown = ", ".join(f"day {(t - EPOCH).days}" if spec.relative else f"{t:%Y-%m-%d}" for t in _origins(spec, ds))
        spec_lines.append(f"| {name} | {', '.join(spec.files)} | {shown} | {spec.horizon} | {spec.note} |")
    block = [
        f"Generated by `python benchmarks/backtest_real_data.py --only fading` at commit {info['commit']}, "
        f"{info['date']}, load average {info['load']} ({info['machine']}); {time.time() - started:.0f} s.",
        "",
        f"Population at each origin T: every pair with at least {MIN_EVENTS} interactions at or before T (one-day "
        "bursts and long-silent pairs included). Positive: no interaction either way in (T, T + horizon]. Every figure "
        "is **held out**: the setting used on a dataset was chosen on the other datasets only (leave-one-dataset-out), "
        "and the model itself is fitted at each origin on the log before T. Mean ± standard deviation over the origins.",
        "",
        "#### Datasets and origins",
        "",
        *spec_lines,
        "",
        "#### Held-out results",
        "",
        *lines,
        "",
        *verdict(per),
        f"- Library default (the setting chosen with all datasets): `{_config_name(default)}`; "
        f"`FadeParams()` has features={library_name}, l2={library[1]:g}, pseudo-origins<={library[2]}.",
        "",
        "#### Reliability (held-out; predicted / observed silence by decile of fade_risk, origins pooled)",
        "",
        *reliability_lines(per),
        "",
        "#### Status words on held-out data (pairs and their observed silence share, origins pooled)",
        "",
        *status_lines(per),
        "",
        "#### Every setting of the grid (mean AUC of fade_risk over each dataset's origins; in-sample, for reference)",
        "",
        *grid_lines(scores, default),
    ]
    text = "\n".join(block)
    results = "# Back-test of fade_risk (issue #10): held-out results\n\n" + text + "\n"
    return results, text



HALF_LIVES = ["3d", "7d", "14d", "30d", "60d", "90d", "180d", "365d"]


def _load(data: Path, spec: Spec):
    import contextlib
    import io

    with contextlib.redirect_stderr(io.StringIO()):
        return load_events([str(data / f) for f in spec.files])


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _ms(frame: pl.DataFrame, task: str, target: str, metric: str, signal: str) -> tuple[float | None, float | None, int]:
    row = frame.filter(
        (pl.col("task") == task) & (pl.col("target") == target) & (pl.col("metric") == metric) & (pl.col("signal") == signal)
    )
    if row.height == 0:
        return None, None, 0
    r = row.row(0, named=True)
    return r["mean"], r["std"], r["origins"]


def _cell(frame: pl.DataFrame, task: str, target: str, metric: str, signal: str) -> str:
    mean, std, origins = _ms(frame, task, target, metric, signal)
    if mean is None:
        return "–"
    return f"{mean:.3f} ± {std:.3f}" if std is not None and origins > 1 else f"{mean:.3f}"


# -- 1. headline -------------------------------------------------------------------------------

COMPARISONS = (
    # task, target, metric, model signal, baselines
    ("value", "tie_volume", "spearman", "strength", ("count", "recency")),
    ("value", "tie_volume", "p@50", "strength", ("count", "recency")),
    ("value", "gives_back", "auc", "strength", ("count", "recency")),
    ("value", "gives_back", "p@50", "strength", ("count", "recency")),
    ("value", "attention", "spearman", "pagerank", ("count", "recency")),
    ("value", "attention", "p@50", "pagerank", ("count", "recency")),
    ("referral", "shares", "spearman", "referral_reach", ("count", "recency")),
    ("referral", "shares", "p@50", "referral_reach", ("count", "recency")),
)


def headline(summaries: dict[str, pl.DataFrame], specs: dict[str, Spec]) -> tuple[str, list[str]]:
    lines = [
        "| dataset | task / target | metric | model | score | baseline 1 | baseline 2 | beats both |",
        "|---|---|---|---|---|---|---|---|",
    ]
    misses: list[str] = []
    for name, summary in summaries.items():
        for task, target, metric, model, baselines in COMPARISONS:
            if task == "fading" and not specs[name].fading:
                continue
            mean, _, origins = _ms(summary, task, target, metric, model)
            if mean is None:
                continue
            base_cells, base_means = [], []
            for b in baselines:
                base_cells.append(f"{b} {_cell(summary, task, target, metric, b)}")
                bm, _, _ = _ms(summary, task, target, metric, b)
                if bm is not None:
                    base_means.append(bm)
            beats = all(mean > b for b in base_means)
            verdict = "yes" if beats else "**no**"
            if not beats and metric in ("auc", "spearman"):
                misses.append(f"{name}: {task}/{target} {metric} ({model} {mean:.3f} vs best baseline {max(base_means):.3f})")
            lines.append(
                f"| {name} | {task} / {target} | {metric} | {model} | {_cell(summary, task, target, metric, model)} "
                f"| {base_cells[0]} | {base_cells[1] if len(base_cells) > 1 else '–'} | {verdict} |"
            )
        if any(summary["task"] == "referral"):
            lines.append(
                f"| {name} | referral / shares | spearman | pagerank (proxy) | {_cell(summary, 'referral', 'shares', 'spearman', 'pagerank')} | | | |"
            )
    return "\n".join(lines), misses


# -- 3. half-life grid -------------------------------------------------------------------------


def half_life_grid(datasets: dict[str, tuple[Spec, object]]) -> str:
    names = list(datasets)
    rows = {}
    for hl in HALF_LIVES:
        cells = []
        for _name, (spec, ds) in datasets.items():
            s = summarize(backtest(ds, list(spec.origins), horizon=spec.horizon, half_life=hl, tasks=("value",)))
            vol, _, _ = _ms(s, "value", "tie_volume", "spearman", "strength")
            back, _, _ = _ms(s, "value", "gives_back", "auc", "strength")
            cells.append((vol, back))
        rows[hl] = cells
        _log(f"  half-life {hl}: " + ", ".join(f"{n} {_fmt(v)}/{_fmt(b)}" for n, (v, b) in zip(names, cells)))
    lines = [
        "| half-life | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for hl, cells in rows.items():
        mark = " (default)" if hl == f"{strength.DEFAULT_HALF_LIFE.days}d" else ""
        lines.append(f"| {hl}{mark} | " + " | ".join(f"{_fmt(v)} / {_fmt(b)}" for v, b in cells) + " |")
    best = []
    for i, _name in enumerate(names):
        vol_best = max(HALF_LIVES, key=lambda h: rows[h][i][0] if rows[h][i][0] is not None else -9)
        back_best = max(HALF_LIVES, key=lambda h: rows[h][i][1] if rows[h][i][1] is not None else -9)
        best.append(f"{vol_best} / {back_best}")
    lines.append("| best | " + " | ".join(best) + " |")
    return "\n".join(lines)


# -- 4. nurture -------------------------------------------------------------------------------

NURTURE_TARGETS = ("valuable_lost", "mutual_lost", "worth_lost")
NURTURE_BASELINES = ("recency", "volume", "volume_x_recency")
NURTURE_METRICS = ("auc", "p@10", "p@20", "p@50", "vp@10", "vp@20", "vp@50")


def nurture_table(summaries: dict[str, pl.DataFrame]) -> tuple[str, dict[str, int]]:
    """priority vs the three baselines per dataset, mode and target; and the win counts."""
    lines = [
        "| dataset | target | candidates | positives | metric | priority | recency | volume | volume_x_recency | beats all |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    wins: dict[str, int] = {}
    for name, summary in summaries.items():
        for mode in ("community", "ego"):
            for target in NURTURE_TARGETS:
                full = f"{mode}_{target}"
                rows = summary.filter((pl.col("task") == "nurture") & (pl.col("target") == full))
                if rows.height == 0:
                    continue
                first = rows.filter(pl.col("signal") == "priority").row(0, named=True)
                for metric in NURTURE_METRICS:
                    mean, _, _ = _ms(summary, "nurture", full, metric, "priority")
                    if mean is None:
                        continue
                    base = [_ms(summary, "nurture", full, metric, b)[0] for b in NURTURE_BASELINES]
                    beats = all(b is None or mean > b for b in base)
                    key = f"{metric} {target}"
                    wins[key + " /"] = wins.get(key + " /", 0) + 1
                    wins[key] = wins.get(key, 0) + int(beats)
                    lines.append(
                        f"| {name} | {full} | {first['n']:.0f} | {first['positives']:.1f} | {metric} "
                        f"| {_cell(summary, 'nurture', full, metric, 'priority')} "
                        + " ".join(f"| {_cell(summary, 'nurture', full, metric, b)}" for b in NURTURE_BASELINES)
                        + f" | {'yes' if beats else '**no**'} |"
                    )
    return "\n".join(lines), wins


FLOORS = (0.0, 0.2, 0.4, 0.6, 0.8)
FLOOR_TARGETS = ("worth_lost", "valuable_lost", "mutual_lost")


def floor_part(data: Path) -> str:
    """The urgency floor of the nurture priority, leave-one-dataset-out: one nurture list per
    dataset, origin and list (community and the top-degree egos) at the current weights; the
    priority recombined as worth * (floor + (1 - floor) * fade_risk) for every floor; the floor
    chosen on the other datasets by the mean AUC over the three targets (each dataset and list
    weighs the same) and scored on the held-out one."""
    import numpy as np

    from ror_graph.backtest import NURTURE_EGOS, _pct, _top_quartile, nurture_candidates, top_degree_egos
    from ror_graph.referral import referral_reach

    datasets = {spec.name: (spec, _load(data, spec)) for spec in DATASETS}
    # auc[name][floor][target] -> list over (origin, list)
    auc: dict[str, dict[float, dict[str, list]]] = {}
    base: dict[str, dict[str, dict[str, list]]] = {}
    for name, (spec, ds) in datasets.items():
        span = parse_duration(spec.horizon)
        auc[name] = {f: {t: [] for t in FLOOR_TARGETS} for f in FLOORS}
        base[name] = {b: {t: [] for t in FLOOR_TARGETS} for b in ("recency", "volume_x_recency")}
        started = time.time()
        for origin in spec.origins:
            t0 = parse_as_of(origin, reference=ds.last_ts)
            net = Network.from_dataset(ds, as_of=t0)
            future = ds.events.filter((pl.col("ts") > t0) & (pl.col("ts") <= t0 + span))
            reach = referral_reach(net, epsilon=0.3, min_reach=max(50.0, net.n / 50), seed=0)
            for ego in [None] + top_degree_egos(net, NURTURE_EGOS):
                c = nurture_candidates(net, future, ego, span, 3 * span, reach=reach)
                worth, risk = c["worth"].to_numpy(), c["fade_risk"].to_numpy()
                silent = c["silent"].to_numpy()
                silence, volume = c["silence_days"].to_numpy().astype(float), c["volume"].to_numpy().astype(float)
                keep = _top_quartile(worth)
                cases = {
                    "worth_lost": (keep, silent[keep]),
                    "valuable_lost": (np.ones(worth.size, bool), c["valuable"].to_numpy() & silent),
                    "mutual_lost": (np.ones(worth.size, bool), c["mutual"].to_numpy() & silent),
                }
                for target, (rows, y) in cases.items():
                    for f in FLOORS:
                        auc[name][f][target].append(roc_auc((worth * (f + (1 - f) * risk))[rows], y))
                    base[name]["recency"][target].append(roc_auc(silence[rows], y))
                    base[name]["volume_x_recency"][target].append(roc_auc((_pct(volume) * _pct(silence))[rows], y))
        _log(f"  floor: {name} ({time.time() - started:.0f}s)")

    def mean(values: list) -> float:
        v = [x for x in values if x is not None]
        return float(np.mean(v)) if v else float("nan")

    score = {n: {f: float(np.nanmean([mean(auc[n][f][t]) for t in FLOOR_TARGETS])) for f in FLOORS} for n in auc}
    lines = [
        "| held-out dataset | floor chosen on the others | " + " | ".join(f"{t} AUC (recency / vol x rec)" for t in FLOOR_TARGETS)
        + " | same at the default floor 0.6 |",
        "|---|---|" + "---|" * len(FLOOR_TARGETS) + "---|",
    ]
    chosen = []
    for n in auc:
        others = [o for o in auc if o != n]
        f = max(FLOORS, key=lambda fl: (float(np.nanmean([score[o][fl] for o in others])), fl))
        chosen.append(f)
        cells = [f"{mean(auc[n][f][t]):.3f} ({mean(base[n]['recency'][t]):.3f} / {mean(base[n]['volume_x_recency'][t]):.3f})"
                 for t in FLOOR_TARGETS]
        default = " / ".join(f"{mean(auc[n][0.6][t]):.3f}" for t in FLOOR_TARGETS)
        lines.append(f"| {n} | {f} | " + " | ".join(cells) + f" | {default} |")
    overall = max(FLOORS, key=lambda fl: (float(np.nanmean([score[o][fl] for o in auc])), fl))
    info = _machine()
    return "\n".join([
        f"Generated by `python benchmarks/backtest_real_data.py --only floor` at commit {info['commit']}, {info['date']}, "
        f"load average {info['load']}.",
        "",
        "The urgency floor of `priority = worth * (floor + (1 - floor) * fade_risk)`, chosen by leave-one-dataset-out "
        f"over {', '.join(map(str, FLOORS))} (mean AUC over the three targets; weights value/bond/reciprocity fixed "
        "at their defaults). Cells: held-out AUC of `priority` at the chosen floor, with recency and volume x recency "
        "in brackets; last column: the three AUCs at the default floor 0.6. Means over origins and lists (community and "
        f"the {NURTURE_EGOS} top-degree egos).",
        "",
        *lines,
        "",
        f"Floor chosen with all datasets: {overall} (the library default is {NurtureWeights().floor}).",
    ])


def other_part(data: Path, csv: str, no_grid: bool) -> str:
    """The value, referral and nurture tasks (in-sample; their defaults are not part of #10's
    held-out protocol) and their grids."""
    started = time.time()
    datasets = {spec.name: (spec, _load(data, spec)) for spec in DATASETS}
    specs = {n: s for n, (s, _) in datasets.items()}
    summaries: dict[str, pl.DataFrame] = {}
    raw_rows = []
    for name, (spec, ds) in datasets.items():
        t = time.time()
        results = backtest(ds, list(spec.origins), horizon=spec.horizon, tasks=("value", "referral", "nurture"))
        raw_rows.append(results.with_columns(pl.lit(name).alias("dataset")))
        summaries[name] = summarize(results)
        _log(f"  {name}: {results.height} rows ({time.time() - t:.1f}s)")
    table, misses = headline(summaries, specs)
    Path(csv).mkdir(parents=True, exist_ok=True)
    pl.concat(raw_rows).write_csv(Path(csv) / "backtest_per_origin.csv")
    info = _machine()
    parts = [
        f"Generated by `python benchmarks/backtest_real_data.py --only other` at commit {info['commit']}, {info['date']}, "
        f"load average {info['load']}. Half-life {strength.DEFAULT_HALF_LIFE.days}d. These tasks are in-sample: "
        "their datasets and origins were also used to choose their defaults.",
        "",
        "### Datasets and origins",
        "",
        "| dataset | file(s) | origins (T) | horizon | note |",
        "|---|---|---|---|---|",
    ]
    for spec in DATASETS:
        shown = [f"day {(datetime.fromisoformat(o) - EPOCH).days}" if spec.relative else o[:10] for o in spec.origins]
        parts.append(f"| {spec.name} | {', '.join(spec.files)} | {', '.join(shown)} | {spec.horizon} | {spec.note} |")
    parts += ["", "### Results (mean ± standard deviation over the origins)", "", table, "",
              "Model below a baseline on a rank metric (AUC / Spearman): " + ("; ".join(misses) if misses else "none") + ".", ""]
    ntable, nwins = nurture_table(summaries)
    w = NurtureWeights()
    parts += [
        "### Nurture priority (mean ± standard deviation over the origins, and over the egos)",
        "",
        f"Defaults under test: `NurtureWeights(value={w.value}, bond={w.bond}, reciprocity={w.reciprocity}, "
        f"floor={w.floor})`, urgency from `fade_risk`. `community_*`: every person active at T ranked by the "
        f"community list; `ego_*`: the lists of the {NURTURE_EGOS} people with the most contacts at T.",
        "",
        ntable,
        "",
        "Priority above all baselines: "
        + "; ".join(f"{k} on {v} of {nwins[k + ' /']}" for k, v in nwins.items() if not k.endswith(" /")) + ".",
        "",
    ]
    if not no_grid:
        _log("half-life grid (value task)")
        parts += ["### Calibration of the strength half-life (value task)", "",
                  "Cells: Spearman of `strength` with the tie's future volume / AUC of `strength` for \"the other side "
                  "gives back\".", "", half_life_grid(datasets), ""]
    parts.append(f"Generated in {time.time() - started:.0f}s.")
    return "\n".join(parts)


# -- main --------------------------------------------------------------------------------------


def _replace_block(doc: Path, key: str, generated: str) -> None:
    begin = f"<!-- BEGIN GENERATED {key} by benchmarks/backtest_real_data.py -->"
    end = f"<!-- END GENERATED {key} -->"
    block = f"{begin}\n\n{generated}\n\n{end}"
    text = doc.read_text() if doc.exists() else "# Back-test results\n\n"
    if begin in text:
        text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("ROR_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
    parser.add_argument("--doc", default=str(ROOT / "docs" / "backtest.md"))
    parser.add_argument("--csv", default=str(ROOT / "benchmarks" / "results"))
    parser.add_argument("--only", choices=["fading", "other", "floor"], help="Run one part only.")
    parser.add_argument("--no-grid", action="store_true", help="Other tasks: skip the half-life and nurture grids.")
    parser.add_argument("--write-prior", action="store_true", help="Refit ror_graph/fade_prior.json on all the datasets.")
    args = parser.parse_args()
    data = Path(args.data)
    doc = Path(args.doc)
    if args.only in (None, "fading"):
        _log("fading: leave-one-dataset-out")
        results, block = fading_part(data, args.write_prior)
        out = ROOT / "benchmarks" / "results" / "backtest_fading.md"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(results)
        _replace_block(doc, "fading", block)
        _log(f"wrote {out} and {doc}")
    if args.only in (None, "other"):
        _replace_block(doc, "other", other_part(data, args.csv, args.no_grid))
        _log(f"wrote {doc}")
    if args.only in (None, "floor"):
        _replace_block(doc, "floor", floor_part(data))
        _log(f"wrote {doc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
