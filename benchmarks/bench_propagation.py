"""Benchmark: independent cascade Monte Carlo and seed selection, ror-graph vs peers.

    python benchmarks/bench_propagation.py            # ~5-10 minutes on 2 cores
    python benchmarks/bench_propagation.py --quick    # smaller graph, fewer sims (a smoke run)

Graph: synthetic directed power-law graph (Chung-Lu: out- and in-weights ~ rank^-0.8,
independently permuted), 100k nodes, ~1M edges, fixed seed. Seeds: the 10 nodes of largest
out-degree. Probabilities: constant 0.01, and weighted cascade (1 / in-degree).

Each (tool, case) runs in its own subprocess, after a warm-up (numba's compiled code is
cached on disk; the warm-up also loads it). Times are medians of 3 runs; memory is the peak
resident set growth during the runs (ru_maxrss after minus before), on top of the graph.

* ror-graph: :func:`ror_graph.propagation.monte_carlo` (all 10,000 sims every run) on all
  cores (numba's parallel loop), again on one thread (``NUMBA_NUM_THREADS=1``, the row
  "ror-graph 1 thread", to compare with the single-threaded peers), and
  :func:`ror_graph.propagation.imm` for k = 50, epsilon = 0.1.
* cynetdiff: IndependentCascadeModel on the same CSR arrays and probabilities.
  Weighted cascade runs fewer sims and is extrapolated linearly (said in the table).
* ndlib: IndependentCascadesModel with per-edge "threshold" = the same probabilities; it
  takes seconds per simulation at this size, so it runs a few sims, extrapolated linearly.
  Building its networkx graph and configuration is not timed.

The table states each row's threads and goes to stdout and to
``benchmarks/results/propagation.md`` with the commit, date, machine and load average
before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIMS = 10_000
K = 50
EPSILON = 0.1


def make_graph(n: int, m: int, seed: int = 0):
    """Chung-Lu directed power-law graph as (src, dst) without self-loops or duplicates."""
    rng = np.random.default_rng(seed)
    w = np.arange(1, n + 1, dtype=np.float64) ** -0.8
    w_out = rng.permutation(w)
    w_in = rng.permutation(w)
    draw = int(m * 1.08)
    src = rng.choice(n, size=draw, p=w_out / w_out.sum())
    dst = rng.choice(n, size=draw, p=w_in / w_in.sum())
    keep = src != dst
    pairs = np.unique(src[keep].astype(np.int64) * n + dst[keep], axis=0)[:m]
    pairs = rng.permutation(pairs)[:m]
    return np.sort(pairs) // n, np.sort(pairs) % n


def graph_arrays(n: int, m: int, case: str, cache: Path):
    path = cache / f"graph_{n}_{m}.npz"
    if not path.exists():
        s, d = make_graph(n, m)
        np.savez(path, s=s, d=d)
    data = np.load(path)
    from ror_graph.propagation import PropagationGraph

    s, d = data["s"], data["d"]
    if case == "const":
        p = np.full(s.size, 0.01)
    else:
        indeg = np.bincount(d, minlength=n)
        p = 1.0 / indeg[d]
    graph = PropagationGraph.from_edges(n, s, d, p)
    seeds = np.argsort(-np.diff(graph.indptr), kind="stable")[:10]
    return graph, seeds


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(tool: str, case: str, n: int, m: int, sims: int, cache: Path) -> dict:
    from ror_graph import propagation as prop

    graph, seeds = graph_arrays(n, m, case, cache)
    times: list[float] = []
    result: dict = {"tool": tool, "case": case, "sims": sims}
    if tool in ("ror-graph", "ror-graph-1thread"):
        prop.monte_carlo(graph, seeds, sims=10, seed=0)  # warm-up (loads cached machine code)
        before = _rss_mb()
        for run in range(3):
            t = time.perf_counter()
            est = prop.monte_carlo(graph, seeds, sims=sims, seed=run)
            times.append(time.perf_counter() - t)
        result.update(mean=est.mean, stderr=est.stderr, run_sims=sims)
    elif tool == "ror-graph-imm":
        prop.imm(graph, 2, epsilon=0.5, seed=0)
        before = _rss_mb()
        for run in range(3):
            t = time.perf_counter()
            sel = prop.imm(graph, K, epsilon=EPSILON, seed=run)
            times.append(time.perf_counter() - t)
        check = prop.monte_carlo(graph, sel.seeds, sims=1000, seed=7)
        top = np.argsort(-np.diff(graph.indptr), kind="stable")[:K]
        degree = prop.monte_carlo(graph, top, sims=1000, seed=7)
        result.update(mean=check.mean, stderr=check.stderr, theta=sel.theta, rr_estimate=float(sel.gain.sum()),
                      degree_mean=degree.mean, run_sims=0)
    elif tool == "cynetdiff":
        import array

        from cynetdiff.models import IndependentCascadeModel

        run_sims = sims if case == "const" else max(1, sims // 10)
        model = IndependentCascadeModel(
            array.array("I", graph.indptr[:-1].astype(np.uint32).tobytes()),
            array.array("I", graph.indices.astype(np.uint32).tobytes()),
            activation_probs=array.array("f", graph.prob.astype(np.float32).tobytes()),
            rng=0,
        )
        model.set_seeds([int(v) for v in seeds])
        before = _rss_mb()
        for _run in range(3):
            out = np.empty(run_sims)
            t = time.perf_counter()
            for i in range(run_sims):
                model.reset_model()
                model.advance_until_completion()
                out[i] = model.get_num_activated_nodes()
            times.append((time.perf_counter() - t) * sims / run_sims)
        result.update(mean=float(out.mean()), stderr=float(out.std(ddof=1) / np.sqrt(run_sims)), run_sims=run_sims)
    elif tool == "ndlib":
        import networkx as nx
        import ndlib.models.ModelConfig as mc
        import ndlib.models.epidemics as ep

        run_sims = 2
        g = nx.DiGraph()
        g.add_nodes_from(range(graph.n))
        src = graph.src.tolist()
        dst = graph.indices.tolist()
        g.add_edges_from(zip(src, dst))
        config = mc.Configuration()
        config.add_model_initial_configuration("Infected", [int(v) for v in seeds])
        for u, v, p in zip(src, dst, graph.prob.tolist()):
            config.add_edge_configuration("threshold", (u, v), p)
        np.random.seed(0)
        before = _rss_mb()
        for _run in range(3):
            out = []
            t = time.perf_counter()
            for _ in range(run_sims):
                model = ep.IndependentCascadesModel(g)
                model.set_initial_status(config)
                while True:
                    it = model.iteration(node_status=False)
                    if it["node_count"][1] == 0:
                        break
                out.append(it["node_count"][2])
            times.append((time.perf_counter() - t) * sims / run_sims)
        result.update(mean=float(np.mean(out)), stderr=float("nan"), run_sims=run_sims)
    else:
        raise SystemExit(f"unknown tool {tool}")
    import numba

    threads = numba.get_num_threads() if tool.startswith("ror-graph") else 1  # cynetdiff and ndlib: one thread
    result.update(seconds=statistics.median(times), runs=times, peak_mb=_rss_mb() - before, rss_mb=_rss_mb(), threads=threads)
    return result


def run_child(tool: str, case: str, args: argparse.Namespace, cache: Path) -> dict | None:
    cmd = [sys.executable, __file__, "--worker", tool, case, "--n", str(args.n), "--m", str(args.m),
           "--sims", str(args.sims), "--cache", str(cache)]
    env = dict(os.environ, NUMBA_NUM_THREADS="1") if tool == "ror-graph-1thread" else None
    if tool == "ror-graph-1thread":
        cmd[cmd.index(tool)] = "ror-graph"
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        print(f"  {tool} {case}: skipped ({last})", file=sys.stderr)
        return None
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["tool"] = tool
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k nodes / 100k edges, 1000 sims")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--m", type=int, default=1_000_000)
    parser.add_argument("--sims", type=int, default=SIMS)
    parser.add_argument("--no-ndlib", action="store_true", help="skip ndlib (slow to set up)")
    parser.add_argument("--worker", nargs=2, metavar=("TOOL", "CASE"), help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], args.worker[1], args.n, args.m, args.sims, Path(args.cache))))
        return
    if args.quick:
        args.n, args.m, args.sims = 10_000, 100_000, 1000
    load_before, commit = os.getloadavg(), _commit()
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        print(f"graph: {args.n:,} nodes, ~{args.m:,} edges (Chung-Lu power law); 10 top out-degree seeds; "
              f"{args.sims:,} IC sims; {os.cpu_count()} cores", file=sys.stderr)
        rows = []
        for case in ("const", "wc"):
            tools = ["ror-graph", "ror-graph-1thread", "cynetdiff"] + ([] if args.no_ndlib else ["ndlib"]) + ["ror-graph-imm"]
            for tool in tools:
                print(f"  running {tool} ({case})...", file=sys.stderr)
                res = run_child(tool, case, args, cache)
                if res:
                    rows.append(res)
    lines = [
        "# Propagation benchmark: independent cascade and seed selection",
        "",
        f"- command: `python benchmarks/bench_propagation.py {' '.join(sys.argv[1:])}`",
        f"- engine commit: {commit}; date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- machine: {os.cpu_count()} CPUs, {_ram_gib():.1f} GiB RAM, Python {sys.version.split()[0]}",
        f"- graph: {args.n:,} nodes, ~{args.m:,} edges (Chung-Lu power law); 10 top out-degree seeds; {args.sims:,} IC sims",
        "- threads: per row (ror-graph's Monte Carlo and IMM run numba's parallel loops on every core; "
        "cynetdiff and ndlib run on one thread; the 'ror-graph 1 thread' row compares like with like)",
        f"- load average (1, 5, 15 min) before: {' / '.join(f'{x:.1f}' for x in load_before)}; "
        f"after: {' / '.join(f'{x:.1f}' for x in os.getloadavg())} (other jobs share the CPUs)",
        "",
        *print_table(rows, args),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "benchmarks" / "results" / "propagation.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text)
    print(f"wrote {out}", file=sys.stderr)


def _commit() -> str:
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "unknown"


def _ram_gib() -> float:
    try:
        with open("/proc/meminfo") as fh:
            return int(next(line for line in fh if line.startswith("MemTotal")).split()[1]) / 1024**2
    except (OSError, StopIteration, ValueError):
        return float("nan")


def print_table(rows: list[dict], args: argparse.Namespace) -> list[str]:
    """The results as Markdown table lines."""
    label = {"const": "IC p=0.01", "wc": "IC weighted cascade"}
    out = ["| case | tool | threads | what | median s (3 runs) | vs ror-graph | expected reach | peak MB (growth / process) |",
           "|---|---|---|---|---|---|---|---|"]
    for case in ("const", "wc"):
        ours = next((r for r in rows if r["tool"] == "ror-graph" and r["case"] == case), None)
        for r in rows:
            if r["case"] != case:
                continue
            if r["tool"] == "ror-graph-imm":
                what = f"IMM k={K} eps={EPSILON} (theta={r['theta']:,} RR sets)"
                reach = f"{r['mean']:,.1f} (top-degree {r['degree_mean']:,.1f})"
                ratio = ""
            else:
                extrap = r["run_sims"] < args.sims
                what = f"{args.sims:,} sims" + (f" (ran {r['run_sims']:,}, extrapolated)" if extrap else "")
                reach = f"{r['mean']:,.1f}" + (f" +- {1.96 * r['stderr']:,.1f}" if r["stderr"] == r["stderr"] else "")
                ratio = f"{r['seconds'] / ours['seconds']:.1f}x" if ours else ""
            tool = "ror-graph 1 thread" if r["tool"] == "ror-graph-1thread" else r["tool"]
            out.append(f"| {label[case]} | {tool} | {r['threads']} | {what} | {r['seconds']:.2f} | {ratio} | {reach} | "
                       f"{r['peak_mb']:.0f} / {r['rss_mb']:.0f} |")
    return out


if __name__ == "__main__":
    main()
