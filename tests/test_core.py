"""The lean core (one sort by pair and time, one pass) against a straightforward reference
computation with polars group-bys and an as-of join, on a real dataset and on small cases
with ties in time; the memory estimate and the progress display."""

from __future__ import annotations

import io
import time
from datetime import datetime, timedelta, timezone

import polars as pl
import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal

from ror_graph import progress as progress_mod
from ror_graph import strength
from ror_graph.cli import main
from ror_graph.errors import OptionError
from ror_graph.model import validate_events
from ror_graph.network import Network
from ror_graph.progress import check_memory, estimate_memory, progress, reporter, staged, step

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


# -- the reference: group-bys and an as-of join, no shared code with the engine ----------------


def _with_strength(net: Network) -> pl.DataFrame:
    """The events with intensity and contribution, from strength.py's rules directly."""
    intensity = strength.intensity(net.kind_weights)
    return net.events.with_columns(intensity=intensity, contribution=intensity * strength.decay(net.as_of, net.half_life))


def reference_relationships(net: Network) -> pl.DataFrame:
    ev = _with_strength(net)
    kinds = [k for k in net.kinds_present]
    rel = ev.group_by("s", "d").agg(
        pl.len().cast(pl.UInt32).alias("n_events"),
        *[(pl.col("kind") == k).sum().cast(pl.UInt32).alias(f"n_{k}") for k in kinds],
        pl.col("weight").sum().alias("weight_sum"),
        pl.col("ts").min().alias("first_ts"),
        pl.col("ts").max().alias("last_ts"),
        pl.col("contribution").sum().alias("strength"),
    )
    left = ev.select("s", "d", "ts").sort("ts")
    right = ev.select(pl.col("d").alias("s"), pl.col("s").alias("d"), pl.col("ts").alias("answer_ts")).sort("answer_ts")
    joined = left.join_asof(right, left_on="ts", right_on="answer_ts", by=["s", "d"], strategy="forward", check_sortedness=False)
    latency = (pl.col("answer_ts") - pl.col("ts")).dt.total_microseconds()
    answered = latency.is_not_null() & (latency <= int(net.reply_window.total_seconds() * 1e6))
    answers = joined.group_by("s", "d").agg(
        answered.mean().alias("answered_rate"),
        (latency.filter(answered).median() / 3.6e9).alias("answer_latency_h"),
    )
    rel = rel.join(answers, on=["s", "d"]).sort("s", "d")
    rel = net.names(net.names(rel, "s", "src"), "d", "dst")
    return rel.select("src", "dst", "s", "d", pl.exclude("src", "dst", "s", "d"))


def reference_ties(net: Network) -> tuple[pl.DataFrame, pl.DataFrame]:
    ev = _with_strength(net).with_columns(a=pl.min_horizontal("s", "d"), b=pl.max_horizontal("s", "d"))
    forward = pl.col("s") == pl.col("a")
    ties = ev.group_by("a", "b").agg(
        pl.len().cast(pl.UInt32).alias("n_events"),
        forward.sum().cast(pl.UInt32).alias("n_ab"),
        (~forward).sum().cast(pl.UInt32).alias("n_ba"),
        pl.col("contribution").filter(forward).sum().alias("strength_ab"),
        pl.col("contribution").filter(~forward).sum().alias("strength_ba"),
        pl.col("intensity").sum().alias("volume"),
        pl.col("ts").min().alias("first_ts"),
        pl.col("ts").max().alias("last_ts"),
        pl.col("kind").n_unique().cast(pl.UInt32).alias("n_kinds"),
    )
    res_us = int(net.resolution.total_seconds() * 1e6)
    periods = ev.select("a", "b", (pl.col("ts").dt.epoch("us") // res_us).alias("period")).unique().sort("a", "b", "period")
    gaps = periods.group_by("a", "b").agg(
        pl.len().cast(pl.UInt32).alias("active_periods"),
        (pl.col("period").diff().median() * net.resolution.total_seconds() / 86400).alias("usual_gap_days"),
    )
    ties = ties.join(gaps, on=["a", "b"]).with_columns((pl.col("strength_ab") + pl.col("strength_ba")).alias("strength"))
    return ties.sort("a", "b"), periods


def assert_same(net: Network) -> None:
    assert_frame_equal(net.relationships, reference_relationships(net), check_exact=False, rel_tol=1e-9)
    ties, periods = reference_ties(net)
    assert_frame_equal(net.ties, ties, check_exact=False, rel_tol=1e-9)
    assert_frame_equal(net.active_periods, periods)
    pairs = net.relationships.select("s", "d")
    reverse = pairs.select(pl.col("d").alias("s"), pl.col("s").alias("d"))
    expected = pairs.with_columns(pl.struct("s", "d").is_in(reverse.select(pl.struct("s", "d")).to_series().implode()).alias("mutual"))
    assert_frame_equal(net.directed_pairs, expected)
    assert net.n_ties == net.ties.height


@pytest.fixture(scope="module")
def college(shared_data):
    from ror_graph.loaders import load_events

    return load_events([str(shared_data / "collegemsg" / "CollegeMsg.txt")])


def test_collegemsg_tables_equal_the_reference(college):
    assert_same(Network.from_dataset(college))


def test_collegemsg_with_as_of_half_way_and_hourly_periods(college):
    assert_same(Network.from_dataset(college, as_of="2004-06-15", resolution="1h", reply_window="2d"))


def test_a_fresh_network_counts_without_building_the_aggregates(college):
    net = Network.from_dataset(college)
    n_rel, n_ties = net.directed_pairs.height, net.n_ties
    assert "_tables" not in net.__dict__  # stats' counts need only the sort
    assert (n_rel, n_ties) == (net.relationships.height, net.ties.height)


def test_edges_are_the_relationships_without_ids_and_nurture_needs_no_ids(college):
    from ror_graph.nurture import nurture_next

    net = Network.from_dataset(college)
    nurture_next(net, estimate_reach=False)
    assert "relationships" not in net.__dict__  # the analyses read edges; ids only on request
    rel = net.relationships
    assert rel.columns[:4] == ["src", "dst", "s", "d"]
    assert rel.drop("src", "dst").equals(net.edges)
    ids = net.nodes["node_id"]
    assert rel["src"].equals(ids.gather(rel["s"]), check_names=False)
    assert rel["dst"].equals(ids.gather(rel["d"]), check_names=False)


def test_the_network_keeps_indices_not_ids_and_gives_the_events_back(college):
    net = Network.from_dataset(college, as_of="2004-08-01")
    assert "src" not in net.events.columns and "dst" not in net.events.columns
    back = net.dataset.events
    assert back.columns == college.events.columns
    expected = college.events.filter(pl.col("ts") <= net.as_of)
    key = ["ts", "src", "dst"]
    assert back.sort(key).equals(expected.sort(key))
    assert net.dataset.notes == college.notes and net.loaded.events.height == 0


def test_at_is_the_network_built_at_that_earlier_time(college):
    net = Network.from_dataset(college, half_life="14d", resolution="1h")
    earlier = net.at("-60d")
    direct = Network.from_dataset(college, as_of=earlier.as_of, half_life="14d", resolution="1h")
    assert earlier.nodes.equals(direct.nodes) and earlier.relationships.equals(direct.relationships)
    assert earlier.ties.equals(direct.ties)
    with pytest.raises(OptionError, match="after this network's as_of"):
        earlier.at(net.as_of)


def test_answers_at_the_same_time_and_out_of_order_input():
    # a -> b and b -> a at the same second answer each other (latency 0); rows not in time order
    rows = [("a", "b", 50.0), ("b", "a", 10.0), ("a", "b", 10.0), ("a", "b", 10.0), ("b", "a", 200.0), ("c", "a", 10.0)]
    frame = pl.DataFrame({
        "src": [r[0] for r in rows], "dst": [r[1] for r in rows], "kind": ["message", "reply", "like", "message", "reply", "message"],
        "ts": [T0 + timedelta(hours=r[2]) for r in rows],
    })  # fmt: skip
    net = Network.from_dataset(validate_events(frame, source="t"))
    assert net.events["ts"].is_sorted()
    assert_same(net)
    ab = net.relationships.filter((pl.col("src") == "a") & (pl.col("dst") == "b")).row(0, named=True)
    # the two events at 10 h are answered at once (0 h), the one at 50 h after 150 h (< 7 days)
    assert ab["answered_rate"] == pytest.approx(1.0)
    assert ab["answer_latency_h"] == pytest.approx(0.0)


def test_ids_lose_surrounding_white_space_and_an_id_of_spaces_is_empty():
    from ror_graph.errors import InputError

    raw = pl.DataFrame({"src": [" ann", "bob\t", "\u00a0cy\u3000", "ann"], "dst": ["bob", " cy ", "ann", "d e"],
                        "kind": ["reply"] * 4, "ts": [1, 2, 3, 4]})
    events = validate_events(raw, source="ids.csv").events
    assert events["src"].to_list() == ["ann", "bob", "cy", "ann"]
    assert events["dst"].to_list() == ["bob", "cy", "ann", "d e"]  # inner spaces stay
    with pytest.raises(InputError) as error:
        validate_events(raw.with_columns(pl.Series("dst", ["bob", "cy", " \u3000 ", "d"])), source="ids.csv")
    assert error.value.field == "dst" and error.value.line == 4 and "empty id" in str(error.value)


# -- memory estimate ----------------------------------------------------------------------------


def test_estimate_counts_parquet_rows_and_scales_with_bytes_per_event(tmp_path, college):
    path = tmp_path / "events.parquet"
    college.events.write_parquet(path)
    est = estimate_memory([path])
    assert est.events == college.events.height
    assert est.needed_bytes == progress_mod.BASE_BYTES + progress_mod.BYTES_PER_EVENT * est.events
    text = tmp_path / "events.csv"
    college.events.drop("channel", "event_id").write_csv(text)
    assert 0.8 < estimate_memory([text]).events / college.events.height < 1.25


def test_estimate_of_a_folder_reads_a_sample_and_scales_the_rest_by_size(tmp_path, monkeypatch):
    rows = "".join(f"p{i},p{i + 1},reply,2024-01-01T00:00:{i % 60:02d}Z\n" for i in range(3000))
    for k in range(12):
        (tmp_path / f"part{k:02d}.csv").write_text("src,dst,kind,ts\n" + rows)
    monkeypatch.setattr(progress_mod, "FOLDER_SAMPLE_FILES", 3)
    read: list[str] = []
    count = progress_mod._count_events

    def counting(path):
        read.append(path.name)
        return count(path)

    monkeypatch.setattr(progress_mod, "_count_events", counting)
    events = estimate_memory([tmp_path]).events
    assert read == [tmp_path.name, "part00.csv", "part01.csv", "part02.csv"]
    assert 0.95 < events / (12 * 3001) < 1.05
    # a folder that vanishes while it is walked counts 0 instead of failing the run
    monkeypatch.setattr(progress_mod.os, "walk", lambda *a, **k: iter([(str(tmp_path / "gone"), [], ["x.csv"])]))
    assert estimate_memory([tmp_path]).events == 0


def test_estimate_of_a_missing_file_is_the_usual_one_line_error(tmp_path):
    result = CliRunner().invoke(main, ["stats", str(tmp_path / "nope.csv"), "--estimate"])
    assert result.exit_code == 1 and result.output.strip() == f"Error: {tmp_path / 'nope.csv'}: no such file"


def test_a_run_that_would_not_fit_stops_before_it_starts(tmp_path, college, monkeypatch):
    path = tmp_path / "events.parquet"
    college.events.write_parquet(path)
    monkeypatch.setattr(progress_mod, "BYTES_PER_EVENT", 10**9)  # as if each event needed 1 GB
    with pytest.raises(OptionError, match="would not fit"):
        check_memory([path])
    assert check_memory([path], ignore=True) is not None
    assert check_memory([path], backend="neo4j") is None
    runner = CliRunner()
    result = runner.invoke(main, ["stats", str(path)])
    assert result.exit_code == 1
    assert "would not fit" in result.output and "--ignore-memory" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert runner.invoke(main, ["stats", str(path), "--ignore-memory", "--format", "csv"]).exit_code == 0
    estimate = runner.invoke(main, ["stats", str(path), "--estimate"])
    assert estimate.exit_code == 0 and f"about {college.events.height:,} events" in estimate.output


# -- progress -----------------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_silent_when_stderr_is_not_a_terminal():
    out = io.StringIO()
    with progress("ror stats", delay=0.0, stream=out) as at:
        at("counting")
        step("sorting events by pair")
        time.sleep(0.2)
    assert out.getvalue() == ""


def test_progress_shows_steps_on_a_terminal_only_after_the_delay():
    quick, slow = Terminal(), Terminal()
    with progress("ror stats", delay=5.0, stream=quick):
        step("counting")
    assert quick.getvalue() == ""
    with progress("ror stats", delay=0.0, stream=slow):
        time.sleep(0.3)
        step("sorting events by pair")
        time.sleep(0.3)
    assert "ror stats" in slow.getvalue()
    step("outside any display")  # a no-op


def _plus_one(x):
    return x + 1


def test_progress_says_when_kernels_are_compiled_and_not_when_they_are_not():
    import numba

    compiled, loaded = Terminal(), Terminal()
    with progress("ror demo", delay=0.0, stream=compiled):
        assert numba.njit(_plus_one)(1) == 2  # a new dispatcher: compiled here
        time.sleep(0.2)
    # numba's error highlighting (colorama) took rich's stdout proxy as the terminal's stdout;
    # a compile outside the display gives it pytest's again (else it writes to a closed file at exit)
    numba.njit(_plus_one)(1)
    assert progress_mod.COMPILING in compiled.getvalue()
    with progress("ror demo", delay=0.0, stream=loaded):
        step("PageRank")
        time.sleep(0.2)
    assert "PageRank" in loaded.getvalue() and progress_mod.COMPILING not in loaded.getvalue()


def test_progress_has_a_row_per_step_with_its_bar_also_from_worker_threads():
    from concurrent.futures import ThreadPoolExecutor

    def reach_like() -> int:
        report = reporter()
        for k in range(1, 5):
            report(k, 4)  # as the RR-set chunks finish
        return 7

    out = Terminal()
    with progress("ror nurture", delay=0.0, stream=out):
        step("sorting events by pair")
        with ThreadPoolExecutor(1) as pool:
            assert pool.submit(staged("referral reach", reach_like)).result() == 7
        step("PageRank")
        reporter()(0.5, 1.0)
        time.sleep(0.3)
    text = out.getvalue()
    for row in ("ror nurture", "sorting events by pair", "referral reach", "PageRank"):
        assert row in text
    assert "100%" in text and "done" in text
    # Outside a display the same calls do nothing, and the work still runs.
    assert staged("referral reach", reach_like)() == 7
    reporter()(1, 2)


def test_person_sums_equal_bincount_over_both_ends_bit_for_bit():
    import numpy as np

    from ror_graph._personsums import edge_sums, tie_sums

    rng = np.random.default_rng(3)
    n, m = 50, 2000
    a, b = rng.integers(0, n, m).astype(np.uint32), rng.integers(0, n, m).astype(np.uint32)
    volume, risk = rng.random(m) * 10, rng.random(m)
    n_ab, n_ba = rng.integers(0, 9, m).astype(np.uint32), rng.integers(0, 9, m).astype(np.uint32)
    fading = rng.random(m) < 0.3

    def both(x=None, y=None):
        return np.bincount(a, x, minlength=n) + np.bincount(b, x if y is None else y, minlength=n)

    got = tie_sums(a, b, volume, risk, n_ab, n_ba, fading, n)
    want = [both(volume), both(risk * volume), both(n_ab * 1.0, n_ba * 1.0), both(n_ba * 1.0, n_ab * 1.0),
            both((n_ab + n_ba) * 1.0), both(), both(fading * 1.0)]
    for g, w in zip(got, want):
        assert np.array_equal(g, w)
    s, d = a, b
    n_events, rate, mutual = n_ab + 1, rng.random(m), rng.random(m) < 0.5
    got = edge_sums(s, d, n_events, rate, mutual, n)
    want = [np.bincount(s, minlength=n), np.bincount(s, mutual, minlength=n), np.bincount(d, minlength=n),
            np.bincount(d, n_events.astype(np.float64), minlength=n), np.bincount(d, rate * n_events, minlength=n)]
    for g, w in zip(got, want):
        assert np.array_equal(g, w)


def test_mutual_pairs_against_a_set_of_the_reversed_pairs():
    import numpy as np

    from ror_graph._pairscan import mutual_pairs

    rng = np.random.default_rng(5)
    for _ in range(30):
        n = int(rng.integers(1, 40))
        key = np.unique(rng.integers(0, n * n, int(rng.integers(0, 300))).astype(np.uint64))
        s, d = (key // n).astype(np.uint32), (key % n).astype(np.uint32)
        pairs = set(zip(s.tolist(), d.tolist()))
        want = [(b, a) in pairs for a, b in zip(s.tolist(), d.tolist())]
        assert mutual_pairs(s, d, n).tolist() == want


def test_pair_ends_are_the_distinct_pairs_before_and_after_the_relationships():
    import numpy as np

    from ror_graph.model import validate_events
    from ror_graph.network import Network
    from ror_graph.stats import network_stats

    rng = np.random.default_rng(11)
    src, dst = rng.integers(0, 30, 400), rng.integers(0, 30, 400)
    raw = pl.DataFrame({"src": [f"p{v}" for v in src], "dst": [f"p{v}" for v in dst], "kind": "reply",
                        "ts": np.arange(400)})
    dataset = validate_events(raw, source="test")
    fresh, built = Network.from_dataset(dataset), Network.from_dataset(dataset)
    _ = built.edges  # the pair order exists: pair_ends comes from it
    want = sorted(set(zip(fresh.events["s"].to_list(), fresh.events["d"].to_list())))
    for net in (fresh, built):
        s, d = net.pair_ends
        assert list(zip(s.tolist(), d.tolist())) == want
        assert net.directed_pairs.select("s", "d").rows() == want
    assert network_stats(fresh) == network_stats(built)


def test_pair_order_against_numpy_lexsort():
    import numpy as np

    from ror_graph._pairscan import pair_order

    rng = np.random.default_rng(3)
    for trial in range(40):
        n = int(rng.integers(1, 30))
        m = int(rng.integers(1, 400))
        skew = rng.integers(0, 3, m) if trial % 2 else rng.integers(0, n, m)  # a few people with long buckets
        s = np.minimum(skew, n - 1).astype(np.uint32)
        d = rng.integers(0, n, m).astype(np.uint32)
        ts = rng.integers(0, 10**9, m)
        lo, hi = np.minimum(s, d), np.maximum(s, d)
        want = np.lexsort((np.arange(m), hi, lo))
        order, fwd, ts_pair, starts, a, b, n_ab = pair_order(s, d, ts, n)
        assert order.tolist() == want.tolist()
        assert fwd.tolist() == (s < d)[want].tolist() and ts_pair.tolist() == ts[want].tolist()
        ties = sorted(set(zip(lo.tolist(), hi.tolist())))
        assert list(zip(a.tolist(), b.tolist())) == ties
        keys = list(zip(lo[want].tolist(), hi[want].tolist()))
        assert starts.tolist() == [keys.index(t) for t in ties] + [m]
        assert n_ab.tolist() == [int(((lo == x) & (hi == y) & (s < d)).sum()) for x, y in ties]


def test_directed_rows_sorted_with_mutual_flags_and_positions():
    import numpy as np

    from ror_graph._pairscan import directed_rows

    rng = np.random.default_rng(7)
    for _ in range(30):
        n = int(rng.integers(2, 40))
        key = np.unique(rng.integers(0, n * n, int(rng.integers(1, 300))).astype(np.int64))
        a, b = key // n, key % n
        keep = a < b
        a, b = a[keep].astype(np.uint32), b[keep].astype(np.uint32)  # ties a < b, sorted
        n_ab, n_ba = rng.integers(0, 3, a.size).astype(np.uint32), rng.integers(0, 3, a.size).astype(np.uint32)
        n_ab[(n_ab == 0) & (n_ba == 0)] = 1
        tie_order = [(x, y) for t, (x, y) in enumerate(zip(a.tolist(), b.tolist())) for (x, y, k) in
                     ((x, y, n_ab[t]), (y, x, n_ba[t])) if k > 0]
        src, dst, mutual, position = directed_rows(a, b, n_ab, n_ba, n)
        assert list(zip(src.tolist(), dst.tolist())) == sorted(tie_order)
        assert [tie_order[i] for i in np.argsort(position)] == sorted(tie_order)
        pairs = set(tie_order)
        assert mutual.tolist() == [(y, x) in pairs for x, y in zip(src.tolist(), dst.tolist())]


def test_grouped_by_gives_the_transpose_in_scipy_order():
    import numpy as np
    import scipy.sparse as sp

    from ror_graph._pairscan import grouped_by

    rng = np.random.default_rng(11)
    for _ in range(20):
        n = int(rng.integers(1, 30))
        key = np.unique(rng.integers(0, n * n, int(rng.integers(0, 200))))
        rows, cols = (key // n).astype(np.int32), (key % n).astype(np.uint32)
        values = rng.random(key.size)
        want = sp.csr_matrix((values, (rows, cols)), shape=(n, n)).T.tocsr()
        indptr, indices, data = grouped_by(cols, rows, values, n)
        assert np.array_equal(indptr, want.indptr) and np.array_equal(indices, want.indices)
        assert indices.dtype == np.int32 and np.array_equal(data, want.data)
