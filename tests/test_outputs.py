"""Outputs machines can read: every table command's JSON, NDJSON, CSV and Parquet files read back
with numbers as numbers (integers as integers) and times as ISO 8601 text or UTC timestamps;
thousands separators only in the terminal table."""

from __future__ import annotations

import json
import math
import os
import re
import threading
from datetime import date, datetime
from pathlib import Path

import click
import polars as pl
import pytest
from click.testing import CliRunner

from cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = str(ROOT / "sample_data" / "events.csv")
EGO = ["--me", "brand"]

#: Arguments per command (default: the sample log and the ego). Commands that need a server
#: (`neo4j ...`) are tested in tests/test_neo4j_*.py.
ARGS: dict[str, list[str]] = {
    "demo": [],
    "loaders": [],
    "neo4j queries": [],
    "stats": [SAMPLE],
    "influencers": [SAMPLE, *EGO],
    "reciprocity": [SAMPLE, *EGO],
    "reciprocity --by person": [SAMPLE, "--by", "person"],
    "fading": [SAMPLE, *EGO],
    "nurture": [SAMPLE, *EGO],
    "nurture (community)": [SAMPLE],
    "referral": [SAMPLE, "--epsilon", "0.3"],
    "referral --seeds": [SAMPLE, "--seeds", "brand", "--sims", "200"],
    "referral --best": [SAMPLE, "--best", "3", "--sims", "100", "--epsilon", "0.3"],
    "referral --gain": [SAMPLE, *EGO, "--gain"],
    "plan": [SAMPLE, *EGO],
    "diff": [SAMPLE, *EGO, "--since", "-90d"],
    "communities": [SAMPLE],
    "intro": [SAMPLE, *EGO, "--to", "ivo_bak"],
    "suggest": [SAMPLE, *EGO],
    "backtest": [SAMPLE, "--as-of", "2026-04-01", "--task", "fading", "--task", "value"],
}
SERVER_COMMANDS = {"neo4j load", "neo4j write-scores", "neo4j query"}
THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def _table_commands(group: click.Group, prefix: str = "") -> list[str]:
    """Every command that writes a table (it has --format with json and parquet)."""
    out = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            out += _table_commands(command, f"{prefix}{name} ")
            continue
        fmt = next((p for p in command.params if p.name == "fmt"), None)
        if fmt is not None and {"json", "parquet"} <= set(getattr(fmt.type, "choices", ())):
            out.append(prefix + name)
    return out


def test_every_table_command_is_covered():
    missing = set(_table_commands(main)) - {case.split(" (")[0].split(" --")[0] for case in ARGS} - SERVER_COMMANDS
    assert not missing, f"add arguments for {sorted(missing)} to ARGS in tests/test_outputs.py"


def _run(case: str, path: Path) -> None:
    command = case.split(" (")[0].split(" --")[0].split()
    result = CliRunner().invoke(main, [*command, *ARGS[case], "-o", str(path)])
    assert result.exit_code == 0, (case, result.output)


def _check_value(value: object, dtype: pl.DataType, where: str) -> None:
    if value is None:
        return
    if dtype.is_integer():
        assert isinstance(value, int) and not isinstance(value, bool), where
    elif dtype.is_float():
        assert isinstance(value, (int, float)) and not isinstance(value, bool), where
    elif dtype == pl.Boolean:
        assert isinstance(value, bool), where
    elif isinstance(dtype, pl.Datetime):
        assert isinstance(value, str) and datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None, where
    elif dtype == pl.Date:
        assert isinstance(value, str) and date.fromisoformat(value), where
    elif dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
        assert isinstance(value, str) and not THOUSANDS.match(value), f"{where}: {value!r} is a formatted number"
    else:
        raise AssertionError(f"{where}: {dtype} has no plain JSON form")


def _check_frame(frame: pl.DataFrame, case: str) -> None:
    for name, dtype in frame.schema.items():
        assert not isinstance(dtype, (pl.List, pl.Struct, pl.Object, pl.Duration)), f"{case}: {name} is {dtype}"
        if isinstance(dtype, pl.Datetime):
            assert dtype.time_zone == "UTC", f"{case}: {name} is {dtype}, not UTC"
        if dtype == pl.String:
            bad = frame.filter(pl.col(name).str.contains(THOUSANDS.pattern))
            assert bad.height == 0, f"{case}: {name} holds formatted numbers: {bad[name].head(3).to_list()}"


def _same_row(a: dict, b: dict) -> bool:
    def same(x: object, y: object) -> bool:
        if isinstance(x, float) and isinstance(y, float):
            return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(x) and math.isnan(y))
        return x == y

    return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, dict[str, Path]]:
    """Each case written once as Parquet, JSON, NDJSON and CSV."""
    out: dict[str, dict[str, Path]] = {}
    folder = tmp_path_factory.mktemp("outputs")
    for i, case in enumerate(ARGS):
        out[case] = {}
        for ext in ("parquet", "json", "ndjson", "csv"):
            path = folder / f"{i}.{ext}"
            _run(case, path)
            out[case][ext] = path
    return out


@pytest.mark.parametrize("case", list(ARGS))
def test_json_ndjson_csv_and_parquet_are_typed(written, case):
    files = written[case]
    frame = pl.read_parquet(files["parquet"])
    assert frame.height > 0, case
    _check_frame(frame, case)
    rows = json.loads(files["json"].read_text())
    ndjson = [json.loads(line) for line in files["ndjson"].read_text().splitlines() if line.strip()]
    assert len(rows) == len(ndjson) == frame.height, case
    assert all(_same_row(a, b) for a, b in zip(rows, ndjson)), case  # separate runs: floats to 1e-9
    assert list(rows[0]) == frame.columns, case
    for row in rows:
        for name, dtype in frame.schema.items():
            _check_value(row[name], dtype, f"{case}: {name}")
    csv = pl.read_csv(files["csv"], infer_schema_length=None)
    for name, dtype in frame.schema.items():
        if dtype.is_numeric() and frame[name].null_count() < frame.height:
            assert csv.schema[name].is_numeric(), f"{case}: {name} is {csv.schema[name]} in the CSV"


def test_stats_file_has_numbers_and_the_terminal_has_separators(tmp_path):
    out = tmp_path / "stats.json"
    assert CliRunner().invoke(main, ["stats", SAMPLE, "-o", str(out)]).exit_code == 0
    row = json.loads(out.read_text())[0]
    assert row["events"] == 20247 and isinstance(row["rho"], float) and row["as_of"].endswith("Z")
    terminal = CliRunner().invoke(main, ["stats", SAMPLE]).stdout
    assert "20,247" in terminal and "20247" not in terminal


@pytest.mark.neo4j
def test_neo4j_commands_write_typed_files(neo4j_clean, tmp_path):
    """`ror neo4j load`, `write-scores` and `query` on a real server, read back like the rest."""
    env = {"NEO4J_URI": neo4j_clean["uri"], "NEO4J_USERNAME": neo4j_clean["user"],
           "NEO4J_PASSWORD": neo4j_clean["password"], "NEO4J_DATABASE": neo4j_clean["database"]}
    cases = {
        "load": ["neo4j", "load", SAMPLE],
        "write-scores": ["neo4j", "write-scores", *EGO],
        "query": ["neo4j", "query", "nurture_next", "--param", "ego=brand"],
    }
    for case, args in cases.items():
        files = {}
        for ext in ("parquet", "json"):
            files[ext] = tmp_path / f"{case}.{ext}"
            result = CliRunner().invoke(main, [*args, "-o", str(files[ext])], env=env)
            assert result.exit_code == 0, (case, result.output)
        frame = pl.read_parquet(files["parquet"])
        assert frame.height > 0, case
        _check_frame(frame, case)
        for row in json.loads(files["json"].read_text()):
            for name, dtype in frame.schema.items():
                _check_value(row[name], dtype, f"neo4j {case}: {name}")


def test_output_through_a_symlink_a_device_and_into_an_unwritable_place(tmp_path):
    from ror_graph.errors import OptionError
    from ror_graph.output import write_table

    frame = pl.DataFrame({"rank": [1, 2]})
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    (tmp_path / "link.csv").symlink_to("real.csv")
    write_table(frame, str(tmp_path / "link.csv"))
    assert (tmp_path / "link.csv").is_symlink() and real.read_text() == "rank\n1\n2\n"  # the link stays
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_bytes()))
    reader.start()
    write_table(frame, str(pipe))  # written to, not replaced by a file
    reader.join(timeout=30)
    assert got == [b"rank\n1\n2\n"] and pipe.is_fifo()
    with pytest.raises(OptionError, match="cannot write .*: it is a folder"):
        write_table(frame, str(tmp_path), "csv")
    with pytest.raises(OptionError, match=r"cannot write /proc/x.csv: "):
        write_table(frame, "/proc/x.csv")
