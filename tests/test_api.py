"""The Python API: the backend interface, the front door (``import ror_graph as rg``), and
library errors that name parameters, not command-line flags."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ror_graph.backends import BACKENDS, GraphRequest, get_backend
from ror_graph.backends.base import STATS_COLUMNS, Analyses, Backend
from ror_graph.errors import OptionError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = str(ROOT / "sample_data" / "events.csv")


@pytest.fixture(scope="module")
def analyses() -> Analyses:
    return get_backend("memory").open(GraphRequest(sources=(SAMPLE,), me="brand"))


# -- the backend interface ---------------------------------------------------------------------


def test_registry_names_match_the_cli_choice():
    from cli import BACKEND_NAMES

    assert list(BACKENDS) == BACKEND_NAMES == ["memory", "neo4j", "spark"]


def test_get_backend_is_lazy_and_checks_names_and_settings():
    assert isinstance(get_backend("memory"), Backend)
    assert get_backend("neo4j", uri="bolt://example:7687", password=None).name == "neo4j"
    with pytest.raises(OptionError, match="unknown backend 'dask'"):
        get_backend("dask")
    with pytest.raises(OptionError, match="does not take setting"):
        get_backend("memory", uri="bolt://x")


def test_memory_analyses_match_the_library_functions(analyses):
    from ror_graph.fading import fading_ties
    from ror_graph.influence import influencers
    from ror_graph.nurture import nurture_next
    from ror_graph.reciprocity import person_reciprocity, relationship_reciprocity

    net = analyses.network()
    assert analyses.me == "brand"
    assert_frame_equal(analyses.influencers(), influencers(net, me="brand"))
    assert_frame_equal(analyses.fading(), fading_ties(net, me="brand"))
    assert_frame_equal(analyses.reciprocity(), relationship_reciprocity(net, me="brand"))
    assert_frame_equal(analyses.reciprocity(level="person"), person_reciprocity(net).filter(pl.col("node_id") == "brand"))
    assert_frame_equal(analyses.nurture_next(reach=False), nurture_next(net, me="brand", estimate_reach=False))


def test_stats_is_one_typed_row(analyses):
    stats = analyses.stats()
    assert stats.height == 1 and stats.columns == list(STATS_COLUMNS)
    assert stats.schema["nodes"] == pl.Int64 and stats.schema["rho"] == pl.Float64
    assert isinstance(stats.schema["as_of"], pl.Datetime)
    summary = analyses.reciprocity_summary()
    generic = Analyses.reciprocity_summary(analyses)  # from stats(), for backends without a Network
    assert generic == pytest.approx({k: summary[k] for k in generic})


def test_fade_options_are_checked(analyses):
    with pytest.raises(OptionError, match="unknown fade option"):
        analyses.fading(horizon=3)


def test_neo4j_backend_takes_no_sources():
    with pytest.raises(OptionError, match="not sources="):
        get_backend("neo4j").open(GraphRequest(sources=(SAMPLE,)))


def test_unknown_ego_fails_at_open():
    with pytest.raises(OptionError, match="unknown id 'nobody'"):
        get_backend("memory").open(GraphRequest(sources=(SAMPLE,), me="nobody"))


# -- parameter names become flags in one place -------------------------------------------------


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("no events on or before as_of=2024-01-01", "no events on or before --as-of 2024-01-01"),
        ("not sources=: store them", "not EVENTS: store them"),
        ("prob='x' is unknown; best=3", "--prob 'x' is unknown; --best 3"),
        ("use --option delimiter=, or KEY=VALUE", "use --option delimiter=, or KEY=VALUE"),
    ],
)
def test_cli_turns_parameter_names_into_flags(message, expected):
    from cli import in_cli_terms, main

    assert in_cli_terms(message, main) == expected


# -- the front door ----------------------------------------------------------------------------


def test_the_three_line_example_from_the_issue():
    import ror_graph as rg

    net = rg.read(SAMPLE)
    top = rg.nurture_next(net, me="brand").head(10)
    assert top.columns[:4] == ["rank", "node_id", "priority", "fade_risk"] and top.height == 10
    for table in (rg.fading(net), rg.influencers(net), rg.reciprocity(net), rg.referral_reach(net, seeds=["brand"])):
        assert isinstance(table, pl.DataFrame) and table.height > 0
    frame = pl.read_csv(SAMPLE)
    assert rg.Network.from_events(frame, as_of="2026-01-01").as_of.isoformat() == "2026-01-01T00:00:00+00:00"


def test_api_tables_equal_the_cli_files(tmp_path):
    import ror_graph as rg
    from click.testing import CliRunner

    from cli import main

    out = tmp_path / "nurture.parquet"
    result = CliRunner().invoke(main, ["nurture", SAMPLE, "--me", "brand", "--no-reach", "-o", str(out)])
    assert result.exit_code == 0, result.output
    cli_table = pl.read_parquet(out).drop("community", strict=False)  # the CLI adds Leiden communities
    assert_frame_equal(rg.nurture_next(rg.read(SAMPLE), me="brand", reach=False), cli_table)


def test_read_takes_frames_paths_and_options(tmp_path):
    import pandas as pd

    import ror_graph as rg

    frame = rg.example_events()
    from_pandas = rg.read(pd.DataFrame({**frame.to_dict(as_series=False)}))
    assert from_pandas.events.height == rg.read(frame).events.height == 12
    renamed = frame.rename({"src": "from", "dst": "to"})
    assert rg.read(renamed, column_map={"src": "from", "dst": "to"}).n == 5
    path = tmp_path / "events.csv"
    renamed.write_csv(path)
    assert rg.read([path], column_map={"src": "from", "dst": "to"}).n == 5
    assert rg.read(str(path), "canonical", column_map="src=from,dst=to", as_of="2024-02-01").n == 3
    with pytest.raises(rg.InputError, match="expected a polars or pandas DataFrame"):
        rg.Network.from_events([("a", "b")])


def test_front_door_is_lazy_and_complete():
    import subprocess
    import sys

    code = "import sys, ror_graph as rg; rg.OptionError; print('polars' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
    import ror_graph as rg

    assert dir(rg) == sorted(rg.__all__)
    for name in rg.__all__:
        assert getattr(rg, name) is not None, name
    with pytest.raises(AttributeError):
        rg.no_such_thing  # noqa: B018


def test_api_names_that_are_also_modules_stay_modules():
    import ror_graph as rg
    from ror_graph import reciprocity as rec
    from ror_graph import stats as stats_module

    net = rg.read(rg.example_events())
    assert rec.reciprocity_summary(net).edges == 8 and callable(rec)
    assert stats_module.network_stats(net).nodes == rg.stats(net)["nodes"][0] == 5
    assert rg.fading.fading_ties(net).height == rg.fading(net).height


def test_library_errors_name_parameters_not_flags():
    import ror_graph as rg

    net = rg.read(rg.example_events())
    with pytest.raises(rg.OptionError) as err:
        rg.read(rg.example_events(), as_of="2000-01-01")
    assert "as_of=" in str(err.value) and "--" not in str(err.value)
    with pytest.raises(rg.OptionError) as err:
        rg.referral_reach(net, prob="sometimes")
    assert "prob=" in str(err.value) and "--" not in str(err.value)


def test_every_python_block_in_docs_api_md_runs(monkeypatch, capsys):
    import re

    monkeypatch.chdir(ROOT)
    text = (ROOT / "docs" / "api.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 4
    for block in blocks:
        exec(compile(block, "docs/api.md", "exec"), {})
    assert "no events on or before as_of=1999-01-01" in capsys.readouterr().out


@pytest.mark.neo4j
def test_neo4j_backend_answers_like_memory(neo4j_clean):
    """get_backend("neo4j") reads the stored graph back: the same tables as the memory backend."""
    from ror_graph.backends.neo4j import connect
    from ror_graph.loaders import load_events

    settings = {k: neo4j_clean[k] for k in ("uri", "user", "password", "database")}
    with connect(**settings) as graph:
        graph.load(load_events([SAMPLE]), progress=False)
    stored = get_backend("neo4j", **settings).open(GraphRequest(me="brand"))
    memory = get_backend("memory").open(GraphRequest(sources=(SAMPLE,), me="brand"))
    assert_frame_equal(stored.nurture_next(reach=False), memory.nurture_next(reach=False), check_exact=False, rel_tol=1e-9)
    assert_frame_equal(stored.stats(), memory.stats())


def test_front_door_functions_have_numpydoc_docstrings():
    import inspect

    import ror_graph as rg
    from ror_graph import api

    for name in api.__all__:
        doc = inspect.getdoc(getattr(api, name)) or ""
        for section in ("Parameters", "Returns", "Example"):
            assert f"{section}\n---" in doc or (section == "Parameters" and not inspect.signature(getattr(api, name)).parameters), (name, section)
    for name in ("read", "nurture_next", "fading", "influencers", "reciprocity", "referral_reach", "stats"):
        assert "References\n---" in (inspect.getdoc(getattr(api, name)) or ""), name
    assert "Example\n---" in (inspect.getdoc(rg.Network.from_events) or "")


def test_library_errors_name_parameters_not_cli_flags():
    """No raise outside cli.py puts a command-line flag (``--as-of``) in its message: the library
    names the parameter (``as_of=``) and cli.in_cli_terms turns it into the flag."""
    import ast
    import re

    flag = re.compile(r"(?<![\w-])--[a-z][a-z-]+")
    found = []
    for path in sorted((ROOT / "ror_graph").rglob("*.py")) + sorted((ROOT / "loaders").glob("*.py")):
        if path.name == "cli.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and getattr(node.exc.func, "id", "") in (
                "OptionError", "InputError", "BackendError", "RorGraphError"):
                text = " ".join(c.value for c in ast.walk(node.exc) if isinstance(c, ast.Constant) and isinstance(c.value, str))
                if flag.search(text):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {flag.findall(text)}")
    assert not found, "\n".join(found)
