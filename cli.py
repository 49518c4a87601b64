"""ror: the command line of ror-graph. Thin: parse options, make one library call, write the result.

Run as ``ror ...`` once installed, or ``python cli.py ...`` from a checkout.
Data goes to stdout (or -o FILE); progress and messages go to stderr.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, field
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

# Heavy libraries (polars, numpy, igraph) are imported inside the commands, so --help is instant.

DEFAULT_HALF_LIFE = "60d"  # equals ror_graph.strength.DEFAULT_HALF_LIFE (tested); kept as text so --help stays instant
HALF_LIFE_HELP = "Half-life of tie strength, e.g. 30d, 12w."
BACKEND_NAMES = ["memory", "neo4j", "spark"]  # ror_graph.backends.BACKENDS (tested); kept literal so --help stays instant
NURTURE_BRIEF = ["rank", "node_id", "priority", "fade_risk", "status", "referral_reach", "reason"]

INPUT_NAMES = ['events', 'loader', 'column_map', 'loader_options']
ANALYSIS_NAMES = ['me', 'as_of', 'half_life', 'kind_weights', 'backend', 'ignore_memory']
OUTPUT_NAMES = ['output', 'fmt', 'top', 'wide']
NEO4J_NAMES = ['neo4j_uri', 'neo4j_user', 'neo4j_password', 'neo4j_database']
BACKEND_PREFIXES = tuple(f"{name}_" for name in BACKEND_NAMES)


@dataclass(frozen=True)
class Inputs:
    """EVENTS... and how to read them (``@input_options``)."""

    events: tuple[str, ...]
    loader: str | None
    column_map: dict[str, str]
    loader_options: dict[str, str]


@dataclass(frozen=True)
class Analysis:
    """The graph to analyse (``@analysis_options``); ``settings`` holds every backend option by
    its parameter name (``neo4j_uri``, ``spark_master``, ...)."""

    me: str | None
    as_of: str | None
    half_life: str
    kind_weights: dict[str, str]
    backend: str
    ignore_memory: bool
    settings: dict[str, Any]


@dataclass
class Output:
    """Where and how to write the table (``@output_options``); ``writer`` is set by
    :func:`open_analyses` when the backend writes the result file itself (Spark)."""

    output: str | None
    fmt: str | None
    top: int | None
    wide: bool
    writer: Any = field(default=None, repr=False)


@dataclass(frozen=True)
class Neo4jConnection:
    """``--neo4j-*`` of the ``ror neo4j`` commands (``@neo4j_connection``)."""

    neo4j_uri: str | None
    neo4j_user: str | None
    neo4j_password: str | None
    neo4j_database: str | None


def _bundle(name: str, make: Callable[[dict[str, Any]], Any], decorators: list[Callable]) -> Callable[[Callable], Callable]:
    """A decorator adding the click ``decorators`` to a command and handing their values to it
    as one typed object, keyword ``name``, built by ``make`` from the values it takes out."""

    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def wrapper(**values: Any) -> Any:
            return command(**{name: make(values)}, **values)

        for decorator in reversed(decorators):
            wrapper = decorator(wrapper)
        return wrapper

    return decorate


def _take(values: dict[str, Any], names: list[str]) -> dict[str, Any]:
    return {key: values.pop(key) for key in names}


def _take_prefixed(values: dict[str, Any], prefixes: tuple[str, ...]) -> dict[str, Any]:
    return {key: values.pop(key) for key in [k for k in values if k.startswith(prefixes)]}


def _not_empty(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A click callback: an option given as an empty text is an error, not the option left out."""
    from ror_graph.errors import OptionError

    if value is not None and not value.strip():
        raise OptionError(f"{param.opts[0]} is empty; give an id")
    return value


class RorCommand(click.Command):
    """A command that refuses to write its result over one of its own inputs (-o events.csv)."""

    def invoke(self, ctx: click.Context) -> Any:
        from ror_graph.errors import OptionError

        output, inputs = ctx.params.get("output"), ctx.params.get("events") or ()
        if output and output != "-" and any(Path(output).resolve() == Path(i).resolve() for i in inputs):
            raise OptionError(f"-o {output} is one of the inputs; write the result to another file")
        return super().invoke(ctx)


class RorGroup(click.Group):
    """Turns a RorGraphError into a one-line message and exit code 1 (no traceback), and each
    DataWarning into a ``note:`` line on stderr. Its commands are :class:`RorCommand`."""

    command_class = RorCommand

    def invoke(self, ctx: click.Context) -> Any:
        from ror_graph.errors import DataWarning, RorGraphError

        shown = warnings.showwarning

        def show(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
            if issubclass(category, DataWarning):
                _message(f"note: {in_cli_terms(str(message), self)}")
            else:
                shown(message, category, *args, **kwargs)

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", DataWarning)
                warnings.showwarning = show
                return super().invoke(ctx)
        except RorGraphError as exc:
            raise click.ClickException(in_cli_terms(str(exc), self)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)


#: Library parameters whose CLI name differs from the option's own parameter name.
PARAM_ALIASES = {"sources": "EVENTS", "k": "--best", "quote": "--option quote=", "max_unpacked": "--option max_unpacked=",
                 "default_kind": "--option default_kind="}


def in_cli_terms(message: str, group: click.Group) -> str:
    """The library names a parameter as ``name=``; say it as the command line does (``as_of=`` ->
    ``--as-of``, ``sources=`` -> ``EVENTS``). Every option of every command is known here, so
    this is the one place where parameter names become flags."""
    import re

    flags = dict(PARAM_ALIASES)

    def collect(command: click.Command) -> None:
        for param in command.params:
            if param.name is None or param.name in flags:
                continue
            if isinstance(param, click.Option):
                longs = [o for o in param.opts if o.startswith("--")]
                flags[param.name] = longs[0] if longs else param.opts[0]
            else:
                flags[param.name] = param.name.upper()
        if isinstance(command, click.Group):
            for sub in command.commands.values():
                collect(sub)

    collect(group)

    def flag(match: re.Match) -> str:
        name, after = match.group(1), match.group(2)
        if name not in flags:
            return match.group(0)
        spaced = after and after not in ":;,.)" and not flags[name].endswith("=")
        return flags[name] + (" " if spaced else "")

    return re.sub(r"(?<![\w-])([a-z][a-z0-9_]*)=(?=(\S)?)", flag, message)


def _pairs(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    """KEY=VALUE options (repeatable, or comma-separated) -> dict."""
    import re

    out: dict[str, str] = {}
    for value in values:
        for part in re.split(r",(?=[^,=]+=)", value):  # "a=1,b=2" but keep "delimiter=,"
            key, sep, val = part.partition("=")
            if not sep or not key.strip():
                raise click.BadParameter(f"{part!r} is not KEY=VALUE", ctx=ctx, param=param)
            out[key.strip()] = val.strip()
    return out


def input_options(command: Callable) -> Callable:
    """EVENTS... and how to read them, as ``inputs: Inputs``."""
    return _bundle("inputs", lambda values: Inputs(**_take(values, INPUT_NAMES)), _INPUT_OPTIONS)(command)


def analysis_options(command: Callable) -> Callable:
    """--me, --as-of, --half-life, --kind-weight, --backend and each backend's options, as
    ``analysis: Analysis``."""
    return _bundle("analysis", lambda values: Analysis(**_take(values, ANALYSIS_NAMES),
                                                       settings=_take_prefixed(values, BACKEND_PREFIXES)),
                   _ANALYSIS_OPTIONS)(command)


def spark_options(command: Callable) -> Callable:
    """--spark-master, --spark-conf (for --backend spark; see docs/scale.md)."""
    decorators = [
        click.option("--spark-master", metavar="URL",
                     help="Spark master for --backend spark (default: $SPARK_MASTER, else local[*]), e.g. spark://host:7077."),
        click.option("--spark-conf", multiple=True, callback=_pairs, metavar="KEY=VALUE",
                     help="A Spark setting for --backend spark (repeatable), e.g. --spark-conf spark.executor.memory=8g."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def neo4j_connection(command: Callable) -> Callable:
    """--neo4j-uri, --neo4j-user, --neo4j-password, --neo4j-database (default: NEO4J_* variables),
    as ``neo4j: Neo4jConnection``."""
    return _bundle("neo4j", lambda values: Neo4jConnection(**_take(values, NEO4J_NAMES)), [neo4j_options])(command)


def neo4j_options(command: Callable) -> Callable:
    """--neo4j-uri, --neo4j-user, --neo4j-password, --neo4j-database (default: NEO4J_* variables)."""
    decorators = [
        click.option("--neo4j-uri", metavar="URI", help="Neo4j server (default: $NEO4J_URI, else bolt://127.0.0.1:7687)."),
        click.option("--neo4j-user", metavar="NAME", help="Neo4j user (default: $NEO4J_USERNAME, else neo4j)."),
        click.option("--neo4j-password", metavar="PW", help="Neo4j password (default: $NEO4J_PASSWORD; prefer the variable)."),
        click.option("--neo4j-database", metavar="DB", help="Neo4j database (default: $NEO4J_DATABASE, else neo4j)."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def output_options(command: Callable) -> Callable:
    """-o, --format, --top, --wide, as ``out: Output``."""
    return _bundle("out", lambda values: Output(**_take(values, OUTPUT_NAMES)), _OUTPUT_OPTIONS)(command)


_INPUT_OPTIONS: list[Callable] = [
    click.argument("events", nargs=-1, required=False, type=click.Path(dir_okay=True, allow_dash=False)),
    click.option("--loader", "loader", metavar="NAME", help="Input format (default: detected). See `ror loaders`."),
    click.option("--map", "column_map", multiple=True, callback=_pairs, metavar="COLUMN=NAME",
                 help="Canonical column -> column in your file, e.g. --map src=from,ts=time."),
    click.option("--option", "loader_options", multiple=True, callback=_pairs, metavar="KEY=VALUE",
                 help="A loader option, e.g. --option kind=email (see `ror loaders`)."),
]


_ANALYSIS_OPTIONS: list[Callable] = [
    click.option("--me", metavar="ID", callback=_not_empty, help="Analyse the relationships of this ego (a brand or a person)."),
    click.option("--as-of", "as_of", metavar="T", help="'Now': ISO date/time or e.g. -30d (default: the last event)."),
    click.option("--half-life", "half_life", default=DEFAULT_HALF_LIFE, show_default=True, help=HALF_LIFE_HELP),
    click.option("--kind-weight", "kind_weights", multiple=True, callback=_pairs, metavar="KIND=W",
                 help="Weight of one event of a kind, e.g. --kind-weight reply=4,like=0.2."),
    click.option("--backend", type=click.Choice(BACKEND_NAMES), default="memory", show_default=True,
                 help="memory: read EVENTS; neo4j: read the graph `ror neo4j load` stored (no EVENTS); "
                      "spark: compute with Apache Spark (see docs/scale.md)."),
    neo4j_options,
    spark_options,
    click.option("--ignore-memory", "ignore_memory", is_flag=True,
                 help="Run even when the memory estimate says the input would not fit."),
]


_OUTPUT_OPTIONS: list[Callable] = [
    click.option("-o", "--output", "output", metavar="FILE", help="Write to FILE (.csv .json .ndjson .parquet .md); '-' = stdout."),
    click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "ndjson", "parquet", "md"]),
                 help="Output format (default: from -o's extension, else an aligned table)."),
    click.option("--top", type=click.IntRange(min=0), metavar="N",
                 help="Keep the first N rows (default: 20 on a terminal table, all rows in files)."),
    click.option("--wide", is_flag=True, help="Show every column in the terminal table (files always get every column)."),
]


def _message(text: str) -> None:
    click.echo(text, err=True)


def _progress(text: str):
    """A progress display on stderr while ``text`` runs (a row per step; terminal only, after 2 s); yields ``step(name)``."""
    from ror_graph.progress import progress

    return progress(text)


def load_dataset(inputs: Inputs):
    """Read the input files with the loader registry; print loader notes on stderr."""
    from ror_graph.loaders import load_events

    if not inputs.events:
        raise click.UsageError("Missing argument 'EVENTS...'.")
    options: dict[str, Any] = dict(inputs.loader_options)
    if inputs.column_map:
        options["column_map"] = inputs.column_map
    dataset = load_events(list(inputs.events), loader=inputs.loader, **options)
    for note in dataset.notes:
        _message(f"note: {note}")
    return dataset


def open_analyses(inputs: Inputs, analysis: Analysis, out: Output | None = None):
    """Ask the chosen backend for the analyses of the input (its loader notes go to stderr).

    The backend's settings are the options named ``<backend>_<setting>`` (``--neo4j-uri`` ->
    ``uri`` of the neo4j backend)."""
    from ror_graph.backends import GraphRequest, get_backend

    name = analysis.backend or "memory"
    prefix = f"{name}_"
    backend = get_backend(name, **{k[len(prefix):]: v for k, v in analysis.settings.items() if k.startswith(prefix)})
    if backend.reads_sources and not inputs.events:
        raise click.UsageError("Missing argument 'EVENTS...'.")
    request = GraphRequest(
        sources=tuple(inputs.events or ()),
        loader=inputs.loader,
        loader_options=inputs.loader_options or {},
        column_map=inputs.column_map or {},
        as_of=analysis.as_of,
        half_life=analysis.half_life or DEFAULT_HALF_LIFE,
        kind_weights=_kind_weights(analysis.kind_weights),
        me=analysis.me,
    )
    if backend.reads_sources:
        from ror_graph.progress import check_memory

        check_memory(request.sources, backend=name, ignore=bool(analysis.ignore_memory), say=lambda line: _message(f"note: {line}"))
    analyses = backend.open(request)
    for note in analyses.notes:
        _message(f"note: {note}")
    direct = getattr(analyses, "direct_output", None)  # a backend that writes large results itself (Spark)
    if out is not None and direct is not None and out.fmt in (None, "parquet") and direct(out.output):
        out.writer = analyses
    return analyses


def build_network(inputs: Inputs, analysis: Analysis):
    """The in-memory Network of the input and the ego, from the shared options."""
    analyses = open_analyses(inputs, analysis)
    return analyses.network(), analyses.me


def _kind_weights(kind_weights: dict[str, str]) -> dict[str, float]:
    return {k: _number(v, f"--kind-weight {k}") for k, v in (kind_weights or {}).items()}


def _number(text: str, what: str) -> float:
    from ror_graph.errors import OptionError

    try:
        return float(text)
    except ValueError:
        raise OptionError(f"{what} must be a number, got {text!r}") from None


def emit(frame, out: Output, brief: list[str] | None = None, human: Callable | None = None) -> None:
    """Write the result; an aligned table on stdout shows only the ``brief`` columns unless --wide.

    ``human(frame)`` is the frame's view for people (terminal table and Markdown), e.g. one
    metric per line; files for machines (CSV, JSON, NDJSON, Parquet) always get ``frame``."""
    from ror_graph.output import format_for, write_table

    fmt = format_for(out.output, out.fmt)
    to_terminal_table = out.output in (None, "-") and fmt == "table"
    if human is not None and fmt in ("table", "md"):
        frame = human(frame)
    if brief and to_terminal_table and not out.wide:
        frame = frame.select([c for c in brief if c in frame.columns])
    writer = out.writer
    if writer is not None and writer.written_rows:
        _message(f"wrote {writer.written_rows:,} rows to {out.output} (Parquet files written by the backend)")
        return
    rows = write_table(frame, out.output, out.fmt, top=out.top)
    if out.output not in (None, "-"):
        _message(f"wrote {rows:,} rows to {out.output}")


@click.group(cls=RorGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="ror-graph", prog_name="ror")
def main() -> None:
    """ror-graph: who is valuable, who gives back, which relationships are fading, whom to nurture next.

    \b
    Quick start:
      ror demo                                   # the nurture-next list of the demo community
      ror nurture events.csv --me brand          # your own data
      ror loaders                                # input formats
    """


@main.command()
@input_options
@analysis_options
@output_options
@click.option("--estimate", is_flag=True, help="Only say how much memory the run would need (from the input's size).")
def stats(*, inputs: Inputs, analysis: Analysis, out: Output, estimate: bool) -> None:
    """Nodes, relationships, events, time span, reciprocity, components, kinds.

    \b
    Example:
      ror stats ../shared/data/collegemsg/CollegeMsg.txt
      ror stats big.parquet --estimate
    """
    from ror_graph.backends.base import STATS_COLUMNS
    from ror_graph.output import metric_table

    if estimate:
        from ror_graph.progress import estimate_memory

        if not inputs.events:
            raise click.UsageError("Missing argument 'EVENTS...'.")
        click.echo(estimate_memory(inputs.events).line())
        return
    with _progress("ror stats") as step:
        analyses = open_analyses(inputs, analysis, out)
        step("counting")
        table = analyses.stats()
    emit(table, out, human=lambda frame: metric_table(frame, STATS_COLUMNS))


@main.command()
@input_options
@analysis_options
@output_options
@click.option("--seed", default=0, show_default=True, help="Seed for sampled betweenness on large graphs.")
def influencers(*, inputs: Inputs, analysis: Analysis, out: Output, seed: int) -> None:
    """Who is valuable: PageRank by tie strength (personalised from --me), in-degree, HITS,
    k-core and betweenness (sampled on large graphs).

    \b
    Example:
      ror influencers sample_data/events.csv --me brand --top 10
    """
    with _progress("ror influencers") as step:
        analyses = open_analyses(inputs, analysis, out)
        step("ranking")
        table = analyses.influencers(seed=seed)
    emit(table, out,
         brief=["rank", "node_id", "influence", "top_share", "pagerank", "in_degree", "out_degree", "hub", "authority", "core", "betweenness"])


@main.command()
@input_options
@analysis_options
@output_options
@click.option("--by", "level", type=click.Choice(["relationship", "person"]), default="relationship", show_default=True,
              help="One row per relationship (give/get balance, answer rates) or per person.")
def reciprocity(*, inputs: Inputs, analysis: Analysis, out: Output, level: str) -> None:
    """Who gives back: edge reciprocity and Garlaschelli-Loffredo rho (on stderr), then per
    relationship give/get balance, answer rate and median answer latency, or per person.

    \b
    Example:
      ror reciprocity sample_data/events.csv --me brand
    """
    analyses = open_analyses(inputs, analysis, out)
    summary = analyses.reciprocity_summary()
    _message(
        f"edge reciprocity {summary['edge_reciprocity']:.4f} ({summary['reciprocated_edges']:,} of {summary['edges']:,} "
        f"directed relationships have a reverse), pair reciprocity {summary['pair_reciprocity']:.4f}, "
        f"rho {summary['rho']:.4f} (Garlaschelli-Loffredo)"
    )
    emit(analyses.reciprocity(level=level), out)


HORIZON_HELP = "fade_risk = P(no interaction in the next HORIZON), e.g. 30d, 2w."
COMMUNITY_HELP = "Add each person's Leiden community (see `ror communities`; one Leiden run, the costliest step on large logs)."


def _horizon_options(horizon: str) -> dict[str, float]:
    """{'horizon_days': ...} when --horizon is not the default (30d), else {}."""
    from ror_graph.timeutil import parse_duration

    days = parse_duration(horizon, name="--horizon").total_seconds() / 86400
    return {} if days == 30 else {"horizon_days": days}


@main.command()
@input_options
@analysis_options
@output_options
@click.option("--horizon", default="30d", show_default=True, help=HORIZON_HELP)
@click.option("--community", "community", is_flag=True, help=COMMUNITY_HELP)
def fading(*, inputs: Inputs, analysis: Analysis, out: Output, horizon: str, community: bool) -> None:
    """Which relationships are going cold: fade_risk is the probability that the tie stays silent
    over --horizon, from a model fitted on the log's own history; the evidence compares the
    silence with the tie's own rhythm.

    \b
    Example:
      ror fading sample_data/events.csv --me brand
      ror fading ../shared/data/collegemsg/CollegeMsg.txt -o all.csv   # every relationship
    """
    with _progress("ror fading") as step:
        analyses = open_analyses(inputs, analysis, out)
        step("scoring every tie against its rhythm")
        table = analyses.fading(**_horizon_options(horizon))
    if community:
        table = _with_community(table, analyses, on="b")
    emit(table, out,
         brief=["rank", "a", "b", "fade_risk", "status", "last_interaction", "silence_days", "usual_gap_days", "n_events", "bridge", "evidence"])


@main.command()
@input_options
@analysis_options
@output_options
@click.option("--weights", metavar="K=V,...", help="Priority weights: value=, bond=, reciprocity=, floor= (see README).")
@click.option("--reach/--no-reach", default=True, show_default=True,
              help="Estimate each person's referral reach and use it in value (see `ror referral`).")
@click.option("--seed", default=0, show_default=True, help="Seed of the referral-reach estimate.")
@click.option("--horizon", default="30d", show_default=True, help=HORIZON_HELP)
@click.option("--community", "community", is_flag=True, help=COMMUNITY_HELP)
def nurture(
    *,
    inputs: Inputs,
    analysis: Analysis,
    out: Output,
    weights: str | None,
    reach: bool,
    seed: int,
    horizon: str,
    community: bool,
) -> None:
    """The ranked nurture-next list: value x bond x reciprocity, made urgent by fade risk,
    with a one-line reason per person.

    \b
    Example:
      ror nurture sample_data/events.csv --me brand --top 15
      ror nurture ../shared/data/email-eu-core-temporal/email-Eu-core-temporal.txt.gz --as-of -280d
    """
    from ror_graph.nurture import NurtureWeights

    with _progress("ror nurture") as step:
        analyses = open_analyses(inputs, analysis, out)
        step("scoring")
        table = analyses.nurture_next(weights=NurtureWeights.parse(weights), reach=reach, seed=seed,
                                      **_horizon_options(horizon))
    if community:
        table = _with_community(table, analyses)
    emit(table, out, brief=NURTURE_BRIEF)


@main.command()
@output_options
@click.option("--me", default="brand", show_default=True, help="The demo ego.")
def demo(*, out: Output, me: str) -> None:
    """The nurture-next list of the demo community in sample_data/ (synthetic; see its README).

    \b
    Example:
      ror demo --top 10
    """
    from pathlib import Path

    from ror_graph.errors import OptionError
    from ror_graph.nurture import nurture_next

    sample = Path(__file__).resolve().parent / "sample_data" / "events.csv"
    if not sample.exists():
        sample = Path.cwd() / "sample_data" / "events.csv"
    if not sample.exists():
        raise OptionError("sample_data/events.csv not found; run `ror demo` from a checkout of ror-graph")
    _message(f"demo community: {sample}")
    from ror_graph.network import Network

    with _progress("ror demo"):  # the first run compiles the engine's kernels: show where the time goes
        dataset = load_dataset(Inputs(events=(str(sample),), loader=None, column_map={}, loader_options={}))
        table = nurture_next(Network.from_dataset(dataset), me=me)
    emit(table, out, brief=NURTURE_BRIEF)


@main.command(name="loaders")
@output_options
def list_loaders(*, out: Output) -> None:
    """The input formats ror can read, with their options.

    \b
    Example:
      ror loaders
    """
    import polars as pl

    from ror_graph.loaders import COMMON_OPTIONS, REGISTRY

    rows = [
        (loader.name, loader.summary, " ".join(loader.extensions),
         "; ".join(f"{k}: {v}" for k, v in {**loader.options, **COMMON_OPTIONS}.items()))
        for loader in REGISTRY.values()
    ]
    emit(pl.DataFrame(rows, schema=["name", "summary", "extensions", "options"], orient="row"), out)


# --- neo4j ---


def _neo4j_settings(neo4j: Neo4jConnection):
    from ror_graph.backends.neo4j import Neo4jSettings

    return Neo4jSettings.resolve(uri=neo4j.neo4j_uri, user=neo4j.neo4j_user,
                                 password=neo4j.neo4j_password, database=neo4j.neo4j_database)


@main.group(name="neo4j")
def neo4j_group() -> None:
    """Neo4j: load the graph, write scores back, run the Browser queries in cypher/.

    Connection: NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD, NEO4J_DATABASE or --neo4j-* flags.
    The analysis commands read the stored graph with --backend neo4j.

    \b
    Example:
      ror neo4j load sample_data/events.csv
      ror neo4j write-scores --me brand
      ror neo4j query nurture_next --param ego=brand
    """


@neo4j_group.command(name="load")
@input_options
@click.option("--as-of", "as_of", metavar="T", help="Store events up to T; strength is decayed to T (default: the last event).")
@click.option("--half-life", "half_life", default=DEFAULT_HALF_LIFE, show_default=True, help=HALF_LIFE_HELP)
@click.option("--kind-weight", "kind_weights", multiple=True, callback=_pairs, metavar="KIND=W",
              help="Weight of one event of a kind, for the stored strength.")
@click.option("--keep-events", is_flag=True, help="Also store each interaction as [:INTERACTION {kind, ts, weight}].")
@click.option("--replace", is_flag=True, help="First delete what earlier loads stored (only ror-graph's own nodes and relationships).")
@click.option("--adopt", is_flag=True, help="Take over :Person nodes that ror-graph did not write (a load refuses them otherwise).")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(min=1), help="Rows per UNWIND transaction.")
@click.option("--writers", default=2, show_default=True, type=click.IntRange(min=1),
              help="Concurrent relationship writers (on partitions that share no person).")
@click.option("--aggregates-only", is_flag=True,
              help="Store only the aggregated relationship properties (faster; enough for the Browser queries, "
                   "not for --backend neo4j).")
@click.option("--bulk", is_flag=True,
              help="First load into an empty database of a server started by neo4j_server/server.py: write CSV "
                   "files and run Neo4j's bulk importer (the server restarts once; many times faster). Otherwise "
                   "the load runs over Bolt and says why.")
@neo4j_connection
@output_options
def neo4j_load(
    *,
    inputs: Inputs,
    neo4j: Neo4jConnection,
    out: Output,
    as_of: str | None,
    half_life: str,
    kind_weights: dict[str, str],
    keep_events: bool,
    replace: bool,
    adopt: bool,
    batch_size: int,
    writers: int,
    aggregates_only: bool,
    bulk: bool,
) -> None:
    """Store people and relationships in Neo4j (idempotent: rerun it, or resume a load that died).

    \b
    Example:
      ror neo4j load ../shared/data/collegemsg/CollegeMsg.txt --keep-events
      ror neo4j load big.parquet --bulk        # into an empty database of neo4j_server/server.py
    """
    from ror_graph.backends.neo4j import connect
    from ror_graph.output import metric_table

    dataset = load_dataset(inputs)
    weights = {k: _number(v, f"--kind-weight {k}") for k, v in kind_weights.items()}
    with connect(_neo4j_settings(neo4j)) as graph:
        report = graph.load(dataset, as_of=as_of, half_life=half_life, kind_weights=weights,
                            keep_events=keep_events, replace=replace, adopt=adopt,
                            batch_size=batch_size, writers=writers,
                            aggregates_only=aggregates_only, bulk=bulk)
    if report.note:
        _message(report.note)
    _message(f"loaded {report.people:,} people, {report.relationships:,} relationships, {report.events:,} events "
             f"into {graph.settings.uri} in {report.seconds:.1f} s ({report.method})")
    emit(report.to_frame(), out, human=metric_table)


@neo4j_group.command(name="write-scores")
@click.option("--me", metavar="ID", callback=_not_empty, help="Also write this ego's nurture-next list as [:NURTURE_NEXT].")
@click.option("--as-of", "as_of", metavar="T", help="Score as of T (default: the load's as_of).")
@click.option("--half-life", "half_life", default=DEFAULT_HALF_LIFE, show_default=True, help=HALF_LIFE_HELP)
@click.option("--kind-weight", "kind_weights", multiple=True, callback=_pairs, metavar="KIND=W",
              help="Weight of one event of a kind, e.g. --kind-weight reply=4.")
@neo4j_connection
@output_options
def neo4j_write_scores(
    *,
    neo4j: Neo4jConnection,
    out: Output,
    me: str | None,
    as_of: str | None,
    half_life: str,
    kind_weights: dict[str, str],
) -> None:
    """Write influence, reciprocity, strength, fade risk, priority and reason onto people and relationships.

    \b
    Example:
      ror neo4j write-scores --me brand
    """
    from ror_graph.backends.neo4j import connect
    from ror_graph.output import metric_table

    weights = {k: _number(v, f"--kind-weight {k}") for k, v in kind_weights.items()}
    with connect(_neo4j_settings(neo4j)) as graph:
        net = graph.network(as_of=as_of, half_life=half_life, kind_weights=weights)
        if me is not None:
            net.index_of(me)
        report = graph.write_scores(net, me=me)
    emit(report.to_frame(), out, human=metric_table)


@neo4j_group.command(name="query")
@click.argument("name")
@click.option("--param", "query_params", multiple=True, metavar="KEY=VALUE", help="A query parameter (repeatable), e.g. --param ego=brand.")
@neo4j_connection
@output_options
def neo4j_query(*, neo4j: Neo4jConnection, out: Output, name: str, query_params: tuple[str, ...]) -> None:
    """Run a shipped query (see `ror neo4j queries`) and print its result; nothing is written.

    Parameters not given take the example value in the query's header.

    \b
    Example:
      ror neo4j query top_influencers --param limit=5
    """
    from ror_graph.backends.neo4j import coerce_param, connect, evaluate_examples, get_query, lists_as_text

    query = get_query(name)
    given: dict[str, Any] = {}
    for pair in query_params:
        key, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--param")
        given[key.strip()] = coerce_param(query, key.strip(), value)
    with connect(_neo4j_settings(neo4j)) as graph:
        values = {**evaluate_examples(graph, query), **given}
        frame = graph.query_frame(query.name, values)
    emit(lists_as_text(frame), out)


@neo4j_group.command(name="guide")
@click.option("-o", "--output", "output", metavar="FILE", help="Write the guide to FILE (default: stdout).")
def neo4j_guide(output: str | None) -> None:
    """A Neo4j Browser guide through the shipped queries (HTML for Browser's :play).

    `python neo4j_server/server.py start` serves it and prints the :play line; serve this file
    from any host in the server setting browser.remote_content_hostname_whitelist.

    \b
    Example:
      ror neo4j guide -o ror-graph.html
    """
    from ror_graph.backends.neo4j.guide import guide_html
    from ror_graph.output import atomic_write

    html = guide_html()
    if output in (None, "-"):
        click.echo(html, nl=False)
        return
    atomic_write(output, lambda out: out.write(html.encode("utf-8")))
    _message(f"wrote {output}: in Neo4j Browser, :play it from a host on browser.remote_content_hostname_whitelist")


@neo4j_group.command(name="queries")
@output_options
def neo4j_queries(*, out: Output) -> None:
    """The shipped Cypher files: name, purpose, parameters (with examples) and result columns.

    \b
    Example:
      ror neo4j queries
    """
    import polars as pl

    from ror_graph.backends.neo4j import queries

    rows = [(q.name, q.purpose, ", ".join(f"{k}={v}" for k, v in q.params.items()), ", ".join(q.columns))
            for q in queries().values()]
    emit(pl.DataFrame(rows, schema=["name", "purpose", "params", "columns"], orient="row"), out)


# --- referral ---


@main.command()
@input_options
@analysis_options
@output_options
@click.option("--seeds", metavar="ID,ID", callback=_not_empty, help="Expected reach if these people share (Monte Carlo).")
@click.option("--best", type=click.IntRange(min=1), metavar="K", help="The K people to nurture for the largest reach (IMM).")
@click.option("--gain", is_flag=True, help="With --me: per person, how much the ego's reach grows if that tie is nurtured.")
@click.option("--model", type=click.Choice(["ic", "lt"]), default="ic", show_default=True,
              help="Independent cascade or linear threshold.")
@click.option("--prob", default="strength", show_default=True, metavar="SPEC",
              help="Edge probabilities: strength[:SCALE], wc, const:P or learned (see docs/referral.md).")
@click.option("--sims", type=click.IntRange(min=1), metavar="N", help="Monte Carlo simulations (default 10000; with --precision, the batch size).")
@click.option("--precision", type=float, metavar="R", help="Simulate until the 95% CI half-width is R x the estimate, e.g. 0.01.")
@click.option("--epsilon", type=float, default=0.1, show_default=True, help="Accuracy of --best and of the per-person reach.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed; the same seed gives the same answer.")
def referral(
    *,
    inputs: Inputs,
    analysis: Analysis,
    out: Output,
    seeds: str | None,
    best: int | None,
    gain: bool,
    model: str,
    prob: str,
    sims: int | None,
    precision: float | None,
    epsilon: float,
    seed: int,
) -> None:
    """How far a share or referral travels: expected reach per person (default), of --seeds,
    the --best K people to nurture, or --me ID --gain.

    \b
    Influence flows against attention: if B shares A, A's message reaches B's audience.
    \b
    Example:
      ror referral sample_data/events.csv --top 10
      ror referral sample_data/events.csv --seeds brand --sims 20000 --seed 7
      ror referral sample_data/events.csv --best 5 --prob wc
      ror referral sample_data/events.csv --me brand --gain
    """
    from ror_graph import referral as ref
    from ror_graph.errors import OptionError

    net, me = build_network(inputs, analysis)
    modes = [m for m, given in (("seeds", seeds), ("best", best), ("gain", gain)) if given]
    if len(modes) > 1:
        raise OptionError(f"choose one of --seeds, --best, --gain (got {', '.join('--' + m for m in modes)})")
    if seeds:
        est = ref.expected_reach(net, seeds, model=model, sims=sims or (None if precision else 10_000),
                                 precision=precision, prob=prob, seed=seed)
        emit(est.to_frame(seeds=seeds, model=model, prob=prob), out)
    elif best:
        emit(ref.best_seeds(net, best, model=model, epsilon=epsilon, sims=sims or 1000, prob=prob, seed=seed), out)
    elif gain:
        if me is None:
            raise OptionError("--gain needs --me ID (the ego whose reach would grow)")
        if model != "ic":
            raise OptionError("--gain is computed for the independent cascade model (--model ic)")
        emit(ref.ego_gain(net, me, prob=prob, seed=seed), out,
             brief=["rank", "node_id", "p", "p_nurtured", "reach_gain", "reach_gain_stderr", "ego_reach"])
    else:
        emit(ref.referral_reach(net, model=model, epsilon=epsilon, prob=prob, seed=seed), out,
             brief=["rank", "node_id", "referral_reach", "ci_low", "ci_high"])


# --- report, plan, export, diff ---


@main.command()
@input_options
@analysis_options
@click.option("-o", "--output", default="report.html", show_default=True, metavar="FILE", help="The HTML file; '-' = stdout.")
@click.option("--top", default=15, show_default=True, type=click.IntRange(min=1), metavar="N", help="Rows per table.")
@click.option("--timelines", default=6, show_default=True, type=click.IntRange(min=0), metavar="N",
              help="Fading relationships to draw a timeline for.")
@click.option("--reach/--no-reach", default=True, show_default=True,
              help="Include the referral-reach section (RR-set estimate; the slowest part on big graphs).")
def report(*, inputs: Inputs, analysis: Analysis, output: str, top: int, timelines: int, reach: bool) -> None:
    """One self-contained HTML report (figures inlined, opens offline): the community at a
    glance, nurture next, fading relationships with timelines, influencers, one-sided fans and
    follows, referral reach; each section says how to read it.

    \b
    Example:
      ror report sample_data/events.csv --me brand -o report.html
      ror report ../shared/data/collegemsg/CollegeMsg.txt -o college.html --top 25
    """
    from ror_graph.report import build_report, write_report

    with _progress("building the report") as step:
        step("loading")
        net, me = build_network(inputs, analysis)
        page = build_report(net, me=me, top=top, timelines=timelines,
                            referral=reach, progress=step)
    write_report(page, output)
    if output != "-":
        _message(f"wrote {output} ({len(page.encode('utf-8')) / 1e6:.1f} MB)")


@main.command()
@input_options
@analysis_options
@output_options
@click.option("--weights", metavar="K=V,...", help="Priority weights: value=, bond=, reciprocity=, floor= (as `ror nurture`).")
@click.option("--cadence", metavar="TIER=GAP,...",
              help="Cadence tiers, innermost first, with the maximum gap (or IDEAL/MAX), e.g. inner=14d,close=30d,wider=90d.")
@click.option("--tiers", "tiers_file", metavar="FILE.csv", type=click.Path(dir_okay=False),
              help="Your own tiers: a CSV with columns contact_id,tier (needs --cadence).")
@click.option("--calendar", "calendar_kind", type=click.Choice(["event", "todo"]), default="event", show_default=True,
              help="With -o FILE.ics: all-day events (any calendar) or to-dos (task apps).")
def plan(
    *,
    inputs: Inputs,
    analysis: Analysis,
    out: Output,
    weights: str | None,
    cadence: str | None,
    tiers_file: str | None,
    calendar_kind: str,
) -> None:
    """An outreach plan for --me: who, why, what to do (reply, reach_out, thank_fan,
    ask_referral, reconnect_bridge, keep_in_touch) and a due date from each relationship's
    own rhythm, or sooner when its --cadence tier allows less. CSV for CRMs and spreadsheets
    (UTF-8, ISO dates), JSON/Markdown/Parquet, or -o plan.ics for any calendar app.

    \b
    Example:
      ror plan sample_data/events.csv --me brand --top 20
      ror plan sample_data/events.csv --me brand -o plan.csv
      ror plan sample_data/events.csv --me brand --cadence inner=14d,close=30d,wider=90d -o plan.ics
    """
    from ror_graph.errors import OptionError
    from ror_graph.nurture import NurtureWeights
    from ror_graph.plan import outreach_plan, parse_cadence, read_tiers

    tiers = parse_cadence(cadence) if cadence else None
    if tiers_file and not tiers:
        raise OptionError("--tiers needs --cadence (the tiers' names and gaps)")
    tiers_of = read_tiers(tiers_file, tiers) if tiers_file and tiers else None
    with _progress("planning"):
        net, me = build_network(inputs, analysis)
        table = outreach_plan(net, me=me, weights=NurtureWeights.parse(weights), cadence=tiers, tiers_of=tiers_of)
    output = out.output or ""
    if output.lower().endswith(".ics"):
        from ror_graph.plan_calendar import write_calendar

        if out.top:
            table = table.head(out.top)
        count = write_calendar(table, output, me=me, as_of=net.as_of, kind=calendar_kind)
        _message(f"wrote {count:,} {calendar_kind}s to {output}")
        return
    brief = ["rank", "contact_id", "action", "tier", "due_date", "suggestion"] if tiers else         ["rank", "contact_id", "action", "due_date", "suggestion"]
    emit(table, out, brief=brief)


@main.command()
@input_options
@analysis_options
@click.option("-o", "--output", required=True, metavar="FILE", help="FILE.gexf (Gephi) or FILE.graphml; '-' = stdout with --format.")
@click.option("--format", "fmt", type=click.Choice(["gexf", "graphml"]), help="Default: from the extension of -o.")
@click.option("--reach/--no-reach", default=True, show_default=True,
              help="Include referral_reach as a node attribute (RR-set estimate; the slowest part on big graphs).")
def export(*, inputs: Inputs, analysis: Analysis, output: str, fmt: str | None, reach: bool) -> None:
    """The graph with every score as node and edge attributes, for Gephi (GEXF) or any
    GraphML tool; no empty values (undefined numbers are -1).

    \b
    Example:
      ror export sample_data/events.csv --me brand -o brand.gexf
      ror export ../shared/data/collegemsg/CollegeMsg.txt -o college.graphml
    """
    from ror_graph.gephi import graph_format_for, to_networkx, write_graph

    fmt = graph_format_for(output, fmt)  # fail before the work
    with _progress("exporting") as step:
        step("loading")
        net, me = build_network(inputs, analysis)
        reach_table = None
        if reach:
            step("referral reach")
            from ror_graph.referral import referral_reach

            reach_table = referral_reach(net, seed=0)
        step("scores")
        graph = to_networkx(net, me=me, reach=reach_table)
        step("writing")
        write_graph(graph, output, fmt)
    if output != "-":
        _message(f"wrote {graph.number_of_nodes():,} people and {graph.number_of_edges():,} relationships to {output}")


@main.command()
@input_options
@analysis_options
@output_options
@click.option("--since", required=True, metavar="T",
              help="The earlier moment: ISO date/time, or e.g. -90d (before --as-of).")
@click.option("--per-change", "per_change", default=20, show_default=True, type=click.IntRange(min=1), metavar="N",
              help="At most N rows of each kind of change.")
def diff(*, inputs: Inputs, analysis: Analysis, out: Output, since: str, per_change: int) -> None:
    """What changed between --since and --as-of: who rose or fell in influence, which
    relationships faded or revived, new one-sided fans.

    \b
    Example:
      ror diff sample_data/events.csv --me brand --since -90d
      ror diff ../shared/data/collegemsg/CollegeMsg.txt --since 2004-05-01 --as-of 2004-07-01
    """
    from ror_graph.diff import network_before, what_changed

    with _progress("comparing"):
        later, me = build_network(inputs, analysis)
        earlier = network_before(later, since)
        table = what_changed(earlier, later, me=me, top=per_change)
    emit(table, out, brief=["change", "node_id", "peer", "before", "after", "detail"])


# --- communities, introductions, suggestions ---


def _with_community(table, analyses, *, on: str = "node_id"):
    """``table`` with each person's Leiden ``community`` (see `ror communities`) after column
    ``on``; unchanged on a backend without an in-memory network."""
    from ror_graph.communities import with_community
    from ror_graph.errors import BackendError

    try:
        net = analyses.network()
    except BackendError:
        return table
    return with_community(table, net, on=on)


@main.command()
@input_options
@analysis_options
@output_options
@click.option("--resolution", default=1.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Leiden resolution, at most 1000: above 1 gives more, smaller communities.")
@click.option("--seed", default=7, show_default=True, help="Random seed of Leiden; the same seed gives the same partition.")
@click.option("--window", default="30d", show_default=True, metavar="DURATION",
              help="The summary compares the last window before --as-of with the window before it.")
@click.option("--by", "level", type=click.Choice(["person", "community"]), default="person", show_default=True,
              help="One row per person (community, role) or one row per community (size, modularity, trend).")
def communities(
    *,
    inputs: Inputs,
    analysis: Analysis,
    out: Output,
    resolution: float,
    seed: int,
    window: str,
    level: str,
) -> None:
    """The groups the network falls into (Leiden on tie strength): per person the community,
    its size and a role (hub, bridge, member); with --by community, each group's modularity,
    strength and whether its activity and reciprocity are cooling. With --me, the ego and
    their contacts only.

    \b
    Example:
      ror communities sample_data/events.csv --me brand
      ror communities ../shared/data/collegemsg/CollegeMsg.txt --by community --seed 7
    """
    from ror_graph.communities import find_communities, people_of

    with _progress("ror communities") as step:
        net, me = build_network(inputs, analysis)
        step("Leiden")
        found = find_communities(net, resolution=resolution, seed=seed, window=window)
    _message(
        f"{found.count:,} communities, modularity {found.modularity:.4f} "
        f"(Leiden on tie strength, resolution {found.resolution:g}, seed {found.seed})"
    )
    if level == "community":
        emit(found.summary, out)
    else:
        emit(people_of(found, net, me=me), out)


@main.command()
@input_options
@analysis_options
@output_options
@click.option("--to", "to", required=True, metavar="ID", help="The person you want to be introduced to.")
@click.option("--paths", default=3, show_default=True, type=click.IntRange(min=1), help="How many paths, warmest first.")
@click.option("--max-hops", "max_hops", default=4, show_default=True, type=click.IntRange(min=1, max=5),
              help="Longest path considered (4: a friend of a friend of a friend; at most 5).")
def intro(*, inputs: Inputs, analysis: Analysis, out: Output, to: str, paths: int, max_hops: int) -> None:
    """Warm introductions: the --paths warmest chains of relationships from --me to --to, one
    row per hop with its tie strength, whether it is reciprocated and the last contact. A
    path's warmth is the product of s / (1 + s) over its ties' strengths s, halved for a
    one-sided tie (Yen's k shortest paths on -log warmth).

    \b
    Example:
      ror intro sample_data/events.csv --me brand --to sofia_farah53 --paths 3
    """
    from ror_graph.errors import OptionError
    from ror_graph.intro import intro_paths

    net, me = build_network(inputs, analysis)
    if me is None:
        raise OptionError("an introduction starts from someone: give --me ID")
    table = intro_paths(net, me=me, to=to, paths=paths, max_hops=max_hops)
    if table.height == 0:
        _message(f"no path from {me} to {to} of at most {max_hops} hops")
    emit(table, out, brief=["path", "path_warmth", "hop", "from_id", "to_id", "tie_strength", "reciprocated", "last_contact"])


@main.command()
@input_options
@analysis_options
@output_options
@click.option("--community-bonus", "community_bonus", type=click.FloatRange(min=0), metavar="B",
              help="Score x (1 + B), B from 0 to 100, for people in your community (default: the back-tested value, see docs/backtest.md).")
def suggest(*, inputs: Inputs, analysis: Analysis, out: Output, community_bonus: float | None) -> None:
    """Who you should know: people two steps away you have no tie with, ranked by Adamic-Adar
    on tie strength (shared contacts who are close to both of you count most), boosted when
    they are in your community; each row says why.

    \b
    Example:
      ror suggest sample_data/events.csv --me brand --top 20
    """
    from ror_graph.errors import OptionError
    from ror_graph.suggest import DEFAULT_COMMUNITY_BONUS, suggest_ties

    net, me = build_network(inputs, analysis)
    if me is None:
        raise OptionError("suggestions are for one ego: give --me ID")
    bonus = community_bonus if community_bonus is not None else DEFAULT_COMMUNITY_BONUS
    table = suggest_ties(net, me=me, top=None, community_bonus=bonus)
    emit(table, out, brief=["rank", "node_id", "score", "reason"])


# --- backtest ---


BACKTEST_BRIEF = ["task", "target", "metric", "signal", "role", "mean", "std", "origins", "n", "margin"]
BACKTEST_ORIGIN_BRIEF = ["task", "target", "metric", "signal", "role", "as_of", "value", "n", "positives"]


@main.command()
@input_options
@output_options
@click.option("--as-of", "as_of", multiple=True, required=True, metavar="T",
              help="An origin: score with data up to T (ISO date/time or e.g. -60d). Repeat, or separate with "
                   "commas, for a rolling-origin test.")
@click.option("--horizon", default="30d", show_default=True, help="Look at what happened in (T, T + horizon].")
@click.option("--me", metavar="ID", callback=_not_empty, help="Test only this ego's relationships and contacts.")
@click.option("--half-life", "half_life", metavar="DURATION", help="Half-life of tie strength (default: the library's, see docs/backtest.md).")
@click.option("--kind-weight", "kind_weights", multiple=True, callback=_pairs, metavar="KIND=W",
              help="Weight of one event of a kind, e.g. --kind-weight reply=4,like=0.2.")
@click.option("--active-window", "active_window", metavar="DURATION",
              help="A tie is active at T if it had an interaction this long before T (default: 3 x horizon).")
@click.option("--cadence", metavar="DURATION",
              help="N of the fixed-cadence baseline (flag after N days of silence; default: the median gap at T).")
@click.option("--task", "tasks", multiple=True, type=click.Choice(["fading", "value", "referral", "nurture", "suggest"]),
              help="Only these tasks (repeatable; default: all that the data allows, except suggest: ask for it).")
@click.option("--min-events", "min_events", default=3, show_default=True, type=click.IntRange(min=1),
              help="Fading task: score every pair with at least this many interactions before T.")
@click.option("--per-origin", "per_origin", is_flag=True, help="One row per origin instead of mean and spread.")
@click.option("--rr-sets", "rr_sets", type=click.IntRange(min=1), metavar="N",
              help="Reverse-reachable sets for the referral reach estimate (default: enough for 10% error).")
@click.option("--seed", default=0, show_default=True, help="Seed of the referral reach estimate.")
def backtest(
    *,
    inputs: Inputs,
    out: Output,
    as_of: tuple[str, ...],
    horizon: str,
    me: str | None,
    half_life: str | None,
    kind_weights: dict[str, str],
    active_window: str | None,
    cadence: str | None,
    tasks: tuple[str, ...],
    min_events: int,
    per_origin: bool,
    rr_sets: int | None,
    seed: int,
) -> None:
    """Do the rankings predict? Score each relationship with data up to --as-of T, then check
    (T, T + horizon]: fade_risk vs silence, strength and PageRank vs future interaction and
    reciprocation, referral reach vs future shares, each next to simple baselines (recency,
    a fixed cadence, raw counts). Several --as-of give the mean and spread.

    \b
    Example:
      ror backtest ../shared/data/collegemsg/CollegeMsg.txt --as-of 2004-05-15,2004-06-01,2004-06-15
      ror backtest ../shared/data/copenhagen/sms.csv --as-of 1970-01-13 --as-of 1970-01-16 --horizon 7d -o bt.csv
      ror backtest ../shared/data/collegemsg/CollegeMsg.txt --as-of 2004-06-01 --task suggest   # new ties
    """
    from ror_graph import strength
    from ror_graph.backtest import backtest as run_backtest
    from ror_graph.backtest import summarize

    dataset = load_dataset(inputs)
    origins = [part.strip() for value in as_of for part in value.split(",") if part.strip()]
    weights = {k: _number(v, f"--kind-weight {k}") for k, v in kind_weights.items()}
    _message(f"back-testing {len(origins)} origin(s), horizon {horizon}")
    results = run_backtest(
        dataset,
        origins,
        horizon=horizon,
        me=me or dataset.ego,
        active_window=active_window,
        cadence=cadence,
        half_life=half_life or strength.DEFAULT_HALF_LIFE,
        kind_weights=weights,
        tasks=tasks or ("fading", "value", "referral", "nurture"),
        rr_sets=rr_sets,
        seed=seed,
        min_events=min_events,
    )
    if per_origin:
        emit(results, out, brief=BACKTEST_ORIGIN_BRIEF)
    else:
        emit(summarize(results), out, brief=BACKTEST_BRIEF)


if __name__ == "__main__":
    main()
