"""Deterministic synthetic interaction logs for the benchmarks.

``generate(n_events, n_people, seed)`` builds a canonical events table (``src, dst, kind,
ts``) that looks like a relationship network rather than uniform noise:

* **power-law activity and popularity**: every person has an activity weight (how often they
  start interactions) and a popularity weight (how often others turn to them), both
  Pareto-distributed (tail index ~1.2-1.4) and correlated (active people tend to be popular);
* **relationships**: directed pairs are drawn first (src by activity, dst by popularity), then
  each pair gets a heavy-tailed number of events, so a few relationships carry many
  interactions and most carry one or two;
* **rhythm and fading**: each relationship lives from a start time to an end time inside one
  year; about 60% run to the end of the year, the rest stop early (they are "fading" as of
  the last event); events fall uniformly inside that lifetime;
* **reciprocity**: half of the relationships are conversational and the other side answers a
  share of the events (kind ``reply``, after an exponentially distributed delay, mean 6 h);
  the other half are one-sided (fans). Answers create the reverse directed pairs;
* **kinds**: message, like, comment, share, mention, email, follow for initiating events,
  reply for answers.

Ids are strings (``u0123456``) assigned by a random permutation, so id order says nothing
about activity. The same ``(n_events, n_people, seed)`` always gives the same table, byte for
byte. Files are cached outside the repository (``~/.cache/ror-graph/bench/`` or
``$ROR_BENCH_CACHE``) as Parquet (typed ``ts``) and, with ``--csv``, as the canonical CSV
(ISO 8601 ``ts``).

``density``: ``sparse`` (distinct directed pairs ~28% of events: relationships carry several
events each) or ``dense`` (~70%: most relationships carry one or two events).

Usage::

    python benchmarks/synth.py --size 1m                 # writes/refreshes the cache, prints paths
    python benchmarks/synth.py --size 10m --density dense --summary
    python benchmarks/synth.py --events 5000000 --people 500000 --seed 3
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import polars as pl

__all__ = ["SIZES", "ALIASES", "DENSITIES", "size_of", "generate", "cache_dir", "ensure", "summary"]

#: name -> (events, people); ten events per person at every size.
SIZES: dict[str, tuple[int, int]] = {
    "small": (100_000, 10_000),
    "1m": (1_000_000, 100_000),
    "3m": (3_000_000, 300_000),
    "10m": (10_000_000, 1_000_000),
    "30m": (30_000_000, 3_000_000),
}
#: Older names of sizes.
ALIASES: dict[str, str] = {"medium": "1m", "large": "10m"}

#: density -> share of initiating events that open a new directed pair. ``sparse``: most
#: relationships carry several events (distinct directed pairs ~28% of events); ``dense``:
#: most carry one or two (distinct directed pairs ~70% of events, as in the 10M-event /
#: 7.2M-pair log of issue #11).
DENSITIES: dict[str, float] = {"sparse": 0.27, "dense": 0.72}

#: Bump when the generator changes, so stale cache files are not reused.
VERSION = 3

_START = datetime(2024, 1, 1, tzinfo=timezone.utc)
_YEAR_S = 365 * 86_400
_INIT_KINDS = ("message", "like", "comment", "share", "mention", "email", "follow")
_INIT_P = (0.32, 0.24, 0.14, 0.10, 0.10, 0.06, 0.04)


def cache_dir() -> Path:
    """Where generated logs live (never inside the repository)."""
    root = os.environ.get("ROR_BENCH_CACHE")
    path = Path(root) if root else Path.home() / ".cache" / "ror-graph" / "bench"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _weights(rng: np.random.Generator, n: int, tail: float) -> np.ndarray:
    """Pareto weights (minimum 1) with tail index ``tail``, capped so no one has > 2% of the mass."""
    w = 1.0 + rng.pareto(tail, n)
    cap = 0.02 * w.sum()
    return np.minimum(w, cap)


def _draw(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """``size`` indices drawn with probability proportional to ``weights`` (inverse CDF)."""
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    return np.searchsorted(cdf, rng.random(size), side="right").astype(np.int64)


def generate(n_events: int, n_people: int, seed: int = 7, density: str = "sparse") -> pl.DataFrame:
    """Exactly ``n_events`` events among at most ``n_people`` people, sorted by ``ts``;
    ``density`` (see :data:`DENSITIES`) sets how many distinct directed pairs they form."""
    if n_events < 10 or n_people < 10:
        raise ValueError("need at least 10 events and 10 people")
    if density not in DENSITIES:
        raise ValueError(f"density must be one of {', '.join(DENSITIES)}")
    rng = np.random.default_rng(seed)
    m = n_people

    # People: activity (starting interactions) and popularity (receiving them), correlated.
    activity = _weights(rng, m, 1.3)
    popularity = np.sqrt(activity) * _weights(rng, m, 1.2)

    # Relationships (directed pairs that initiate events).
    # About 0.24 answers per initiating event (half the pairs answer, Beta(2, 2) of the time);
    # draw 8% more than needed, then trim to exactly n_events below.
    n_init = int(n_events / 1.24 * 1.08) + 10
    n_pairs = max(int(n_init * DENSITIES[density]), 10)
    src = _draw(rng, activity, n_pairs)
    dst = _draw(rng, popularity, n_pairs)
    keys = np.unique((src * m + dst)[src != dst])
    src, dst = keys // m, keys % m
    n_pairs = keys.size

    # Events per pair: one each, the rest by a heavy-tailed pair weight.
    pair_w = (activity[src] * popularity[dst]) ** 0.5 * (1.0 + rng.pareto(1.1, n_pairs))
    extra = max(n_init - n_pairs, 0)
    counts = 1 + np.bincount(_draw(rng, pair_w, extra), minlength=n_pairs)
    pair_of = np.repeat(np.arange(n_pairs), counts)

    # Lifetime of each relationship inside the year; 40% stop early (they fade).
    start = rng.random(n_pairs) * _YEAR_S * 0.9
    runs_on = rng.random(n_pairs) < 0.6
    life = np.where(runs_on, _YEAR_S - start, np.minimum(rng.exponential(90 * 86_400, n_pairs), _YEAR_S - start))
    ts = start[pair_of] + rng.random(pair_of.size) * life[pair_of]
    kind = rng.choice(len(_INIT_KINDS), size=pair_of.size, p=_INIT_P).astype(np.int8)

    # Answers: conversational pairs reply to a share of events.
    answer_p = np.where(rng.random(n_pairs) < 0.5, rng.beta(2.0, 2.0, n_pairs), 0.0)
    answered = (rng.random(pair_of.size) < answer_p[pair_of]) & (kind != _INIT_KINDS.index("follow"))
    r_pair = pair_of[answered]
    r_ts = ts[answered] + rng.exponential(6 * 3600, r_pair.size)
    keep = r_ts < _YEAR_S
    r_pair, r_ts = r_pair[keep], r_ts[keep]

    all_src = np.concatenate([src[pair_of], dst[r_pair]])
    all_dst = np.concatenate([dst[pair_of], src[r_pair]])
    all_ts = np.concatenate([ts, r_ts])
    all_kind = np.concatenate([kind, np.full(r_pair.size, len(_INIT_KINDS), dtype=np.int8)])

    # Exactly n_events: a seeded subset (or everything if short), then time order.
    total = all_ts.size
    if total < n_events:  # not seen for the built-in sizes; fail loudly rather than return fewer
        raise RuntimeError(f"generated {total:,} events, fewer than the {n_events:,} asked for")
    if total > n_events:
        pick = np.sort(rng.choice(total, size=n_events, replace=False))
        all_src, all_dst, all_ts, all_kind = all_src[pick], all_dst[pick], all_ts[pick], all_kind[pick]
    order = np.argsort(all_ts, kind="stable")

    # Ids gathered by index in polars (no per-event Python strings).
    names = pl.Series("name", rng.permutation(m)).cast(pl.String).str.zfill(7)
    names = ("u" + names) if m > 0 else names
    kinds = pl.Series("kind", [*_INIT_KINDS, "reply"])
    micros = (all_ts[order] * 1e6).round().astype(np.int64) + int(_START.timestamp() * 1e6)
    return pl.DataFrame(
        {
            "src": names.gather(all_src[order]).alias("src"),
            "dst": names.gather(all_dst[order]).alias("dst"),
            "kind": kinds.gather(all_kind[order]),
            "ts": pl.Series("ts", micros).cast(pl.Datetime("us")).dt.replace_time_zone("UTC"),
        }
    )


def size_of(name: str) -> tuple[int, int]:
    """(events, people) of a size name or alias (``1m``, ``large``, ...)."""
    return SIZES[ALIASES.get(name, name)]


def paths(n_events: int, n_people: int, seed: int, density: str = "sparse") -> dict[str, Path]:
    stem = f"synth-v{VERSION}-{density}-e{n_events}-p{n_people}-s{seed}"
    root = cache_dir()
    return {"parquet": root / f"{stem}.parquet", "csv": root / f"{stem}.csv"}


def _write_atomic(frame: pl.DataFrame, path: Path, fmt: str) -> None:
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    if fmt == "parquet":
        frame.write_parquet(tmp, statistics=True)
    else:
        frame.with_columns(pl.col("ts").dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ")).write_csv(tmp)
    tmp.replace(path)


def ensure(
    n_events: int,
    n_people: int,
    seed: int = 7,
    *,
    density: str = "sparse",
    formats: tuple[str, ...] = ("parquet",),
    log=None,
) -> dict[str, Path]:
    """Generate the log once and cache it in ``formats`` (Parquet, and the canonical CSV when
    asked); return the paths of those formats."""
    out = {fmt: path for fmt, path in paths(n_events, n_people, seed, density).items() if fmt in formats}
    if all(p.exists() for p in out.values()):
        return out
    say = log or (lambda _msg: None)
    t0 = time.perf_counter()
    frame = generate(n_events, n_people, seed, density)
    say(f"generated {frame.height:,} {density} events in {time.perf_counter() - t0:.1f} s")
    for fmt, path in out.items():
        if not path.exists():
            t0 = time.perf_counter()
            _write_atomic(frame, path, fmt)
            say(f"wrote {path} ({path.stat().st_size / 1e6:,.0f} MB) in {time.perf_counter() - t0:.1f} s")
    return out


def summary(frame: pl.DataFrame) -> dict[str, float]:
    """People, directed pairs, edge reciprocity and the time span of a generated log."""
    pairs = frame.select("src", "dst").unique()
    reverse = pairs.select(pl.col("dst").alias("src"), pl.col("src").alias("dst"))
    mutual = pairs.join(reverse, on=["src", "dst"], how="semi").height
    people = pl.concat([frame["src"], frame["dst"]]).n_unique()
    return {
        "events": frame.height,
        "people": people,
        "pairs": pairs.height,
        "edge_reciprocity": mutual / pairs.height,
        "days": (frame["ts"].max() - frame["ts"].min()).total_seconds() / 86_400,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=[*SIZES, *ALIASES], default="1m")
    parser.add_argument("--density", choices=DENSITIES, default="sparse")
    parser.add_argument("--events", type=int, help="override the size's number of events")
    parser.add_argument("--people", type=int, help="override the size's number of people")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--csv", action="store_true", help="also write the canonical CSV")
    parser.add_argument("--summary", action="store_true", help="print people, pairs, reciprocity")
    args = parser.parse_args(argv)
    n_events, n_people = size_of(args.size)
    n_events = args.events or n_events
    n_people = args.people or n_people
    formats = ("parquet", "csv") if args.csv else ("parquet",)
    out = ensure(n_events, n_people, args.seed, density=args.density, formats=formats,
                 log=lambda m: print(m, file=sys.stderr))
    for fmt, path in out.items():
        print(f"{fmt}\t{path}")
    if args.summary:
        stats = summary(pl.read_parquet(out["parquet"]))
        print("  ".join(f"{k}={v:,.3f}" if isinstance(v, float) else f"{k}={v:,}" for k, v in stats.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
