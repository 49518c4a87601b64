"""Benchmark of the in-memory engine: ``ror stats`` and ``ror nurture`` end to end, per step,
and peers, in one run; the report goes to stdout and to ``benchmarks/results/``.

One command::

    python benchmarks/bench_engine.py [--size small|1m|3m|10m|30m] [--density sparse|dense] [--repeats 3]
    python benchmarks/bench_engine.py --scaling 1m,3m,10m,30m --density dense   # end to end only

prints tables of medians (of ``--repeats`` runs) on stdout and progress on stderr:

1. real datasets from ``../shared/data`` (CollegeMsg, email-Eu-core-temporal, bitcoin-otc,
   Higgs activity): ``ror nurture FILE`` end to end in a subprocess (wall time, CPU time, peak
   RSS) and the in-process time of each step;
2. a synthetic interaction log (``benchmarks/synth.py``, sparse or dense) read from Parquet:
   ``ror stats`` and ``ror nurture`` (with referral reach) end to end (wall, CPU, peak RSS of
   the child via ``wait4``) against the targets of issue #11 and the per-step breakdown
   (load, Network.from_dataset, relationships, ties, pagerank, fading, referral_reach,
   nurture) measured in process, each repeat on a fresh Network;
3. peers on the same input and the same aggregated relationships: igraph used directly
   (Graph build, PageRank PRPACK, reciprocity), networkx doing the same steps (at 10m and
   above it runs on the 1m log and is scaled per edge, and the table says so), polars
   aggregation alone from Parquet (the floor for load + aggregate), and scipy power-iteration
   PageRank on the same CSR matrix (the floor for PageRank). ror-graph's rows are timed on a
   fresh Network whose relationships are built (untimed) first, so no row times a cache hit.

Every report states the commit, date, machine (CPUs, RAM), load average before and after and
the thread count of each contender, and is written to
``benchmarks/results/engine_<size>_<density>.md`` (``engine_scaling_<density>.md`` for
``--scaling``). Other jobs on the machine inflate wall times; CPU time (user + sys of the
child) is the steadier figure. Everything is seeded; nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shlex
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
#: Targets of issue #11 on the 10M-event / 7M-pair log: nurture <= 15 s and 3 GB, stats <= 5 s.
TARGETS = {"nurture": (15.0, 3e9), "stats": (5.0, None)}
AS_OF = "2025-01-01"  # just after the synthetic year
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


def run_cli(args: list[str], repeats: int, command: list[str] | None = None) -> dict[str, Any]:
    """Wall time, CPU time (user + sys) and peak RSS (ru_maxrss of that child, from wait4) of
    ``ror ARGS``; ``command`` replaces ``ror`` (e.g. an older checkout's entry point)."""
    walls, cpus, peaks = [], [], []
    for i in range(repeats):
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            t0 = time.perf_counter()
            proc = subprocess.Popen([*(command or ror_command()), *args], stdout=out, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)
            if proc.returncode != 0:
                err.seek(0)
                raise RuntimeError(f"ror {' '.join(args)} failed ({proc.returncode}): {err.read().decode()[-2000:]}")
        walls.append(wall)
        cpus.append(usage.ru_utime + usage.ru_stime)
        peaks.append(usage.ru_maxrss * 1024)  # KiB on Linux
        log(f"  run {i + 1}/{repeats}: {wall:.2f} s wall, {cpus[-1]:.2f} s CPU, peak {usage.ru_maxrss / 1024**2:.2f} GiB")
    return {"wall_s": median(walls), "cpu_s": median(cpus), "peak_bytes": max(peaks), "runs": walls}


def run_interleaved(args: list[str], repeats: int, command: list[str] | None, baseline: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """:func:`run_cli` of ``baseline`` and of ``command``, one run of each in turn, so both
    see the same machine load; returns (this command's, the baseline's) medians."""
    mine, base = [], []
    for i in range(repeats):
        log(f"  round {i + 1}/{repeats}: baseline, then this checkout")
        base.append(run_cli(args, 1, baseline))
        mine.append(run_cli(args, 1, command))

    def merged(runs: list[dict[str, Any]]) -> dict[str, Any]:
        return {"wall_s": median([r["wall_s"] for r in runs]), "cpu_s": median([r["cpu_s"] for r in runs]),
                "peak_bytes": max(r["peak_bytes"] for r in runs), "runs": [r["wall_s"] for r in runs]}

    return merged(mine), merged(base)


def checkout_commits(command: list[str]) -> dict[str, str]:
    """The git commit of every folder in ``command`` that is a git checkout (e.g. a baseline's
    ``PYTHONPATH=/work/base``), so the report says what the baseline was."""
    found = {}
    for word in command:
        if "/" not in word:
            continue
        folder = Path(word.split("=", 1)[-1])
        folder = folder if folder.is_dir() else folder.parent
        if str(folder) in found or not (folder / ".git").exists():
            continue
        head = subprocess.run(["git", "-C", str(folder), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        if head.returncode == 0:
            found[str(folder)] = head.stdout.strip()
    return found


def e2e_args(command: str, path: Path, out_dir: str) -> list[str]:
    """The end-to-end command lines measured: ``ror stats FILE`` and ``ror nurture FILE
    --as-of 2025-01-01 -o OUT.csv`` (with referral reach, as by default)."""
    if command == "stats":
        return ["stats", str(path)]
    return ["nurture", str(path), "--as-of", AS_OF, "-o", str(Path(out_dir) / "nurture.csv")]


# --- per step, in process -----------------------------------------------------------------


def run_steps(path: Path, repeats: int, keep: bool = False) -> tuple[dict[str, float], dict[str, Any], Any]:
    """Median seconds per step, one after the other: ``nurture`` is nurture_next given the reach
    just measured (its PageRank and fade scores are cached on the Network), so each step is
    counted once. The CLI runs the reach estimate in a thread beside the other steps, so its
    end-to-end time is less than the sum. Returns (medians, sizes, the last Network if ``keep``)."""
    from ror_graph import nurture as nurture_mod
    from ror_graph.fading import tie_fade_scores
    from ror_graph.influence import pagerank
    from ror_graph.loaders import load_events
    from ror_graph.network import Network

    import resource

    def cpu_now() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    times: dict[str, list[float]] = {s: [] for s in STEPS}
    cpu: dict[str, list[float]] = {s: [] for s in STEPS}
    sizes: dict[str, Any] = {}
    net = None
    for i in range(repeats):
        net = None
        gc.collect()
        lap, cpu_lap = time.perf_counter(), cpu_now()

        def tick(step: str) -> None:
            nonlocal lap, cpu_lap
            now, cpu_at = time.perf_counter(), cpu_now()
            times[step].append(now - lap)
            cpu[step].append(cpu_at - cpu_lap)
            lap, cpu_lap = now, cpu_at

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
        fade = tie_fade_scores(net, bridges=False)
        tick("fading")
        reach = nurture_mod.estimated_reach(net)
        tick("referral_reach")
        ranked = nurture_mod.nurture_next(net, reach=reach)  # PageRank and the fade scores: cached on net
        tick("nurture")
        sizes = {"events": net.events.height, "nodes": net.n, "relationships": rel.height, "ties": ties.height}
        log(f"  steps {i + 1}/{repeats}: " + ", ".join(f"{s} {times[s][-1]:.2f}" for s in STEPS))
        del dataset, rel, ties, pr, fade, reach, ranked
    medians = {s: median(v) for s, v in times.items()}
    medians["total"] = sum(medians[s] for s in STEPS)
    medians.update({f"cpu_{s}": median(v) for s, v in cpu.items()})
    medians["cpu_total"] = sum(medians[f"cpu_{s}"] for s in STEPS)
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


def ror_graph_steps(dataset, repeats: int) -> dict[str, float]:
    """ror-graph's own build (CSR), PageRank and reciprocity (overall + per person), each
    repeat on a fresh Network whose relationships were built untimed: no row times a cache
    hit (PageRank and the fade scores are cached per Network)."""
    from ror_graph.influence import pagerank
    from ror_graph.network import Network
    from ror_graph.reciprocity import person_reciprocity, reciprocity_summary

    times: dict[str, list[float]] = {"build": [], "pagerank": [], "reciprocity": []}
    for _ in range(repeats):
        net = Network.from_dataset(dataset)
        net.relationships  # noqa: B018  (untimed: every peer starts from the relationships)
        gc.collect()
        steps: tuple[tuple[str, Callable[[Network], object]], ...] = (
            ("build", Network.adjacency),
            ("pagerank", pagerank),
            ("reciprocity", lambda network: (reciprocity_summary(network), person_reciprocity(network))),
        )
        for step, fn in steps:
            t0 = time.perf_counter()
            fn(net)
            times[step].append(time.perf_counter() - t0)
        del net
    return {k: median(v) for k, v in times.items()}


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
        for it in range(1000):  # noqa: B007  (the count is returned after the loop)
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


# --- tables -----------------------------------------------------------------------------------


def fmt_s(value: float | None) -> str:
    if value is None or value != value:
        return "-"
    return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 100 else f"{value:.0f}"


def fmt_gib(value: float | None) -> str:
    return "-" if value is None else f"{value / GIB:.2f}"


def table(headers: list[str], rows: list[list[str]], title: str) -> str:
    """A Markdown table with aligned columns (readable on stdout and in the results file)."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if i else ("-" * (w + 2)) for i, w in enumerate(widths)) + "|"
    return "\n".join([f"\n{title}\n", line(headers), rule, *(line(r) for r in rows)])


def ratio(a: float | None, b: float | None) -> str:
    if not a or not b or a != a or b != b:
        return "-"
    return f"{a / b:.2f}x"


# --- the machine and the contenders' threads ---------------------------------------------


def machine() -> dict[str, Any]:
    """CPUs, RAM and Python of this machine."""
    ram = 0
    try:
        with open("/proc/meminfo") as fh:
            ram = int(next(line for line in fh if line.startswith("MemTotal")).split()[1]) * 1024
    except (OSError, StopIteration, ValueError):
        pass
    return {"nproc": os.cpu_count(), "ram_bytes": ram, "python": platform.python_version(), "platform": platform.platform(),
            "speed": speed_probe()}


def speed_probe() -> dict[str, float]:
    """Seconds (median of 3, one thread) for a Python loop of 5M additions and numpy's sort
    of 5M floats: the same work on every host, so two results files tell a slower machine
    from a slower engine."""
    import numpy as np

    def loop() -> None:
        total = 0
        for i in range(5_000_000):
            total += i

    values = np.random.default_rng(7).random(5_000_000)
    timings: dict[str, float] = {}
    for name, work in (("python_loop", loop), ("numpy_sort", lambda: np.sort(values))):
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            work()
            runs.append(time.perf_counter() - t0)
        timings[name] = statistics.median(runs)
    return timings


def thread_counts() -> dict[str, str]:
    """How many threads each contender uses in this run."""
    import numba
    import polars as pl

    polars_threads = pl.thread_pool_size()
    return {
        "ror-graph": f"polars {polars_threads}, numba {numba.config.NUMBA_NUM_THREADS} (pair scan, referral reach), "
        "triangles and cut edges 2, scipy sparse 1; `ror nurture` runs the reach estimate in a thread beside the rest",
        "igraph": "1",
        "networkx": "1",
        "scipy floor": "1",
        "polars floor": str(polars_threads),
    }


def header(title: str, results: dict[str, Any]) -> list[str]:
    m = results["machine"]
    lines = [
        f"# {title}",
        "",
        f"- command: `python benchmarks/bench_engine.py {' '.join(results['argv'])}`",
        f"- engine commit: {results['git_start']} (at the end: {results.get('git_end', '?')})",
        f"- date: {results['date']}",
        f"- machine: {m['nproc']} CPUs, {m['ram_bytes'] / GIB:.1f} GiB RAM, Python {m['python']}",
        speed_line(m.get("speed")),
        "- versions: " + ", ".join(f"{k} {v}" for k, v in results["versions"].items()),
        "- threads: " + "; ".join(f"{k}: {v}" for k, v in results["threads"].items()),
        f"- load average (1, 5, 15 min) before: {fmt_load(results['loadavg_start'])}; after: {fmt_load(results.get('loadavg_end'))}",
        f"- medians of {results['repeats']} run(s); wall times grow with the load average (other jobs share "
        "the CPUs), CPU time (user + sys of the child) much less.",
    ]
    return lines


def speed_line(speed: dict[str, float] | None) -> str:
    if not speed:
        return "- machine speed: not probed"
    return (f"- machine speed (one thread, median of 3): Python loop of 5M additions {speed['python_loop']:.3f} s, "
            f"numpy sort of 5M floats {speed['numpy_sort']:.3f} s; compare these across results files before "
            "comparing their timings")


def fmt_load(load: Any) -> str:
    return "?" if not load else " / ".join(f"{x:.1f}" for x in load)


# --- main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark `ror stats` and `ror nurture` end to end, per step, and against peers.")
    parser.add_argument("--size", choices=[*synth.SIZES, *synth.ALIASES], default="1m", help="synthetic log size (default: 1m)")
    parser.add_argument("--density", choices=synth.DENSITIES, default="sparse", help="synthetic log density (default: sparse)")
    parser.add_argument("--scaling", metavar="SIZES", help="end to end only, for each size, e.g. 1m,3m,10m,30m")
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement; the median is shown (default 3)")
    parser.add_argument("--large-repeats", type=int, default=1,
                        help="with --scaling: runs per measurement on logs of 30M events or more (default 1)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", help="folder of the shared datasets (default ../shared/data)")
    parser.add_argument("--skip-real", action="store_true", help="skip the real datasets")
    parser.add_argument("--skip-steps", action="store_true", help="skip the in-process per-step breakdown")
    parser.add_argument("--skip-peers", action="store_true", help="skip igraph, networkx, polars and scipy")
    parser.add_argument("--no-networkx", action="store_true", help="skip networkx")
    parser.add_argument("--ror-command", help="measure this command instead of `ror` (e.g. an older checkout's)")
    parser.add_argument("--label", default="", help="suffix of the results file name (e.g. before)")
    parser.add_argument("--baseline", help="with --scaling: also run this command (e.g. an older checkout's), "
                        "alternating with this checkout run by run, and report both with their ratio")
    args = parser.parse_args(argv)
    repeats = max(1, args.repeats)
    results: dict[str, Any] = {
        "argv": list(argv if argv is not None else sys.argv[1:]),
        "repeats": repeats,
        "seed": args.seed,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "threads": thread_counts(),
        "versions": {m: __import__(m).__version__ for m in ("polars", "numpy", "scipy", "numba", "igraph", "networkx")},
        "git_start": git_head(),
        "loadavg_start": os.getloadavg(),
    }
    command = args.ror_command.split() if args.ror_command else None
    if args.scaling:
        return scaling(args, results, command, repeats)
    size = synth.ALIASES.get(args.size, args.size)
    report: list[str] = []

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
            e2e = run_cli(["nurture", str(path)], repeats, command)
            log(f"{name}: per step in process")
            steps, sizes, _ = run_steps(path, repeats)
            real[name] = {"e2e": e2e, "steps": steps, "sizes": sizes}
            rows.append(
                [name, f"{sizes['events']:,}", f"{sizes['nodes']:,}", f"{sizes['relationships']:,}",
                 fmt_s(e2e["wall_s"]), fmt_s(e2e["cpu_s"]), fmt_gib(e2e["peak_bytes"]), *(fmt_s(steps[s]) for s in STEPS),
                 fmt_s(steps["total"])]
            )
        results["real"] = real
        report.append(table(
            ["dataset", "events", "people", "rel.", "wall s", "CPU s", "peak GiB", *STEPS, "in-proc"],
            rows,
            "## 1. Real datasets: `ror nurture FILE` end to end (subprocess) and per step (in process, seconds)",
        ))
        report.append("\nEnd to end includes Python start-up and imports and printing the top-20 table.")

    # 2. synthetic log
    n_events, n_people = synth.size_of(size)
    log(f"synthetic {size} {args.density}: {n_events:,} events / {n_people:,} people (cache {synth.cache_dir()})")
    paths = synth.ensure(n_events, n_people, args.seed, density=args.density, log=log)
    syn: dict[str, Any] = {"paths": {k: str(v) for k, v in paths.items()}}
    with tempfile.TemporaryDirectory() as tmp:
        for cmd in ("stats", "nurture"):
            log(f"synthetic {size} {args.density}: ror {cmd} end to end")
            syn[f"e2e_{cmd}"] = run_cli(e2e_args(cmd, paths["parquet"], tmp), repeats, command)
    rows = []
    for cmd in ("stats", "nurture"):
        e2e = syn[f"e2e_{cmd}"]
        target_s, target_b = TARGETS[cmd]
        rows.append([" ".join(["ror", *e2e_args(cmd, Path("EVENTS.parquet"), ".")]).replace("./", ""), fmt_s(e2e["wall_s"]),
                     fmt_s(e2e["cpu_s"]), fmt_gib(e2e["peak_bytes"]),
                     f"{target_s:g} s" + (f", {target_b / 1e9:g} GB" if target_b else "")])
    report.append(table(["end to end (subprocess)", "wall s", "CPU s", "peak GiB", "target at 10m"], rows,
                        f"## 2. Synthetic {size} {args.density}: {n_events:,} events among {n_people:,} people"))
    if not args.skip_steps:
        log(f"synthetic {size} (parquet): per step in process")
        steps, sizes, _ = run_steps(paths["parquet"], repeats)
        syn["steps"], syn["sizes"] = steps, sizes
        rows = [[s, fmt_s(steps[s]), fmt_s(steps[f"cpu_{s}"]), f"{100 * steps[f'cpu_{s}'] / steps['cpu_total']:.0f}%"]
                for s in STEPS]
        rows.append(["total (in process)", fmt_s(steps["total"]), fmt_s(steps["cpu_total"]), "100%"])
        report.append(table(["step (Parquet input, in process, fresh Network each repeat)", "wall s", "CPU s", "CPU share"], rows,
                            f"### Per step: {sizes['nodes']:,} people seen, {sizes['relationships']:,} directed "
                            f"relationships, {sizes['ties']:,} ties"))
    results["synthetic"] = syn

    # 3. peers
    if not args.skip_peers:
        report.extend(peers(args, size, paths, syn, repeats))
    return finish(args, results, f"Engine benchmark: synthetic {size} {args.density}", report, f"engine_{size}_{args.density}")


def peers(args, size: str, paths: dict[str, Path], syn: dict[str, Any], repeats: int) -> list[str]:
    """Section 3: ror-graph against igraph, networkx, polars and scipy on the same relationships."""
    from ror_graph.loaders import load_events
    from ror_graph.network import Network

    log("peers: edge list from ror-graph's relationships")
    dataset = load_events([paths["parquet"]])
    edges = edge_list(Network.from_dataset(dataset))
    log("peers: ror-graph build / pagerank / reciprocity (fresh Network per repeat)")
    ours = ror_graph_steps(dataset, repeats)
    del dataset
    gc.collect()
    log("peers: polars aggregation alone")
    floor = polars_floor(paths, repeats)
    log("peers: scipy PageRank floor")
    sci = scipy_pagerank_floor(edges, repeats)
    log("peers: igraph")
    igr = igraph_steps(edges, repeats)
    nxr, nx_note = None, ""
    big = synth.size_of(size)[0] > 3_000_000
    if not args.no_networkx:
        if big:
            log("peers: networkx on the 1m log (too slow here), scaled per edge")
            m_events, m_people = synth.size_of("1m")
            m_paths = synth.ensure(m_events, m_people, args.seed, density=args.density, log=log)
            m_edges = edge_list(Network.from_dataset(load_events([m_paths["parquet"]])))
            measured = networkx_steps(m_edges, repeats)
            factor = edges["s"].size / m_edges["s"].size
            nxr = {k: v * factor for k, v in measured.items()}
            nx_note = (f"\nnetworkx measured on the 1m {args.density} log ({m_edges['s'].size:,} edges: build "
                       f"{fmt_s(measured['build'])} s, pagerank {fmt_s(measured['pagerank'])} s, reciprocity "
                       f"{fmt_s(measured['reciprocity'])} s) and scaled x{factor:.1f} by edges (linear; optimistic for PageRank).")
            syn["networkx_measured_1m"] = measured
        else:
            log("peers: networkx")
            nxr = networkx_steps(edges, repeats)
    syn["peers"] = {"ror_graph": ours, "polars": floor, "scipy": sci, "igraph": igr, "networkx": nxr}
    est = "~" if big else ""

    def nx_cell(key: str) -> str:
        return "-" if nxr is None else est + fmt_s(nxr[key])

    steps = syn.get("steps")
    load_agg = steps["load"] + steps["from_dataset"] + steps["relationships"] if steps else None
    rows = [
        ["load + aggregate to directed pairs", fmt_s(load_agg), "-", "-", f"{fmt_s(floor['parquet'])} (polars, pq)",
         ratio(load_agg, floor["parquet"])],
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
    out = [table(
        ["task (same relationships)", "ror-graph s", "igraph s", "networkx s", "floor s", "ror/best"],
        rows,
        f"## 3. Peers on the same input ({size} {args.density}; medians of {repeats}; threads in the header)",
    )]
    out.append(
        f"\nror-graph: each repeat on a fresh Network (relationships built untimed); its PageRank includes its CSR "
        f"build (tol {engine_pagerank_tol():g} L1, float64). igraph = PRPACK; networkx = default tol.\n"
        f"scipy floor = same PageRank, transposed matrix built directly, lean loop; f32 vs f64 max |diff| "
        f"{sci['max_abs_diff_f32_vs_f64']:.1e}.\n"
        "polars floor = lazy scan + group_by(src, dst) count/min/max only (no validation, no id mapping)."
    )
    if nx_note:
        out.append(nx_note)
    return out


def scaling(args, results: dict[str, Any], command: list[str] | None, repeats: int) -> int:
    """End to end only (``ror stats``, ``ror nurture``) for each size: wall, CPU, peak RSS."""
    sizes = [synth.ALIASES.get(x.strip(), x.strip()) for x in args.scaling.split(",") if x.strip()]
    who = f" ({' '.join(command)})" if command else ""
    baseline = shlex.split(args.baseline) if args.baseline else None
    rows: list[list[str]] = []
    vs_rows: list[list[str]] = []
    data: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            n_events, n_people = synth.size_of(size)
            paths = synth.ensure(n_events, n_people, args.seed, density=args.density, log=log)
            for cmd in ("stats", "nurture"):
                log(f"{size} {args.density}: ror {cmd}")
                load0 = os.getloadavg()[0]
                runs = args.large_repeats if n_events >= 30_000_000 else repeats
                if baseline:
                    e2e, base = run_interleaved(e2e_args(cmd, paths["parquet"], tmp), runs, command, baseline)
                    data[f"{size}_{cmd}_baseline"] = base
                    vs_rows.append([size, f"ror {cmd}", str(runs), f"{fmt_s(base['wall_s'])} -> {fmt_s(e2e['wall_s'])}",
                                    ratio(e2e["wall_s"], base["wall_s"]), f"{fmt_s(base['cpu_s'])} -> {fmt_s(e2e['cpu_s'])}",
                                    ratio(e2e["cpu_s"], base["cpu_s"]),
                                    f"{fmt_gib(base['peak_bytes'])} -> {fmt_gib(e2e['peak_bytes'])}",
                                    ratio(e2e["peak_bytes"], base["peak_bytes"])])
                else:
                    e2e = run_cli(e2e_args(cmd, paths["parquet"], tmp), runs, command)
                e2e["load"] = (load0, os.getloadavg()[0])
                data[f"{size}_{cmd}"] = e2e
                rows.append([size, f"{n_events:,}", f"ror {cmd}", str(runs), fmt_s(e2e["wall_s"]), fmt_s(e2e["cpu_s"]),
                             fmt_gib(e2e["peak_bytes"]), f"{e2e['cpu_s'] / n_events * 1e9:.0f}",
                             f"{e2e['peak_bytes'] / n_events:.0f}", f"{load0:.1f} -> {e2e['load'][1]:.1f}"])
    results["scaling"] = data
    report = [table(["size", "events", "command", "runs", "wall s", "CPU s", "peak GiB", "CPU ns/event",
                         "peak B/event", "load 1 min"], rows,
                        f"## End to end on synthetic {args.density} logs (Parquet)")]
    report.append(f"\nstats = `ror stats EVENTS.parquet`; nurture = `ror nurture EVENTS.parquet --as-of {AS_OF} -o OUT.csv` "
                  "(with referral reach).")
    if baseline:
        results["baseline"] = args.baseline
        results["baseline_commits"] = checkout_commits(baseline)
        report.append(table(["size", "command", "rounds", "wall s: baseline -> this", "wall ratio", "CPU s",
                             "CPU ratio", "peak GiB", "peak ratio"], vs_rows,
                            f"\n## Against the baseline `{args.baseline}`, run for run in turn"))
        for path, commit in results["baseline_commits"].items():
            report.append(f"\n{path} is a checkout of commit {commit}.")
        report.append("\nEach round runs the baseline, then this checkout, on the same file; the medians (peaks: the "
                      "largest) of the rounds, and this checkout's figure divided by the baseline's.")
    suffix = f"_{args.label}" if args.label else ""
    return finish(args, results, f"Engine scaling, {args.density} logs{who}", report, f"engine_scaling_{args.density}{suffix}")


def finish(args, results: dict[str, Any], title: str, report: list[str], stem: str) -> int:
    """The header (with the load average at the end), stdout, and the files under results/
    (the .md is committed; the .json is not)."""
    results["loadavg_end"] = os.getloadavg()
    results["git_end"] = git_head()
    lines = header(title, results) + report
    if results["git_end"] != results.get("git_start"):
        lines.append(f"\nNOTE: the engine changed during the run ({results.get('git_start')} -> {results['git_end']}); "
                     "each subprocess ran the code of its start time.")
    text = "\n".join(lines) + "\n"
    print(text)
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    if args.label and not stem.endswith(args.label):
        stem += f"_{args.label}"
    (out_dir / f"{stem}.md").write_text(text)
    (out_dir / f"{stem}.json").write_text(json.dumps(results, indent=2, default=str))
    log(f"wrote {out_dir / stem}.md and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
