"""The CLI end to end: the demo, outputs by extension, and one-line errors for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from ror_graph.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "events.csv"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    assert lines[0].startswith("Error: ")
    return lines[0]


def test_demo_puts_the_planted_fading_relationships_on_top():
    truth = pl.read_csv(ROOT / "sample_data" / "planted_truth.csv")
    fading = set(truth.filter(pl.col("role") == "fading_valuable")["node_id"])
    result = run("demo", "--format", "csv")
    assert result.exit_code == 0, result.output
    table = pl.read_csv(result.stdout.encode())
    assert set(table["node_id"].head(12)) >= fading
    fans = set(truth.filter(pl.col("role") == "one_sided_fan")["node_id"])
    fan_rows = table.filter(pl.col("node_id").is_in(list(fans)))
    assert fan_rows.height == len(fans)
    assert all("you never answered" in reason for reason in fan_rows["reason"])


def test_the_readme_shows_what_ror_demo_prints():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### `ror demo`"):]
    block = section[section.index("```\n") + 4:]
    shown = [line.rstrip() for line in block[:block.index("```")].splitlines()]
    result = run("demo")
    assert result.exit_code == 0, result.output
    printed = [line.rstrip() for line in result.stdout.splitlines()]
    assert len(shown) >= 3 and printed[:len(shown)] == shown


@pytest.mark.parametrize("ext", ["csv", "json", "parquet", "md", "ndjson"])
def test_nurture_writes_every_row_by_extension(tmp_path, ext):
    out = tmp_path / f"nurture.{ext}"
    result = run("nurture", str(SAMPLE), "--me", "brand", "-o", str(out))
    assert result.exit_code == 0, result.output
    if ext == "parquet":
        table = pl.read_parquet(out)
    elif ext == "csv":
        table = pl.read_csv(out)
    elif ext == "json":
        table = pl.DataFrame(json.loads(out.read_text()))
    elif ext == "ndjson":
        table = pl.read_ndjson(out)
    else:
        lines = out.read_text().splitlines()
        assert lines[0].startswith("| rank | node_id | priority | fade_risk | reason")
        assert len(lines) > 22  # more than a terminal's 20 rows
        return
    assert table.height > 20
    assert table.columns[:5] == ["rank", "node_id", "priority", "fade_risk", "reason"]
    assert table["rank"].to_list() == list(range(1, table.height + 1))
    assert "brand" not in table["node_id"].to_list()


def test_terminal_table_shows_top_20_and_brief_columns():
    result = run("nurture", str(SAMPLE), "--me", "brand")
    assert result.exit_code == 0
    body = [line for line in result.stdout.splitlines() if line.strip()]
    assert body[0].split()[:4] == ["rank", "node_id", "priority", "fade_risk"]
    ranks = [line.split()[0] for line in body[1:] if line.split()[0].isdigit()]
    assert ranks[-1] == "20"


def test_fading_contract_and_top(tmp_path):
    result = run("fading", str(SAMPLE), "--me", "brand", "--top", "5", "--format", "csv")
    table = pl.read_csv(result.stdout.encode())
    assert table.height == 5
    assert {"a", "b", "fade_risk", "last_interaction"} <= set(table.columns)
    assert (table["a"] == "brand").all()


def test_every_analysis_command_runs_on_real_data(shared_data):
    path = str(shared_data / "copenhagen" / "sms.csv")
    for command in ("stats", "influencers", "reciprocity", "fading", "nurture"):
        result = run(command, path, "--format", "csv")
        assert result.exit_code == 0, (command, result.output)
        assert pl.read_csv(result.stdout.encode()).height > 0


def test_as_of_changes_now_and_output_is_deterministic():
    a = run("nurture", str(SAMPLE), "--me", "brand", "--as-of", "2026-01-01", "--format", "csv").stdout
    b = run("nurture", str(SAMPLE), "--me", "brand", "--as-of", "2026-01-01", "--format", "csv").stdout
    c = run("nurture", str(SAMPLE), "--me", "brand", "--format", "csv").stdout
    assert a == b and a != c


BAD_INPUTS = {
    "missing_column.csv": ("src,kind,ts\na,like,2024-01-01\n", ["missing_column.csv", "dst"]),
    "bad_time.csv": ("src,dst,kind,ts\na,b,like,2024-01-01\na,c,like,yesterday\n", ["bad_time.csv:3", "ts"]),
    "empty.csv": ("", ["empty.csv"]),
    "bad_kind.csv": ("src,dst,kind,ts\na,b,wave,2024-01-01\n", ["bad_kind.csv:2", "kind"]),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, name):
    text, must_mention = BAD_INPUTS[name]
    path = tmp_path / name
    path.write_text(text)
    out = tmp_path / "out.csv"
    line = one_line_error(run("nurture", str(path), "--loader", "canonical", "-o", str(out)))
    for fragment in must_mention:
        assert fragment in line
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_semicolons_are_sniffed_and_a_forced_wrong_delimiter_is_an_error(tmp_path):
    path = tmp_path / "semicolons.csv"
    path.write_text("src;dst;kind;ts\na;b;like;2024-01-01\nb;a;reply;2024-01-02\n")
    result = run("stats", str(path), "--format", "csv")
    assert result.exit_code == 0 and "semicolon" in result.stderr
    line = one_line_error(run("stats", str(path), "--option", "delimiter=,"))
    assert "semicolons.csv" in line and "delimiter" in line


def test_binary_file_is_a_clear_error(tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(bytes(range(256)) * 8)
    line = one_line_error(run("stats", str(path)))
    assert "photo.csv" in line


def test_bom_crlf_and_unicode_ids_load(tmp_path):
    path = tmp_path / "events.csv"
    path.write_bytes("\ufeffsrc,dst,kind,ts\r\nzoë,jürgen,reply,2024-01-01T10:00:00Z\r\njürgen,zoë,reply,2024-01-02T10:00:00Z\r\n".encode())
    result = run("reciprocity", str(path), "--format", "csv")
    assert result.exit_code == 0, result.output
    table = pl.read_csv(result.stdout.encode())
    assert set(table["a"]) | set(table["b"]) == {"zoë", "jürgen"}
    assert table["reciprocated"].to_list() == [True]


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--me", "nobody"], "unknown id 'nobody'"),
        (["--as-of", "next tuesday"], "--as-of"),
        (["--half-life", "soon"], "--half-life"),
        (["--kind-weight", "wave=2"], "unknown kind 'wave'"),
        (["--weights", "value=x"], "weight value"),
        (["-o", "out.xlsx"], "extension"),
    ],
)
def test_bad_options_are_one_line_errors(args, fragment):
    line = one_line_error(run("nurture", str(SAMPLE), *args))
    assert fragment in line


@pytest.mark.parametrize("command", ["influencers", "fading"])
@pytest.mark.parametrize("weight", ["inf", "nan", "1e160", "1001"])
def test_kind_weight_must_be_finite_and_at_most_1000(command, weight):
    line = one_line_error(run(command, str(SAMPLE), "--kind-weight", f"reply={weight}"))
    assert f"kind weight for 'reply' must be between 0 and 1000, got {float(weight)}" in line


@pytest.mark.parametrize("weight", ["value=nan", "bond=inf", "reciprocity=-inf"])
def test_nurture_weights_must_be_finite(weight):
    key, _, raw = weight.partition("=")
    line = one_line_error(run("nurture", str(SAMPLE), "--me", "brand", "--weights", weight))
    assert line == f"Error: weight {key} must be a finite number, got {raw!r}"


def test_missing_file_is_one_line(tmp_path):
    line = one_line_error(run("stats", str(tmp_path / "nope.csv")))
    assert "nope.csv" in line


def test_help_is_instant_and_every_command_has_an_example():
    code = "import sys, ror_graph.cli; print(sorted(m for m in ('polars', 'numpy', 'igraph', 'scipy') if m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"
    for name, command in main.commands.items():
        if name in ("demo",):
            continue
        text = run(name, "--help").output
        assert "Example" in text or "example" in text.lower() or hasattr(command, "commands"), name


def test_python_cli_py_works_from_a_checkout():
    done = subprocess.run([sys.executable, str(ROOT / "cli.py"), "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and "ror" in done.stdout


def test_self_loops_are_dropped_and_repeated_event_ids_kept_once(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "src,dst,kind,ts,event_id\n"
        "a,b,reply,2024-01-01T10:00:00Z,e1\n"
        "a,b,reply,2024-01-01T10:00:00Z,e1\n"
        "a,a,mention,2024-01-01T11:00:00Z,e2\n"
        "b,a,reply,2024-01-02T10:00:00Z,e3\n"
    )
    result = run("stats", str(path), "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "dropped 1 self-loop" in result.stderr and "repeated event_id" in result.stderr
    stats = pl.read_csv(result.stdout.encode()).row(0, named=True)
    assert (stats["events"], stats["nodes"], stats["relationships"]) == (2, 2, 2)


def test_nurture_uses_referral_reach_unless_told_not_to():
    with_reach = pl.read_csv(run("nurture", str(SAMPLE), "--me", "brand", "--format", "csv").stdout.encode())
    assert with_reach["referral_reach"].min() >= 1.0
    assert "a share reaches ~" in with_reach["reason"][0]
    without = pl.read_csv(run("nurture", str(SAMPLE), "--me", "brand", "--no-reach", "--format", "csv").stdout.encode())
    assert "referral_reach" not in without.columns
    assert "a share reaches" not in without["reason"][0]


def test_cli_half_life_default_is_the_library_default():
    from ror_graph import cli
    from ror_graph.strength import DEFAULT_HALF_LIFE
    from ror_graph.timeutil import parse_duration

    assert parse_duration(cli.DEFAULT_HALF_LIFE) == DEFAULT_HALF_LIFE


def test_output_files_get_ordinary_permissions(tmp_path):
    import os

    out = tmp_path / "n.csv"
    assert run("nurture", str(SAMPLE), "--me", "brand", "--no-reach", "-o", str(out)).exit_code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize("args", [["nurture", "--me", ""], ["fading", "--me", " "], ["referral", "--seeds", ""]])
def test_an_empty_id_option_is_an_error_not_the_option_left_out(sample_events, args):
    result = CliRunner().invoke(main, [args[0], str(sample_events), *args[1:]])
    assert result.exit_code == 1 and result.output.strip() == f"Error: {args[1]} is empty; give an id"


def test_output_over_an_input_file_is_refused_and_the_input_is_untouched(tmp_path, sample_events):
    events = tmp_path / "events.csv"
    events.write_bytes(sample_events.read_bytes())
    before = events.read_bytes()
    for args in (["nurture", str(events), "-o", str(events)], ["stats", str(events), "-o", str(tmp_path / "." / "events.csv")]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1 and "is one of the inputs; write the result to another file" in result.output
    assert events.read_bytes() == before
