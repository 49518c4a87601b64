"""How far is the Spark backend's referral reach from the memory backend's? Measured, per dataset.

The memory backend estimates each person's expected reach (independent cascade, strength
probabilities) from reverse-reachable sets (:func:`ror_graph.referral.referral_reach`); the
Spark backend computes a truncated, non-backtracking expected reach by message passing over the
relationships (:func:`ror_graph.backends.spark.nurture.referral_reach`, ``hops`` steps). For
each dataset this script compares, against a reference of 1,000,000 RR sets (relative standard
error ~1% or better for reaches above 10):

* the Spark approximation at 2, 3 (the default) and 4 hops;
* the memory backend's own estimate as ``ror nurture`` uses it (epsilon 0.3), for scale;

by Spearman rank correlation, median and 90th-percentile relative error, and the overlap of
the top 20; then ``ror nurture`` with reach on both backends (community, and the ego with the
most events): is the top-20 order identical, and how many of the top 20 are shared.

Usage::

    python benchmarks/spark_referral_error.py            # writes benchmarks/results/spark_referral.md
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("ROR_SHARED_DATA", "/work/shared/data"))
DATASETS = {
    "CollegeMsg": DATA / "collegemsg" / "CollegeMsg.txt",
    "email-Eu-core": DATA / "email-eu-core-temporal" / "email-Eu-core-temporal.txt.gz",
}


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).statistic)


def _compare(name: str, estimate: pl.DataFrame, reference: pl.DataFrame) -> dict:
    joined = reference.select("node_id", pl.col("referral_reach").alias("ref")).join(
        estimate.select("node_id", "referral_reach"), on="node_id")
    rel = ((joined["referral_reach"] - joined["ref"]).abs() / joined["ref"]).to_numpy()
    top = set(reference.sort(["referral_reach", "node_id"], descending=[True, False])["node_id"].head(20))
    mine = set(estimate.sort(["referral_reach", "node_id"], descending=[True, False])["node_id"].head(20))
    return {
        "estimate": name, "people": joined.height,
        "spearman": _spearman(joined["referral_reach"].to_numpy(), joined["ref"].to_numpy()),
        "median_rel_error": float(np.median(rel)), "p90_rel_error": float(np.quantile(rel, 0.9)),
        "top20_shared": len(top & mine),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rr-sets", type=int, default=1_000_000, help="RR sets of the reference")
    parser.add_argument("--out", default=str(HERE / "results" / "spark_referral.md"))
    args = parser.parse_args(argv)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from ror_graph.backends import GraphRequest, get_backend
    from ror_graph.backends.memory import MemoryAnalyses
    from ror_graph.backends.spark.analyses import SparkAnalyses
    from ror_graph.backends.spark.nurture import REACH_HOPS, referral_reach
    from ror_graph.referral import referral_reach as memory_reach

    load_before = os.getloadavg()
    started = time.time()
    rows: list[dict] = []
    nurture_rows: list[dict] = []
    spark = get_backend("spark", master="local[2]", conf={"spark.sql.shuffle.partitions": "4", "spark.driver.memory": "2g"})
    for dataset, path in DATASETS.items():
        request = GraphRequest(sources=(str(path),), loader="snap_temporal")
        memory = get_backend("memory").open(request)
        net = memory.network()
        reference = memory_reach(net, rr_sets=args.rr_sets, seed=1)
        as_nurture = memory_reach(net, epsilon=0.3, min_reach=max(50.0, net.n / 50), seed=0)
        rows.append({"dataset": dataset, **_compare("memory, as ror nurture uses it (epsilon 0.3)", as_nurture, reference)})
        analyses = spark.open(request)
        for hops in (2, 3, 4):
            t = time.time()
            approx = pl.from_arrow(referral_reach(analyses.graph, hops=hops).toArrow())
            label = f"spark, {hops} hops" + (" (default)" if hops == REACH_HOPS else "")
            rows.append({"dataset": dataset, **_compare(label, approx, reference), "seconds": round(time.time() - t, 1)})
            print(rows[-1], flush=True)
        ego = net.events.group_by("s").len().sort(["len", "s"], descending=[True, False])["s"][0]
        ego_id = net.nodes["node_id"][int(ego)]
        for me in (None, ego_id):  # the same opened graphs, asked for another ego
            mem = MemoryAnalyses(net, me=me).nurture_next()
            sp = SparkAnalyses(analyses.graph, me=me).nurture_next()
            a, b = mem["node_id"].head(20).to_list(), sp["node_id"].head(20).to_list()
            nurture_rows.append({"dataset": dataset, "list": "community" if me is None else f"--me {me}",
                                 "identical_top20": a == b, "top20_shared": len(set(a) & set(b)),
                                 "first_difference": next((i + 1 for i, (x, y) in enumerate(zip(a, b)) if x != y), None)})
            print(nurture_rows[-1], flush=True)
    load_after = os.getloadavg()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE).stdout.strip()
    lines = [
        "# Referral reach on Spark: measured error against the memory backend",
        "",
        f"`python benchmarks/spark_referral_error.py` (commit {commit}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{time.time() - started:.0f} s; load average {load_before[0]:.1f} before, {load_after[0]:.1f} after, 2 cores "
        "shared with other jobs). Reference: the memory backend's reverse-reachable-set estimate with "
        f"{args.rr_sets:,} RR sets (seed 1). Relative error = |estimate - reference| / reference over all people.",
        "",
        "| dataset | estimate | people | Spearman | median rel. error | 90th pct rel. error | top-20 shared | seconds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['dataset']} | {r['estimate']} | {r['people']:,} | {r['spearman']:.4f} | {r['median_rel_error']:.3f} | "
                     f"{r['p90_rel_error']:.3f} | {r['top20_shared']} | {r.get('seconds', '')} |")
    lines += [
        "",
        "`ror nurture` with reach (the default), memory against Spark: the top 20 of the ranked list.",
        "",
        "| dataset | list | identical top-20 order | top-20 shared | first rank that differs |",
        "|---|---|---|---|---|",
    ]
    for r in nurture_rows:
        lines.append(f"| {r['dataset']} | {r['list']} | {'yes' if r['identical_top20'] else 'no'} | {r['top20_shared']} | "
                     f"{r['first_difference'] or '-'} |")
    lines.append("")
    Path(args.out).write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
