"""Every command has help with an example, and a section in README.md.

README convention (tolerant of the README's structure): a command ``X`` is documented when
README.md has a Markdown heading that contains ``ror X`` (for example ``### `ror plan``` or
``## Outreach plans (ror plan)``), or any line containing the inline code ```ror X```
exactly. A subcommand ``G X`` may have its own such section, or be named (``ror G X``)
anywhere in README.md when ``G`` has a section.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ror_graph.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        if command.hidden:
            continue
        full = f"{prefix}{name}"
        found.append((full, command))
        if isinstance(command, click.Group):
            found += _commands(command, prefix=f"{full} ")
    return found


COMMANDS = _commands(main)
NAMES = [name for name, _ in COMMANDS]


def documented(readme: str, name: str) -> bool:
    """Does ``readme`` have a section for ``ror NAME`` (see the module docstring)?"""
    words = r"\s+".join(re.escape(part) for part in f"ror {name}".split())
    heading = re.compile(rf"^#{{1,6}}\s.*(?<![\w-]){words}(?![\w-])", re.MULTILINE)
    inline = f"`ror {name}`"
    return bool(heading.search(readme)) or inline in readme


def test_the_convention_accepts_headings_and_inline_code_and_nothing_else() -> None:
    readme = "# Tool\n\n### `ror plan`\n\ntext\n\n## Seeing changes (ror diff)\n\nUse `ror export` for Gephi.\n"
    assert documented(readme, "plan")
    assert documented(readme, "diff")
    assert documented(readme, "export")
    assert not documented(readme, "report")
    assert not documented("Run ror reports daily; `ror report --help`.\n## ror reporting\n", "report")
    assert documented("## `ror neo4j`\n\n### `ror neo4j load`\n", "neo4j load")


def test_there_are_commands() -> None:
    assert {"report", "plan", "export", "diff", "nurture"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_command_has_help_with_an_example(name: str) -> None:
    result = CliRunner().invoke(main, [*name.split(), "--help"])
    assert result.exit_code == 0, result.output
    command = dict(COMMANDS)[name]
    assert (command.help or "").strip(), f"`ror {name}` has no help text"
    if not isinstance(command, click.Group):
        assert re.search(rf"Examples?:\s*\n\s+ror {re.escape(name)}\b", result.output), (
            f"`ror {name} --help` shows no example (add a '\\b' 'Example:' block with 'ror {name} ...')"
        )


@pytest.mark.parametrize("name", NAMES)
def test_command_has_a_readme_section(name: str) -> None:
    readme = ROOT / "README.md"
    assert readme.exists(), "README.md is missing"
    text = readme.read_text(encoding="utf-8")
    parent, _, _ = name.rpartition(" ")
    if parent and documented(text, parent) and re.search(rf"ror {re.escape(name)}(?![\w-])", text):
        return
    assert documented(text, name), (
        f"README.md has no section for `ror {name}`: add a heading such as ### `ror {name}`"
    )
