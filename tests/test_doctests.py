"""Every docstring example in the ror_graph package (loaders included) runs and prints what it says.

This is ``pytest --doctest-modules`` over the installed package: the loaders live in ``loaders/``
but are imported as ``ror_graph.loaders``, which a path-based collection would get wrong.
"""

from __future__ import annotations

import doctest
import importlib
import io
import pkgutil
from contextlib import redirect_stdout
from pathlib import Path

import pytest

import ror_graph
import ror_graph.loaders

ROOT = Path(__file__).resolve().parents[1]


def _modules() -> list[str]:
    names = {"ror_graph", "ror_graph.loaders"}
    for package in (ror_graph, ror_graph.loaders):
        names.update(m.name for m in pkgutil.walk_packages(package.__path__, f"{package.__name__}."))
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(name, monkeypatch):
    monkeypatch.chdir(ROOT)  # examples may name sample_data/...
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report = io.StringIO()
    with redirect_stdout(report):
        for test in finder.find(module, name):
            runner.run(test, out=report.write)
    assert runner.failures == 0, report.getvalue()
