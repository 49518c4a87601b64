"""Benchmark of the in-memory engine: ``ror nurture`` end to end, per step, and peers.

One command::

    python benchmarks/bench_engine.py [--size small|medium|large] [--repeats 3]

prints tables of medians (of ``--repeats`` runs) on stdout and progress on stderr:

1. real datasets from ``../shared/data`` (CollegeMsg, email-Eu-core-temporal, bitcoin-otc,
   Higgs activity): ``ror nurture FILE`` end to end in a subprocess (wall time, peak RSS) and
   the in-process time of each step;
2. a synthetic interaction log (``benchmarks/synth.py``; small = 100k events / 10k people,
   medium = 1M / 100k, large = 10M / 1M), read from Parquet and from the canonical CSV:
   ``ror nurture`` end to end (wall, peak RSS of the child via ``wait4``) against the targets
   (< 60 s, < 6 GB at large) and the per-step breakdown (load, Network.from_dataset,
   relationships, ties, pagerank, fading, nurture) measured in-process;
3. peers on the same input and the same aggregated relationships: igraph used directly
   (Graph build, PageRank PRPACK, reciprocity), networkx doing the same steps (DiGraph from
   the relationships, pagerank, overall and per-node reciprocity; at ``large`` it runs on the
   medium log and is extrapolated per edge, and the table says so), polars aggregation alone
   from Parquet and CSV (the floor for load + aggregate), and scipy power-iteration PageRank
   on the same CSR matrix (the floor for PageRank).

Everything is seeded; nothing here is a pass/fail test. A JSON copy of the figures goes to
``benchmarks/results/`` (git-ignored).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402  (benchmarks/synth.py, next to this file)

REAL = {
    "CollegeMsg": "collegemsg/CollegeMsg.txt",
    "email-Eu-core-temporal": "email-eu-core-temporal/email-Eu-core-temporal.txt.gz",
    "bitcoin-otc": "bitcoin-otc/soc-sign-bitcoinotc.csv",
    "Higgs activity": "higgs-twitter/higgs-activity_time.txt.gz",
}
STEPS = ("load", "from_dataset", "relationships", "ties", "pagerank", "fading", "referral_reach", "nurture")
TARGET_S = 60.0
TARGET_BYTES = 6e9
GIB = 1024**3


def git_head() -> str:
    """Commit of the engine being measured (+ "-dirty" when engine files have local edits)."""
    try:
        head = subprocess.run(["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(HERE.parent), "status", "--porcelain", "--", "ror_graph", "loaders", "cli.py"],
                               capture_output=True, text=True).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def data_dir(given: str | None) -> Path:
    for candidate in (given, os.environ.get("ROR_DATA"), HERE.parent.parent / "shared" / "data", "/work/shared/data"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    raise SystemExit("cannot find the shared datasets; pass --data DIR")


# --- end to end: the CLI in a subprocess --------------------------------------------------


def ror_command() -> list[str]:
    """The installed ``ror`` script next to this Python, else the same entry point via -c."""
    script = Path(sys.executable).with_name("ror")
    if script.exists():
        return [str(script)]
    found = shutil.which("ror")
    return [found] if found else [sys.executable, "-c", "from ror_graph.cli import main; main()"]


def run_cli(args: list[str], repeats: int) -> dict[str, Any]:
    """Wall time and peak RSS (ru_maxrss of that child, from wait4) of ``ror ARGS``."""
    walls, peaks = [], []
    for i in range(repeats):
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            t0 = time.perf_counter()
            proc = subprocess.Popen([*ror_command(), *args], stdout=out, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)
            if proc.returncode != 0:
                err.seek(0)
                raise RuntimeError(f"ror {' '.join(args)} failed ({proc.returncode}): {err.read().decode()[-2000:]}")
        walls.append(wall)
        peaks.append(usage.ru_maxrss * 1024)  # KiB on Linux
        log(f"  run {i + 1}/{repeats}: {wall:.2f} s, peak {usage.ru_maxrss / 1024**2:.2f} GiB")
    return {"wall_s": median(walls), "peak_bytes": max(peaks), "runs": walls}


# --- per step, in process -----------------------------------------------------------------


def run_steps(path: Path, repeats: int, keep: bool = False) -> tuple[dict[str, float], dict[str, Any], Any]:
    """Median seconds per step. ``nurture`` is nurture_next with its PageRank and fade scores
    handed the results already measured, so each step is counted once (the CLI computes each
    once, inside nurture_next). Returns (medians, sizes, the last Network if ``keep``)."""
    from ror_graph import nurture as nurture_mod
    from ror_graph.fading import tie_fade_scores
    from ror_graph.influence import pagerank
    from ror_graph.loaders import load_events
    from ror_graph.network import Network

    times: dict[str, list[float]] = {s: [] for s in STEPS}
    sizes: dict[str, Any] = {}
    net = None
    for i in range(repeats):
        net = None
        gc.collect()
        lap = time.perf_counter()

        def tick(step: str) -> None:
            nonlocal lap
            now = time.perf_counter()
            times[step].append(now - lap)
            lap = now

        dataset = load_events([path])
        tick("load")
        net = Network.from_dataset(dataset)
        tick("from_dataset")
        rel = net.relationships
        tick("relationships")
        ties = net.ties
        tick("ties")
        pr = pagerank(net)
        tick("pagerank")
        fade = tie_fade_scores(net)
        tick("fading")
        saved = nurture_mod.pagerank, nurture_mod.tie_fade_scores
        nurture_mod.pagerank = lambda _net, **_kw: pr
        nurture_mod.tie_fade_scores = lambda _net, _params=None: fade
        reach_s = [0.0]
        try:  # nurture_next estimates referral reach (ror_graph.referral) itself: time that call apart
            from ror_graph import referral as referral_mod
        except ImportError:
            referral_mod = None
        saved_reach = getattr(referral_mod, "referral_reach", None)
        if saved_reach is not None:

            def timed_reach(*a, **k):
                t0 = time.perf_counter()
                try:
                    return saved_reach(*a, **k)
                finally:
                    reach_s[0] += time.perf_counter() - t0

            referral_mod.referral_reach = timed_reach
        try:
            ranked = nurture_mod.nurture_next(net)
        finally:
            nurture_mod.pagerank, nurture_mod.tie_fade_scores = saved
            if saved_reach is not None:
                referral_mod.referral_reach = saved_reach
        tick("nurture")
        times["referral_reach"].append(reach_s[0])
        times["nurture"][-1] -= reach_s[0]
        sizes = {"events": net.events.height, "nodes": net.n, "relationships": rel.height, "ties": ties.height}
        log(f"  steps {i + 1}/{repeats}: " + ", ".join(f"{s} {times[s][-1]:.2f}" for s in STEPS))
        del dataset, rel, ties, pr, fade, ranked
    medians = {s: median(v) for s, v in times.items()}
    medians["total"] = sum(medians[s] for s in STEPS)
    return medians, sizes, (net if keep else None)


# --- peers ----------------------------------------------------------------------------------


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    values, result = [], None
    for _ in range(repeats):
        result = None
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        values.append(time.perf_counter() - t0)
    return median(values), result


def polars_floor(paths: dict[str, Path], repeats: int) -> dict[str, float]:
    """Aggregation alone: events -> directed pairs (count, first/last ts), lazy polars."""
    import polars as pl

    def agg(frame: pl.LazyFrame) -> pl.DataFrame:
        return frame.group_by("src", "dst").agg(pl.len(), pl.col("ts").min().alias("first"), pl.col("ts").max().alias("last")).collect()

    out = {}
    out["parquet"], _ = timed(lambda: agg(pl.scan_parquet(paths["parquet"])), repeats)
    out["csv"], _ = timed(lambda: agg(pl.scan_csv(paths["csv"], try_parse_dates=True)), repeats)
    return out


def edge_list(net) -> dict[str, Any]:
    """The aggregated directed relationships every peer starts from (as ror-graph has them)."""
    rel = net.relationships
    return {
        "n": net.n,
        "s": rel["s"].to_numpy().astype("int64"),
        "d": rel["d"].to_numpy().astype("int64"),
        "w": rel["strength"].to_numpy().astype("float64"),
        "names": net.nodes["node_id"].to_list(),
    }


def ror_graph_steps(net, repeats: int) -> dict[str, float]:
    """ror-graph's own build (CSR), PageRank and reciprocity (overall + per person)."""
    from ror_graph.influence import pagerank
    from ror_graph.reciprocity import person_reciprocity, reciprocity_summary

    out = {}
    out["build"], _ = timed(lambda: net.adjacency(), repeats)
    out["pagerank"], _ = timed(lambda: pagerank(net), repeats)
    out["reciprocity"], _ = timed(lambda: (reciprocity_summary(net), person_reciprocity(net)), repeats)
    return out


def igraph_steps(edges: dict[str, Any], repeats: int) -> dict[str, float]:
    import igraph as ig
    import numpy as np

    s, d, w, n = edges["s"], edges["d"], edges["w"], edges["n"]
    out = {}
    # a list of tuples is igraph's fastest input form (faster than an (m, 2) numpy array)
    out["build"], graph = timed(lambda: ig.Graph(n=n, edges=list(zip(s.tolist(), d.tolist())), directed=True), repeats)
    out["pagerank"], _ = timed(lambda: graph.pagerank(weights=w.tolist(), damping=0.85, implementation="prpack"), repeats)

    def reciprocity():
        overall = graph.reciprocity(ignore_loops=True, mode="default")
        mutual = np.asarray(graph.is_mutual(), dtype=bool)
        per_node = np.bincount(s[mutual], minlength=n)
        degree = np.asarray(graph.degree(mode="all"))
        return overall, np.divide(2 * per_node, degree, out=np.zeros(n), where=degree > 0)

    out["reciprocity"], _ = timed(reciprocity, repeats)
    return out


def networkx_steps(edges: dict[str, Any], repeats: int) -> dict[str, float]:
    """networkx: DiGraph from the named, weighted relationships; pagerank (same damping and
    weights, networkx's default tol); overall and per-node reciprocity."""
    import networkx as nx

    names, s, d, w = edges["names"], edges["s"].tolist(), edges["d"].tolist(), edges["w"].tolist()

    def build():
        graph = nx.DiGraph()
        graph.add_weighted_edges_from(((names[a], names[b], x) for a, b, x in zip(s, d, w)), weight="strength")
        return graph

    out = {}
    out["build"], graph = timed(build, repeats)
    out["pagerank"], _ = timed(lambda: nx.pagerank(graph, alpha=0.85, weight="strength"), repeats)
    out["reciprocity"], _ = timed(lambda: (nx.overall_reciprocity(graph), nx.reciprocity(graph, graph.nodes)), repeats)
    return out


def engine_pagerank_tol() -> float:
    import inspect

    from ror_graph.influence import pagerank

    return float(inspect.signature(pagerank).parameters["tol"].default)


def scipy_pagerank_floor(edges: dict[str, Any], repeats: int) -> dict[str, Any]:
    """The same PageRank (weighted, dangling mass to the uniform vector) with the transposed
    transition matrix built directly and a lean power iteration: float64 to ror-graph's
    tolerance, and float32 to L1 < 1e-8 (PERF.md's reference setting)."""
    import numpy as np
    import scipy.sparse as sp

    tol64 = engine_pagerank_tol()

    s, d, w, n = edges["s"], edges["d"], edges["w"], edges["n"]

    def build(dtype):
        out_w = np.bincount(s, weights=w, minlength=n)
        dangling = np.flatnonzero(out_w <= 0)
        vals = (w / out_w[s]).astype(dtype)
        # entry (d, s): column-stochastic transpose, built once, no diags @ M and no .T.tocsr()
        return sp.csr_matrix((vals, (d, s)), shape=(n, n)), dangling

    def run(dtype, tol):
        mt, dangling = build(dtype)
        base = dtype(1.0 / n)
        x = np.full(n, base, dtype=dtype)
        for it in range(1000):
            y = mt @ x
            y *= 0.85
            y += dtype(0.85 * x[dangling].sum() / n + 0.15 / n)
            delta = np.abs(y - x).sum()
            x = y
            if delta < tol:
                break
        return x / x.sum(), it + 1

    out: dict[str, Any] = {}
    out["build"], _ = timed(lambda: build(np.float64), repeats)
    out["pagerank_f64"], (x64, out["iter_f64"]) = timed(lambda: run(np.float64, tol64), repeats)
    out["pagerank_f32"], (x32, out["iter_f32"]) = timed(lambda: run(np.float32, 1e-8), repeats)
    out["max_abs_diff_f32_vs_f64"] = float(np.abs(x32.astype(np.float64) - x64).max())
    return out


# --- prototypes of engine fixes (same data, current vs proposed) ---------------------------


def prototypes(path: Path, repeats: int) -> list[list[str]]:
    """Drop-in replacements for three hot spots found by this benchmark, timed against the
    engine's current expression on the same events (results checked equal)."""
    import polars as pl

    from ror_graph import strength
    from ror_graph.loaders import load_events
    from ror_graph.network import Network

    rows = []
    height = pl.scan_parquet(path).select(pl.len()).collect().item()

    # 1. model.validate_events: constant columns built from Python lists of n items
    cur, _ = timed(lambda: (pl.Series("weight", [1.0] * height, dtype=pl.Float64),
                            *(pl.Series(c, [None] * height, dtype=pl.String) for c in ("channel", "event_id"))), repeats)
    new, _ = timed(lambda: (pl.repeat(1.0, height, dtype=pl.Float64, eager=True).alias("weight"),
                            *(pl.repeat(None, height, dtype=pl.String, eager=True).alias(c) for c in ("channel", "event_id"))), repeats)
    rows.append(["model.validate_events: weight/channel/event_id from [x] * n lists -> pl.repeat", fmt_s(cur), fmt_s(new), ratio(cur, new)])

    net = Network.from_dataset(load_events([path]))
    ev = net.events
    weights = strength.kind_weights(None)

    # 2. strength.intensity: Enum -> String -> replace_strict  vs  lookup table gathered by the Enum code
    def current_intensity():
        return ev.select(strength.intensity(weights).alias("i"))["i"]

    def lookup_intensity():
        table = pl.Series([weights.get(k, 1.0) for k in ev["kind"].dtype.categories], dtype=pl.Float64)
        value = pl.when(pl.col("kind") == "rating").then(pl.col("weight").clip(0, 10) / 10).otherwise(1.0)
        return ev.select((pl.lit(table).gather(pl.col("kind").to_physical()) * value).alias("i"))["i"]

    cur, a = timed(current_intensity, repeats)
    new, b = timed(lookup_intensity, repeats)
    assert a.equals(b), "intensity prototype differs"
    rows.append(["strength.intensity: kind.cast(String).replace_strict -> lookup gather by Enum code", fmt_s(cur), fmt_s(new), ratio(cur, new)])

    # 3. Network._answers: join_asof by=["s", "d"] vs by one UInt64 key s * n + d
    n = net.n

    def asof_two_keys():
        left = ev.select("s", "d", "ts")
        right = ev.select(pl.col("d").alias("s"), pl.col("s").alias("d"), pl.col("ts").alias("answer_ts"))
        out = left.join_asof(right, left_on="ts", right_on="answer_ts", by=["s", "d"], strategy="forward", check_sortedness=False)
        return out["answer_ts"]

    def asof_one_key():
        key = pl.col("s").cast(pl.UInt64) * n + pl.col("d")
        rkey = pl.col("d").cast(pl.UInt64) * n + pl.col("s")
        left = ev.select(key.alias("k"), "ts")
        right = ev.select(rkey.alias("k"), pl.col("ts").alias("answer_ts"))
        out = left.join_asof(right, left_on="ts", right_on="answer_ts", by="k", strategy="forward", check_sortedness=False)
        return out["answer_ts"]

    cur, a = timed(asof_two_keys, repeats)
    new, b = timed(asof_one_key, repeats)
    assert a.equals(b, check_names=False), "asof prototype differs"
    rows.append(["network._answers: join_asof by=[s, d] -> by one UInt64 key s*n+d", fmt_s(cur), fmt_s(new), ratio(cur, new)])
    return rows


# --- tables -----------------------------------------------------------------------------------


def fmt_s(value: float | None) -> str:
    if value is None or value != value:
        return "-"
    return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 100 else f"{value:.0f}"


def fmt_gib(value: float | None) -> str:
    return "-" if value is None else f"{value / GIB:.2f}"


def table(headers: list[str], rows: list[list[str]], title: str) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join("-" * w for w in widths)
    out = [f"\n{title}", "  ".join(h.rjust(w) if i else h.ljust(w) for i, (h, w) in enumerate(zip(headers, widths))), line]
    for r in rows:
        out.append("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))))
    return "\n".join(out)


def ratio(a: float | None, b: float | None) -> str:
    if not a or not b or a != a or b != b:
        return "-"
    return f"{a / b:.2f}x"


# --- main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark `ror nurture` end to end, per step, and against peers.")
    parser.add_argument("--size", choices=synth.SIZES, default="medium", help="synthetic log size (default: medium)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement; the median is shown (default 3)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", help="folder of the shared datasets (default ../shared/data)")
    parser.add_argument("--skip-real", action="store_true", help="skip the real datasets")
    parser.add_argument("--skip-csv", action="store_true", help="skip the end-to-end run on the synthetic CSV")
    parser.add_argument("--skip-peers", action="store_true", help="skip igraph, networkx, polars and scipy")
    parser.add_argument("--no-networkx", action="store_true", help="skip networkx")
    parser.add_argument("--prototypes", action="store_true",
                        help="also time proposed drop-in fixes of engine hot spots against the current code")
    parser.add_argument("--only-prototypes", action="store_true", help="run only the --prototypes section")
    args = parser.parse_args(argv)
    repeats = max(1, args.repeats)
    results: dict[str, Any] = {
        "size": args.size,
        "repeats": repeats,
        "seed": args.seed,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
    }
    versions = {}
    for module in ("polars", "numpy", "scipy", "igraph", "networkx"):
        versions[module] = __import__(module).__version__
    results["versions"] = versions
    load_before = os.getloadavg()
    results["git_start"] = git_head()
    results["loadavg_start"] = load_before
    report: list[str] = [
        f"ror-graph engine benchmark: size={args.size}, median of {repeats} run(s), seed {args.seed}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        + ", ".join(f"{k} {v}" for k, v in versions.items())
        + f"; engine at {results['git_start']}; load average at start {load_before[0]:.1f} (other jobs on the machine inflate times)"
    ]

    if args.only_prototypes:
        args.prototypes = args.skip_real = True

    # 1. real datasets
    if not args.skip_real:
        root = data_dir(args.data)
        rows, real = [], {}
        for name, rel_path in REAL.items():
            path = root / rel_path
            if not path.exists():
                log(f"missing {path}; skipped")
                continue
            log(f"{name}: ror nurture end to end")
            e2e = run_cli(["nurture", str(path)], repeats)
            log(f"{name}: per step in process")
            steps, sizes, _ = run_steps(path, repeats)
            real[name] = {"e2e": e2e, "steps": steps, "sizes": sizes}
            rows.append(
                [name, f"{sizes['events']:,}", f"{sizes['nodes']:,}", f"{sizes['relationships']:,}",
                 fmt_s(e2e["wall_s"]), fmt_gib(e2e["peak_bytes"]), *(fmt_s(steps[s]) for s in STEPS), fmt_s(steps["total"])]
            )
        results["real"] = real
        report.append(table(
            ["dataset", "events", "people", "rel.", "e2e s", "peak GiB", *STEPS, "in-proc"],
            rows,
            "1. Real datasets: `ror nurture FILE` end to end (subprocess; seconds, peak RSS) and per step (in process)",
        ))
        report.append("   e2e includes Python start-up and imports (~0.5 s) and printing the top-20 table.")

    # 2. synthetic log
    n_events, n_people = synth.SIZES[args.size]
    log(f"synthetic {args.size}: {n_events:,} events / {n_people:,} people (cache {synth.cache_dir()})")
    paths = synth.ensure(n_events, n_people, args.seed, log=log)
    if args.only_prototypes:
        return finish(args, results, report, paths, repeats)
    syn: dict[str, Any] = {"paths": {k: str(v) for k, v in paths.items()}}
    for fmt in ("parquet", "csv"):
        if fmt == "csv" and args.skip_csv:
            continue
        log(f"synthetic {args.size} ({fmt}): ror nurture end to end")
        syn[f"e2e_{fmt}"] = run_cli(["nurture", str(paths[fmt])], repeats)
    log(f"synthetic {args.size} (parquet): per step in process")
    steps, sizes, net = run_steps(paths["parquet"], repeats, keep=not args.skip_peers)
    syn["steps"], syn["sizes"] = steps, sizes
    results["synthetic"] = syn
    title = (f"2. Synthetic {args.size}: {n_events:,} events among {n_people:,} people -> {sizes['nodes']:,} people seen, "
             f"{sizes['relationships']:,} directed relationships, {sizes['ties']:,} ties")
    rows = []
    for fmt in ("parquet", "csv"):
        e2e = syn.get(f"e2e_{fmt}")
        if e2e:
            rows.append([f"ror nurture events.{fmt}", fmt_s(e2e["wall_s"]), fmt_gib(e2e["peak_bytes"]),
                         ratio(e2e["wall_s"], TARGET_S), ratio(e2e["peak_bytes"], TARGET_BYTES)])
    report.append(table(["end to end (subprocess)", "wall s", "peak GiB", "of 60 s", "of 6 GB"], rows, title))
    rows = [[s, fmt_s(steps[s]), f"{100 * steps[s] / steps['total']:.0f}%"] for s in STEPS]
    rows.append(["total (in process)", fmt_s(steps["total"]), "100%"])
    report.append(table(["step (Parquet input, in process)", "s", "share"], rows, "   Per-step breakdown"))

    # 3. peers
    if not args.skip_peers and net is not None:
        log("peers: edge list from ror-graph's relationships")
        edges = edge_list(net)
        log("peers: ror-graph build / pagerank / reciprocity")
        ours = ror_graph_steps(net, repeats)
        del net
        gc.collect()
        log("peers: polars aggregation alone")
        floor = polars_floor(paths, repeats)
        log("peers: scipy PageRank floor")
        sci = scipy_pagerank_floor(edges, repeats)
        log("peers: igraph")
        igr = igraph_steps(edges, repeats)
        nxr, nx_note = None, ""
        if not args.no_networkx:
            if args.size == "large":
                m_events, m_people = synth.SIZES["medium"]
                log("peers: networkx on the MEDIUM log (too slow at large), extrapolated per edge")
                m_paths = synth.ensure(m_events, m_people, args.seed, log=log)
                from ror_graph.loaders import load_events
                from ror_graph.network import Network

                m_edges = edge_list(Network.from_dataset(load_events([m_paths["parquet"]])))
                measured = networkx_steps(m_edges, repeats)
                factor = edges["s"].size / m_edges["s"].size
                nxr = {k: v * factor for k, v in measured.items()}
                nx_note = (f"   networkx measured on medium ({m_edges['s'].size:,} edges: build {fmt_s(measured['build'])} s, "
                           f"pagerank {fmt_s(measured['pagerank'])} s, reciprocity {fmt_s(measured['reciprocity'])} s) "
                           f"and scaled x{factor:.1f} by edges (linear; optimistic for PageRank iterations).")
                syn["networkx_measured_medium"] = measured
            else:
                log("peers: networkx")
                nxr = networkx_steps(edges, repeats)
        syn["peers"] = {"ror_graph": ours, "polars": floor, "scipy": sci, "igraph": igr, "networkx": nxr}
        est = "~" if args.size == "large" else ""

        def nx_cell(key: str) -> str:
            return "-" if nxr is None else est + fmt_s(nxr[key])

        rows = [
            ["load + aggregate to directed pairs", fmt_s(steps["load"] + steps["from_dataset"] + steps["relationships"]), "-", "-",
             f"{fmt_s(floor['parquet'])} (pq) / {fmt_s(floor['csv'])} (csv)",
             ratio(steps["load"] + steps["from_dataset"] + steps["relationships"], floor["parquet"])],
            ["graph build from relationships", fmt_s(ours["build"]), fmt_s(igr["build"]), nx_cell("build"),
             f"{fmt_s(sci['build'])} (scipy CSR)", ratio(ours["build"], min(igr["build"], sci["build"]))],
            ["PageRank, strength-weighted", fmt_s(ours["pagerank"]), fmt_s(igr["pagerank"]), nx_cell("pagerank"),
             f"{fmt_s(sci['pagerank_f64'])} (f64, {sci['iter_f64']} it) / {fmt_s(sci['pagerank_f32'])} (f32, {sci['iter_f32']} it)",
             ratio(ours["pagerank"], min(igr["pagerank"], sci["pagerank_f64"]))],
            ["reciprocity, overall + per person", fmt_s(ours["reciprocity"]), fmt_s(igr["reciprocity"]), nx_cell("reciprocity"), "-",
             ratio(ours["reciprocity"], igr["reciprocity"])],
        ]
        total_ours = ours["build"] + ours["pagerank"] + ours["reciprocity"]
        total_ig = igr["build"] + igr["pagerank"] + igr["reciprocity"]
        total_nx = None if nxr is None else nxr["build"] + nxr["pagerank"] + nxr["reciprocity"]
        rows.append(["build + PageRank + reciprocity", fmt_s(total_ours), fmt_s(total_ig),
                     "-" if total_nx is None else est + fmt_s(total_nx), "-", ratio(total_ours, total_ig)])
        report.append(table(
            ["task (same relationships)", "ror-graph s", "igraph s", "networkx s", "floor s", "ror/best"],
            rows,
            f"3. Peers on the same input ({args.size}; medians of {repeats})",
        ))
        report.append(
            f"   ror-graph PageRank includes its CSR build (tol {engine_pagerank_tol():g} L1, float64); igraph = PRPACK; networkx = default tol.\n"
            f"   scipy floor = same PageRank, transposed matrix built directly, lean loop; f32 vs f64 max |diff| "
            f"{sci['max_abs_diff_f32_vs_f64']:.1e}.\n"
            "   polars floor = lazy scan + group_by(src, dst) count/min/max only (no validation, no id mapping)."
        )
        if nx_note:
            report.append(nx_note)

    return finish(args, results, report, paths, repeats)


def finish(args, results: dict[str, Any], report: list[str], paths: dict[str, Path], repeats: int) -> int:
    """The optional prototypes section, the closing line, and the files under results/."""
    if args.prototypes:
        log("prototypes: current vs proposed engine expressions")
        rows = prototypes(paths["parquet"], repeats)
        results["prototypes"] = rows
        report.append(table(["hot spot: current -> proposed", "current s", "proposed s", "speed-up"], rows,
                            f"4. Prototyped engine fixes on the synthetic {args.size} log (same results, checked)"))
    results["loadavg_end"] = os.getloadavg()
    results["git_end"] = git_head()
    if results["git_end"] != results.get("git_start"):
        report.append(f"\nNOTE: the engine changed during the run ({results.get('git_start')} -> {results['git_end']}); "
                      "each subprocess ran the code of its start time.")
    report.append(f"\nload average at end {results['loadavg_end'][0]:.1f} (1 min), {results['loadavg_end'][1]:.1f} (5 min)")
    text = "\n".join(report)
    print(text)
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    stem = f"bench_{args.size}" + ("_prototypes" if args.only_prototypes else "")
    (out_dir / f"{stem}.json").write_text(json.dumps(results, indent=2, default=str))
    (out_dir / f"{stem}.txt").write_text(text + "\n")
    log(f"wrote {out_dir / stem}.json and .txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
