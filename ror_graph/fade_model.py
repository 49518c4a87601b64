"""Will this tie stay silent? A logistic model fitted at run time on the user's own log.

``fade_risk`` is P(no interaction either way on the tie in (T, T + h]), h the horizon
(``FadeParams.horizon_days``, 30 days by default). The model is learned from the log itself:

* **Training examples at pseudo-origins.** T_k = T - k * step for k = 1 .. K. For every pair
  with an event at or before T_k, the features are computed from the events at or before T_k
  and the label is 1 when the pair has no event in (T_k, T_k + step]. Every label ends by
  T_{k-1} <= T, so nothing after ``as_of`` is read: the fit uses only what a user knows at T.
  ``step`` = h when the log before T spans at least 2h; when it spans between h and 2h, the
  model learns "silent for h/2" (step = h/2) in the recent past, and its probability is over
  h/2 (``FadeModel.horizon_days`` says which). K = min(``max_origins``, span / step - 1), so
  every pseudo-origin has at least one step of history before it.
* **Fallback prior.** When the log is shorter than h, or the examples hold fewer than
  ``MIN_CLASS`` silent or non-silent rows, the coefficients of ``fade_prior.json`` are used: a
  fit of the same model on the shared real datasets, shipped with its provenance (datasets,
  command, date, commit). Features are in units of the horizon, so the prior applies to any h.
* **Standardised, L2-regularised logistic regression**: features centred and scaled by the
  training rows' mean and standard deviation; minimise mean log-loss + ``l2`` / 2 * |w|^2
  (intercept not penalised; scikit-learn's ``LogisticRegression(C=1 / (n * l2))``).
* **A hole in the log.** When no event at all happens for at least one horizon inside the
  window the model learns from (``K * step`` before T), every pair is silent there and the
  model reads most ties as going quiet; :func:`learning_gap` finds such a stretch (one where
  the log's own pace would have put at least 20 events) and the fit
  raises a :class:`~ror_graph.errors.DataWarning` that names it (a recording that stopped for
  months looks the same as a community that did; the user knows which).
* **Deterministic subsample.** When the pseudo-origins hold more than ``max_rows`` rows, a
  row (a, b, k) is kept when ``subsample_hash(a, b, k) % 1_000_000 < rate * 1_000_000``: a hash
  made of int64 multiplications, additions and modulo only (every intermediate < 2^62), so
  Spark SQL reproduces the same sample from the same vertex indices (``Network.nodes.idx``:
  the rank of ``node_id`` in sorted order, from 0).

Why this model: the label is "silent for a fixed horizon", so pairs that talk rarely are the
ones at risk; the number of distinct active days is the strongest single input, then the
silence, a recency-decayed count, and whether each person is still active with anyone at all
(issue #10's prototype; Raeder, Lizardo, Hachen and Chawla, "Predictors of short-term decay of
cell phone contacts in a large scale communication network", Social Networks 33, 2011, found
weight, reciprocity, age and the endpoints' activity predict which ties persist). The idea of
a relationship that may have *stopped*, judged from its frequency and recency, is the
customer-base model of Schmittlein, Morrison and Colombo (Pareto/NBD, Management Science 1987)
and Fader, Hardie and Lee ("Counting your customers the easy way: an alternative to the
Pareto/NBD model", Marketing Science 24, 2005, BG/NBD); a regression on recency and frequency
fitted on the user's own history replaces their parametric stopping process, which ranked ties
worse than plain recency here (docs/backtest.md). A gradient-boosted model did no better in
the issue's prototype (it overfits small logs), so the model stays linear and small.

Features (each a column of :func:`tie_features`; T' the origin, h the model's horizon in days,
"day" = ``Network.resolution``, an event counts when ts <= T'; ``ln`` natural log):

``log_active_days``
    ln(1 + number of distinct days floor(epoch_us / resolution_us) with an event of the pair that
    have ended by T' (a day that straddles a pseudo-origin counts after it, so no event after T'
    is seen; at T = as_of the day holding T counts).
``log_silence``
    ln(1 + (T' - last event of the pair) / h).
``log_decayed``
    ln(1 + sum over the pair's events of 2 ** (-(T' - ts) / h)): events decayed with half-life h.
    Summed exactly in fixed point: each event adds round(2 ** (40 - (T - ts) / h)) as an int64
    (T = as_of), the sum is multiplied by 2 ** (k - 40) for the pseudo-origin T' = T - k h.
    (Another implementation of pow can move a rounding by one unit, 2^-40, per event.)
``log_end_silence_max``, ``log_end_silence_min``
    ln(1 + s / h) for the larger and the smaller of the two endpoints' own silences, s = T' minus
    the person's last event with anyone (either direction).
``log_age``
    ln(1 + (T' - first event of the pair) / h).
``log_mean_gap``
    ln(1 + ((last - first) / max(active days - 1, 1)) / h): the pair's mean gap between active days.
``balance``
    |n_ab - n_ba| / n: 0 when both sides gave as much, 1 when one side only.
``log_events``
    ln(number of events of the pair).
``silence_units``
    min((T' - last event of the pair) / h, 12): the silence in horizons, capped at 12.
``log_missed``
    ln(1 + silence * active days / age), silence = T' - last, age = T' - first event (0 when
    age = 0): the active days the pair's own lifetime rate says it has missed since it went
    quiet; a long, regular relationship that stops scores high, a one-day burst does not.

All times in microseconds since the epoch, durations divided by 86,400e6 for days. The Spark
backend recomputes them with group-bys on (a, b) and on each person, applies
``(x - mean) / scale``, the coefficients and the intercept, and takes the logistic.

Choice of the fitting library, by measurement (``python -m ror_graph.fade_model``: 200,000
rows x 5 features, 2 cores shared with other jobs, load average ~8): Newton's method in numpy
1.08 s; scipy's L-BFGS on the analytic gradient 1.28 s plus 0.84 s to import scipy.optimize;
scikit-learn ``LogisticRegression`` (lbfgs) 1.44 s plus 1.44 s to import it. Newton agrees with
scikit-learn to 4e-9, L-BFGS to 2e-5. Kept: Newton in numpy (no import cost, no new dependency,
exact); scikit-learn is the reference in the tests. The features come from one numba pass
(:mod:`ror_graph._fadescan`) over the events the Network already keeps in (pair, time) order, so
the whole fade model is a small share of ``ror nurture`` (per step:
benchmarks/results/engine_10m_dense.md).

Example
-------
>>> import polars as pl
>>> from ror_graph.model import validate_events
>>> from ror_graph.network import Network
>>> day = 86400
>>> rows = [("a", "b", d) for d in range(0, 200, 2)] + [("c", "d", d) for d in range(0, 100, 2)]
>>> rows += [(f"p{i}", f"q{i}", d) for i in range(40) for d in range(i, 200 - 3 * i, 5)]
>>> raw = pl.DataFrame({"src": [r[0] for r in rows], "dst": [r[1] for r in rows],
...                     "kind": ["message"] * len(rows), "ts": [r[2] * day for r in rows]})
>>> net = Network.from_dataset(validate_events(raw, source="doc"))
>>> model, ties = fade_probabilities(net, horizon_days=30)
>>> p = dict(zip(net.names(ties, "a", "a_id")["a_id"], ties["p_silent"]))
>>> model.source, model.horizon_days
('fitted', 30.0)
>>> bool(p["c"] > 0.5 > p["a"])    # c-d stopped 100 days ago, a-b talks every other day
True
"""

from __future__ import annotations

import json
import math
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np
import polars as pl

from ror_graph.errors import DataWarning
from ror_graph.timeutil import US_PER_DAY

if TYPE_CHECKING:
    from ror_graph.network import Network

__all__ = [
    "FEATURES",
    "CORE_FEATURES",
    "DEFAULT_FEATURES",
    "FadeModel",
    "fit_fade_model",
    "fade_probabilities",
    "fit_logistic",
    "tie_features",
    "training_rows",
    "subsample_hash",
    "load_prior",
    "reliability",
    "learning_gap",
    "learning_gap_note",
    "learning_gap_unit_us",
    "learning_window_start",
    "warn_of_learning_gap",
]

#: Every feature :func:`tie_features` can compute (definitions in the module docstring).
FEATURES = (
    "log_active_days", "log_silence", "log_decayed", "log_end_silence_max", "log_end_silence_min",
    "log_age", "log_mean_gap", "balance", "log_events", "silence_units", "log_missed",
)
#: The inputs that worked in issue #10's prototype.
CORE_FEATURES = ("log_active_days", "log_silence", "log_decayed", "log_end_silence_max", "log_end_silence_min")
#: The features of the default model (chosen by leave-one-dataset-out over the shared datasets:
#: benchmarks/results/backtest_fading.md): the core, the pair's age and mean gap, and balance.
DEFAULT_FEATURES = CORE_FEATURES + ("log_age", "log_mean_gap", "balance")
#: Fewer silent (or non-silent) training rows than this: use the prior.
MIN_CLASS = 20
#: Ties scored at a time when only ``p_silent`` is kept: the figures of 500k ties take ~45 MB.
_SCORE_CHUNK = 500_000
_PRIME = 2_147_483_647  # 2^31 - 1
_PAIR = 2**31  # pair key = a * 2^31 + b (vertex indices < 2^31)
PRIOR_FILE = "fade_prior.json"


@dataclass(frozen=True)
class FadeModel:
    """A fitted fade model: P(silent over ``horizon_days``) = logistic(intercept + sum of
    coefficients * (feature - mean) / scale).

    ``source`` is ``"fitted"`` (on this log at run time) or ``"prior"`` (``fade_prior.json``);
    ``provenance`` says what it was fitted on (origins, rows, the step, or the prior's datasets).
    """

    feature_names: tuple[str, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    coefficients: tuple[float, ...]
    intercept: float
    horizon_days: float
    source: str = "fitted"
    provenance: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def linear_expr(self) -> pl.Expr:
        """The log-odds of silence as a polars expression over the feature columns."""
        z = pl.lit(self.intercept)
        for name, mean, scale, coef in zip(self.feature_names, self.means, self.scales, self.coefficients):
            z = z + coef * (pl.col(name) - mean) / scale
        return z

    def predict_expr(self) -> pl.Expr:
        """P(silent over ``horizon_days``) as a polars expression over the feature columns."""
        return 1 / (1 + (-self.linear_expr()).exp())

    def predict(self, features: pl.DataFrame) -> pl.Series:
        """P(silent over ``horizon_days``) for each row of a :func:`tie_features` frame."""
        return features.select(self.predict_expr().alias("p_silent")).to_series()

    def with_horizon(self, horizon_days: float) -> FadeModel:
        """The same coefficients for another horizon (features are in units of the horizon)."""
        return FadeModel(self.feature_names, self.means, self.scales, self.coefficients, self.intercept,
                         float(horizon_days), self.source, self.provenance)

    def to_json(self) -> dict[str, Any]:
        return {
            "feature_names": list(self.feature_names), "means": list(self.means), "scales": list(self.scales),
            "coefficients": list(self.coefficients), "intercept": self.intercept, "provenance": self.provenance,
        }


def load_prior(horizon_days: float, features: tuple[str, ...] | None = None) -> FadeModel:
    """The shipped prior (``ror_graph/fade_prior.json``) for ``horizon_days``. With ``features``,
    the prior must have been fitted on exactly those (else ``ValueError``)."""
    data = json.loads(resources.files("ror_graph").joinpath(PRIOR_FILE).read_text())
    names = tuple(data["feature_names"])
    if features is not None and tuple(features) != names:
        raise ValueError(f"the shipped prior uses {names}, not {tuple(features)}; regenerate it "
                         "(python benchmarks/backtest_real_data.py --write-prior)")
    return FadeModel(names, tuple(data["means"]), tuple(data["scales"]), tuple(data["coefficients"]),
                     float(data["intercept"]), float(horizon_days), "prior", data.get("provenance", {}))


# -- the hash of the subsample ------------------------------------------------------------------


def subsample_hash(a: pl.Expr, b: pl.Expr, k: pl.Expr | int) -> pl.Expr:
    """A deterministic integer in [0, 2^31 - 1) for the row (a, b, k), int64 arithmetic only::

        h1 = (a * 1000003 + b) % P              P = 2147483647
        h2 = (h1 * 48271 + k * 69621 + 12345) % P
        h  = (h2 * 48271) % P

    a, b are vertex indices (< 2^31), k the pseudo-origin number; every intermediate value stays
    below 2^62, so Spark SQL (``pmod`` or ``%`` on BIGINT) gives the same numbers.
    """
    k_expr = k if isinstance(k, pl.Expr) else pl.lit(k, dtype=pl.Int64)
    h1 = (a.cast(pl.Int64) * 1_000_003 + b.cast(pl.Int64)) % _PRIME
    h2 = (h1 * 48_271 + k_expr.cast(pl.Int64) * 69_621 + 12_345) % _PRIME
    return (h2 * 48_271) % _PRIME


# -- features -----------------------------------------------------------------------------------


def _figures_at(net: Network, k: int, step_us: int, ties: np.ndarray | None = None,
                seen: np.ndarray | None = None) -> pl.DataFrame:
    """The raw figures of each tie (all, or the tie rows ``ties``) at T_k = as_of - k * step:
    ``a, b, n, n_ab, first, last, dec, days, seen_a, seen_b, talked``
    (:func:`ror_graph._fadescan.pair_figures`, one pass over the events in pair order).
    ``seen``: :func:`_last_seen_at` T_k, when the caller already has it."""
    from ror_graph._fadescan import pair_figures

    as_of_us = int(net.as_of.timestamp() * 1e6)
    res_us = int(net.resolution.total_seconds() * 1e6)
    order = net._by_pair
    period_off, periods = net.cached("tie_period_offsets", lambda: _period_offsets(net))
    rows = np.arange(order.a.size, dtype=np.int64) if ties is None else ties
    n, n_ab, first, last, dec, days, talked = pair_figures(
        rows, order.starts, order.fwd, order.ts, period_off, periods, as_of_us, step_us, res_us, k)
    if seen is None:
        seen = _last_seen_at(net, as_of_us - k * step_us)
    a, b = order.a[rows], order.b[rows]
    return pl.DataFrame({
        "a": a.astype(np.int64), "b": b.astype(np.int64), "n": n, "n_ab": n_ab, "first": first, "last": last,
        "dec": dec, "days": days, "seen_a": seen[a], "seen_b": seen[b], "talked": talked,
    })


def _last_seen_at(net: Network, t_us: int) -> np.ndarray:
    """Each person's last event with anyone at or before ``t_us`` (epoch microseconds; -1: none)."""
    from ror_graph._fadescan import last_seen

    events = net.events
    return last_seen(events["s"].to_numpy(), events["d"].to_numpy(), events["ts"].dt.epoch("us").to_numpy(), t_us, net.n)


FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)


def _period_offsets(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """Where each tie's active periods start in ``net.tie_periods`` (plus the end), and the
    periods themselves."""
    from ror_graph._pairscan import row_dtype

    offsets: np.ndarray = np.zeros(net.ties.height + 1, row_dtype(net.tie_periods.size))
    np.cumsum(net.ties["active_periods"].to_numpy(), out=offsets[1:])
    return offsets, net.tie_periods


def _features_from(fig: FrameT, k: int, step_us: int, as_of_us: int, names: tuple[str, ...] = FEATURES) -> FrameT:
    """``a, b`` and the features ``names`` (the module docstring's definitions) from the
    figures at T_k."""
    t_k = as_of_us - k * step_us
    unit = float(step_us)

    def log_units(expr: pl.Expr) -> pl.Expr:
        return (1 + expr.cast(pl.Float64) / unit).log()

    end_max = pl.max_horizontal(t_k - pl.col("seen_a"), t_k - pl.col("seen_b"))
    end_min = pl.min_horizontal(t_k - pl.col("seen_a"), t_k - pl.col("seen_b"))
    features = [
        pl.col("days").cast(pl.Float64).log1p().alias("log_active_days"),
        log_units(t_k - pl.col("last")).alias("log_silence"),
        (1 + pl.col("dec").cast(pl.Float64) * 2.0 ** (k - 40)).log().alias("log_decayed"),
        log_units(end_max).alias("log_end_silence_max"),
        log_units(end_min).alias("log_end_silence_min"),
        log_units(t_k - pl.col("first")).alias("log_age"),
        log_units((pl.col("last") - pl.col("first")) / (pl.col("days") - 1).clip(lower_bound=1)).alias("log_mean_gap"),
        ((pl.col("n_ab") * 2 - pl.col("n")).abs() / pl.col("n")).alias("balance"),
        pl.col("n").cast(pl.Float64).log().alias("log_events"),
        ((t_k - pl.col("last")).cast(pl.Float64) / unit).clip(upper_bound=12.0).alias("silence_units"),
        pl.when(pl.col("first") < t_k).then(
            (1 + (t_k - pl.col("last")).cast(pl.Float64) * pl.col("days") / (t_k - pl.col("first")).cast(pl.Float64)).log()
        ).otherwise(0.0).alias("log_missed"),
    ]
    by_name = {expr.meta.output_name(): expr for expr in features}
    return fig.select("a", "b", *(by_name[name] for name in names))


def tie_features(net: Network, horizon_days: float) -> pl.DataFrame:
    """Every feature of every tie at ``net.as_of``, time in units of ``horizon_days``
    (``a, b`` and the columns of :data:`FEATURES`, sorted by a, b)."""
    step_us = max(1, int(round(horizon_days * US_PER_DAY)))
    as_of_us = int(net.as_of.timestamp() * 1e6)
    return _features_from(_figures_at(net, 0, step_us), 0, step_us, as_of_us)


def _step_days(net: Network, horizon_days: float) -> float:
    """h when the log before as_of spans at least 2h, else h/2."""
    span_days = (net.as_of - cast(datetime, net.events["ts"].min())).total_seconds() / 86400
    return horizon_days if span_days >= 2 * horizon_days else horizon_days / 2


def training_rows(
    net: Network, horizon_days: float, *, max_origins: int = 6, max_rows: int = 100_000,
) -> tuple[pl.DataFrame, float, dict[str, Any]]:
    """The examples at pseudo-origins before ``net.as_of`` (see the module docstring).

    Returns ``(rows, step_days, info)``: rows ``a, b, <FEATURES>, silent, k`` (empty when the
    log is shorter than one horizon), the step (h or h/2), and counts for the provenance.
    """
    as_of_us = int(net.as_of.timestamp() * 1e6)
    first_us = int(net.events["ts"].min().timestamp() * 1e6)  # type: ignore[union-attr]
    step_days = _step_days(net, horizon_days)
    step_us = max(1, int(round(step_days * US_PER_DAY)))
    n_origins = min(max_origins, int((as_of_us - first_us) // step_us) - 1)
    info: dict[str, Any] = {"step_days": step_days, "origins": max(n_origins, 0),
                            "log_span_days": round((as_of_us - first_us) / US_PER_DAY, 2)}
    if n_origins < 1:
        return pl.DataFrame(), step_days, info
    order = net._by_pair
    tie_first = order.ts[order.starts[:-1]]
    origins = range(1, n_origins + 1)
    available = sum(int(np.count_nonzero(tie_first <= as_of_us - k * step_us)) for k in origins)
    rate = min(1.0, max_rows / max(available, 1))
    cut = int(round(rate * 1_000_000))
    ties = pl.DataFrame({"a": order.a, "b": order.b, "first": tie_first})  # the arrays themselves, not copies
    frames = []
    for k in origins:
        # The ties that had begun by T_k, and of those the hash's share `rate`, in tie order.
        keep = pl.col("first") <= as_of_us - k * step_us
        if rate < 1:
            keep = keep & ((subsample_hash(pl.col("a"), pl.col("b"), k) % 1_000_000) < cut)
        rows = ties.select(pl.arg_where(keep)).to_series().to_numpy().astype(np.int64)
        fig = _figures_at(net, k, step_us, rows)
        feats = _features_from(fig, k, step_us, as_of_us).with_columns(
            (~fig["talked"]).alias("silent"), pl.lit(k, dtype=pl.Int64).alias("k"))
        frames.append(feats)
    rows_frame = pl.concat(frames)  # by k, then a, b (ties are in a, b order): the fit is the same bit for bit
    info.update(available_rows=available, rows=rows_frame.height, sample_rate=round(rate, 6),
                silent_share=round(float(cast(float, rows_frame["silent"].mean())), 4) if rows_frame.height else None)
    return rows_frame, step_days, info


#: A quiet stretch is a hole only where the log's own pace would have put at least this many
#: events in it: a Poisson count of mean 20 is 0 with probability 2e-9, so the hole is no
#: accident; and a log of a few ties, whose quiet is what the model is there to judge, or a
#: small sparse log with its ordinary lulls, is not called holed.
HOLE_MIN_EXPECTED = 20.0


def learning_gap(times_us: np.ndarray, *, as_of_us: int, start_us: int, horizon_days: float,
                 events_per_day: float) -> tuple[int, int] | None:
    """The longest stretch without any event that reaches into the window the model learns
    from, (``start_us``, ``as_of_us``], as (the time before it, the time after it or as_of),
    when it lasts at least one horizon and the log's pace (``events_per_day`` up to as_of)
    would have put at least :data:`HOLE_MIN_EXPECTED` events in it; else None.
    ``times_us``: the sorted event times from the last one at or before ``start_us`` on. Times
    count to a hundredth of the horizon (rounded down), so the Spark backend collects only that
    many distinct times.

    >>> day = 86_400_000_000
    >>> times = np.array([0, 5, 50, 60, 99]) * day
    >>> [t // day for t in learning_gap(times, as_of_us=100 * day, start_us=40 * day, horizon_days=25, events_per_day=5)]
    [5, 50]
    >>> learning_gap(times, as_of_us=100 * day, start_us=40 * day, horizon_days=25, events_per_day=0.1) is None
    True
    """
    unit = learning_gap_unit_us(horizon_days)
    times = np.unique(np.asarray(times_us, dtype=np.int64) // unit * unit)
    points = np.append(times[times <= as_of_us], as_of_us)
    gaps = np.where(points[1:] > start_us, np.diff(points), 0)
    i = int(np.argmax(gaps)) if gaps.size else 0
    if gaps.size == 0 or gaps[i] < horizon_days * US_PER_DAY or gaps[i] / US_PER_DAY * events_per_day < HOLE_MIN_EXPECTED:
        return None
    return int(points[i]), int(points[i + 1])


def learning_gap_unit_us(horizon_days: float) -> int:
    """The resolution of :func:`learning_gap`'s times: a hundredth of the horizon, in µs."""
    return max(1, int(horizon_days * US_PER_DAY / 100))


def learning_gap_note(gap: tuple[int, int], *, as_of_us: int, start_us: int) -> str:
    """The one-line note about a :func:`learning_gap`, in the library's terms (``as_of=``)."""
    def day(us: int) -> str:
        return datetime.fromtimestamp(us / 1e6, tz=timezone.utc).date().isoformat()

    a, b = gap
    until = f"the end ({day(b)})" if b == as_of_us else day(b)
    return (f"no events at all from {day(a)} to {until} ({(b - a) / US_PER_DAY:.0f} days), and the fade model "
            f"learns from the {(as_of_us - start_us) / US_PER_DAY:.0f} days before as_of, so it reads most ties as "
            f"going quiet; if the log has a hole there rather than a real lull, pass as_of={day(a + US_PER_DAY)} "
            f"(the day after the last event before it)")


def learning_window_start(as_of_us: int, info: dict[str, Any]) -> int | None:
    """Where the window the model learns from begins (``K * step`` before as_of), from the
    ``info`` of the training rows; None when there are no pseudo-origins."""
    if not info.get("origins"):
        return None
    return as_of_us - info["origins"] * max(1, int(round(info["step_days"] * US_PER_DAY)))


def warn_of_learning_gap(times_us: np.ndarray, *, as_of_us: int, start_us: int, horizon_days: float,
                         first_us: int, n_events: int) -> None:
    """Raise the :class:`~ror_graph.errors.DataWarning` of :func:`learning_gap_note` when there
    is a :func:`learning_gap`, the pace being ``n_events`` (up to as_of) over the days since
    ``first_us``. Both backends call this with the times they gathered."""
    per_day = n_events / max((as_of_us - first_us) / US_PER_DAY, 1.0)
    gap = learning_gap(times_us, as_of_us=as_of_us, start_us=start_us, horizon_days=horizon_days,
                       events_per_day=per_day)
    if gap is not None:
        warnings.warn(learning_gap_note(gap, as_of_us=as_of_us, start_us=start_us), DataWarning, stacklevel=3)


def _warn_of_learning_gap(net: Network, info: dict[str, Any], horizon_days: float) -> None:
    """:func:`warn_of_learning_gap` on the event times from the learning window's start."""
    as_of_us = int(net.as_of.timestamp() * 1e6)
    start_us = learning_window_start(as_of_us, info)
    if start_us is None:
        return
    ts = net.events["ts"].dt.epoch("us").to_numpy()  # in time order
    times = ts[max(int(np.searchsorted(ts, start_us, side="right")) - 1, 0):]
    warn_of_learning_gap(times, as_of_us=as_of_us, start_us=start_us, horizon_days=horizon_days,
                         first_us=int(ts[0]), n_events=ts.size)


# -- the fit ------------------------------------------------------------------------------------


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -z))


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float, *, max_iter: int = 50) -> tuple[np.ndarray, float]:
    """Minimise mean log-loss + ``l2`` / 2 * |w|^2 over (w, intercept) by Newton's method (the
    objective is strictly convex; m + 1 unknowns, so each step solves an (m + 1) x (m + 1)
    system); ``x`` already standardised. Equals scikit-learn's
    ``LogisticRegression(C=1 / (len(y) * l2))`` (tested)."""
    n, m = x.shape
    design = np.hstack([x, np.ones((n, 1))])
    yf = y.astype(np.float64)
    penalty = np.full(m + 1, l2)
    penalty[m] = 0.0  # the intercept is not penalised

    def objective(theta: np.ndarray) -> float:
        z = design @ theta
        return float(np.mean(np.logaddexp(0.0, z) - yf * z) + 0.5 * l2 * theta[:m] @ theta[:m])

    theta = np.zeros(m + 1)
    base = min(max(yf.mean(), 1e-6), 1 - 1e-6)
    theta[m] = math.log(base / (1 - base))
    current = objective(theta)
    for _ in range(max_iter):
        p = _sigmoid(design @ theta)
        grad = design.T @ (p - yf) / n + penalty * theta
        hess = (design * (p * (1 - p))[:, None]).T @ design / n + np.diag(penalty + 1e-12)
        delta = np.linalg.solve(hess, grad)
        step = 1.0
        while True:  # halve the step until the objective does not increase
            trial = theta - step * delta
            value = objective(trial)
            if value <= current + 1e-15 or step < 1e-8:
                break
            step /= 2
        theta, previous, current = trial, current, value
        if np.max(np.abs(step * delta)) < 1e-10 or previous - current < 1e-14:
            break
    return theta[:m], float(theta[m])


def _fit_lbfgs(x: np.ndarray, y: np.ndarray, l2: float) -> tuple[np.ndarray, float]:
    """The same objective with scipy's L-BFGS (for the measurement in :func:`_measure`)."""
    from scipy.optimize import minimize
    from scipy.special import expit, log_expit

    n, m = x.shape
    yf = y.astype(np.float64)
    sign = 2 * yf - 1

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, c = theta[:m], theta[m]
        z = x @ w + c
        r = (expit(z) - yf) / n
        return -log_expit(sign * z).mean() + 0.5 * l2 * float(w @ w), np.concatenate([x.T @ r + l2 * w, [r.sum()]])

    res = minimize(loss, np.zeros(m + 1), jac=True, method="L-BFGS-B", options={"maxiter": 500, "gtol": 1e-9})
    return res.x[:m], float(res.x[m])


def _standardise(frame: pl.DataFrame, names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = frame.select(names).to_numpy().astype(np.float64)
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales < 1e-12] = 1.0
    return (x - means) / scales, means, scales


def fade_probabilities(
    net: Network,
    horizon_days: float,
    *,
    features: tuple[str, ...] = DEFAULT_FEATURES,
    l2: float = 1e-4,
    max_origins: int = 2,
    max_rows: int = 100_000,
    prior_only: bool = False,
    keep_features: bool = True,
) -> tuple[FadeModel, pl.DataFrame]:
    """Fit the fade model on ``net``'s log (or take the prior) and apply it to every tie.

    Returns ``(model, ties)``: ``ties`` has ``a, b``, the model's features and ``p_silent`` =
    P(no interaction in the next ``model.horizon_days``), sorted by a, b; with
    ``keep_features=False`` only ``p_silent`` (computed in chunks, never holding every feature
    of every tie at once).
    """
    started = time.perf_counter()
    as_of_us = int(net.as_of.timestamp() * 1e6)
    step_days = _step_days(net, horizon_days)
    rows: pl.DataFrame | None = None
    info: dict[str, Any] = {}
    if not prior_only:
        rows, step_days, info = training_rows(net, horizon_days, max_origins=max_origins, max_rows=max_rows)
        _warn_of_learning_gap(net, info, horizon_days)
    model = model_from_rows(rows, info, features=features, l2=l2, step_days=step_days, horizon_days=horizon_days,
                            started=started)
    step_us = max(1, int(round(model.horizon_days * US_PER_DAY)))
    if not keep_features:
        seen = _last_seen_at(net, as_of_us)
        n_ties = net.ties.height
        parts = [
            _features_from(_figures_at(net, 0, step_us, np.arange(start, min(start + _SCORE_CHUNK, n_ties)), seen),
                           0, step_us, as_of_us, model.feature_names).select(model.predict_expr().alias("p_silent"))
            for start in range(0, n_ties, _SCORE_CHUNK)
        ]
        return model, pl.concat(parts) if parts else pl.DataFrame(schema={"p_silent": pl.Float64})
    feats = _features_from(_figures_at(net, 0, step_us), 0, step_us, as_of_us, model.feature_names)
    return model, feats.with_columns(model.predict_expr().alias("p_silent"))


def model_from_rows(rows: pl.DataFrame | None, info: dict[str, Any], *, features: tuple[str, ...], l2: float,
                    step_days: float, horizon_days: float, started: float) -> FadeModel:
    """The model fitted on the training ``rows`` (``None``: the prior was asked for), or the
    shipped prior when they hold fewer than :data:`MIN_CLASS` silent or non-silent rows. Shared by
    the memory and Spark backends."""
    silent = int(rows["silent"].sum()) if rows is not None and rows.height else 0
    if rows is not None and rows.height and min(silent, rows.height - silent) >= MIN_CLASS:
        x, means, scales = _standardise(rows, tuple(features))
        w, c = fit_logistic(x, rows["silent"].to_numpy(), l2)
        info.update(l2=l2, fit_seconds=round(time.perf_counter() - started, 3))
        return FadeModel(tuple(features), tuple(means.tolist()), tuple(scales.tolist()), tuple(w.tolist()), c,
                         float(step_days), "fitted", info)
    prior = load_prior(horizon_days)
    why = "asked for the prior" if rows is None else "too little history to fit"
    return FadeModel(prior.feature_names, prior.means, prior.scales, prior.coefficients, prior.intercept,
                     float(horizon_days), "prior", {**prior.provenance, "why": why, **info})


def fit_fade_model(net: Network, horizon_days: float, **options: Any) -> FadeModel:
    """The fade model of ``net`` (options as :func:`fade_probabilities`)."""
    return fade_probabilities(net, horizon_days, **options)[0]


def reliability(probability: np.ndarray | list[float], outcome: np.ndarray | list[int], bins: int = 10) -> pl.DataFrame:
    """Predicted against observed rate by decile of the prediction (``bin, n, predicted,
    observed``): items sorted by probability and cut into ``bins`` groups of (nearly) equal size."""
    p = np.asarray(probability, dtype=np.float64)
    y = np.asarray(outcome, dtype=np.float64)
    schema = {"bin": pl.Int64, "n": pl.Int64, "predicted": pl.Float64, "observed": pl.Float64}
    if p.size < bins:
        return pl.DataFrame(schema=schema)
    groups = np.array_split(np.argsort(p, kind="stable"), bins)
    return pl.DataFrame({
        "bin": list(range(1, bins + 1)),
        "n": [g.size for g in groups],
        "predicted": [float(p[g].mean()) for g in groups],
        "observed": [float(y[g].mean()) for g in groups],
    }, schema=schema)


def _measure(n: int = 200_000, m: int = 5, seed: int = 0) -> None:
    """Time numpy Newton, scipy L-BFGS and scikit-learn on the same random standardised data."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, m))
    y = (rng.random(n) < 1 / (1 + np.exp(-(x @ rng.standard_normal(m) + 0.3)))).astype(np.int64)
    t = time.perf_counter()
    w, c = fit_logistic(x, y, 1e-3)
    newton_s = time.perf_counter() - t
    t = time.perf_counter()
    import scipy.optimize  # noqa: F401  (timed: its import cost)

    scipy_import = time.perf_counter() - t
    t = time.perf_counter()
    w2, c2 = _fit_lbfgs(x, y, 1e-3)
    scipy_s = time.perf_counter() - t
    t = time.perf_counter()
    from sklearn.linear_model import LogisticRegression

    sk_import = time.perf_counter() - t
    t = time.perf_counter()
    ref = LogisticRegression(C=1 / (n * 1e-3), tol=1e-10, max_iter=1000).fit(x, y)
    sk_s = time.perf_counter() - t
    exact = np.r_[ref.coef_[0], ref.intercept_[0]]
    print(f"{n} rows x {m} features: numpy Newton fit {newton_s:.3f}s (max |diff| vs sklearn "
          f"{np.max(np.abs(np.r_[w, c] - exact)):.1e}); scipy L-BFGS import {scipy_import:.2f}s + fit {scipy_s:.3f}s "
          f"(diff {np.max(np.abs(np.r_[w2, c2] - exact)):.1e}); sklearn import {sk_import:.2f}s + fit {sk_s:.3f}s")


if __name__ == "__main__":
    _measure()
