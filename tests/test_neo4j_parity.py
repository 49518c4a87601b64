"""--backend neo4j gives the memory backend's answers: the same engine code on the graph read
back from a real Neo4j server, on real datasets (CollegeMsg, bitcoin-alpha)."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ror_graph.fading import fading_ties
from ror_graph.influence import influencers
from ror_graph.loaders import load_events
from ror_graph.network import Network
from ror_graph.nurture import nurture_next
from ror_graph.reciprocity import person_reciprocity, reciprocity_summary, relationship_reciprocity
from ror_graph.stats import network_stats

from _neo4j_helpers import graph_of

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

DATASETS = {
    "collegemsg": "collegemsg/CollegeMsg.txt",
    "bitcoin-alpha": "bitcoin-alpha/soc-sign-bitcoinalpha.csv",
}


@pytest.fixture(scope="module", params=sorted(DATASETS))
def both(request, neo4j_server, shared_data):
    """(memory Network, Network read back from Neo4j) for one dataset."""
    dataset = load_events([str(shared_data / DATASETS[request.param])])
    with graph_of(neo4j_server) as graph:
        graph.load(dataset, replace=True, progress=False)
        from_neo4j = graph.network()
    return Network.from_dataset(dataset), from_neo4j


def _same(a: pl.DataFrame, b: pl.DataFrame, key: str) -> None:
    """Same rows in the same rank order; floats equal to 1e-9 relative."""
    assert a[key].to_list() == b[key].to_list()
    assert_frame_equal(a, b, check_exact=False, rel_tol=1e-9, abs_tol=1e-12)


def test_influencers(both):
    memory, neo4j = both
    _same(influencers(memory), influencers(neo4j), "node_id")


def test_reciprocity(both):
    memory, neo4j = both
    assert reciprocity_summary(memory) == reciprocity_summary(neo4j)
    _same(person_reciprocity(memory), person_reciprocity(neo4j), "node_id")
    _same(relationship_reciprocity(memory), relationship_reciprocity(neo4j), "a")


def test_fading(both):
    memory, neo4j = both
    _same(fading_ties(memory), fading_ties(neo4j), "b")


def test_nurture(both):
    memory, neo4j = both
    _same(nurture_next(memory), nurture_next(neo4j), "node_id")


def test_stats(both):
    memory, neo4j = both
    assert network_stats(memory) == network_stats(neo4j)


def test_ego_and_as_of(both):
    """An ego view at an earlier as_of and another half-life: the stored interactions allow it."""
    memory, neo4j = both
    ego = influencers(memory)["node_id"][0]
    kwargs = dict(as_of="-30d", half_life="14d")
    m = Network.from_dataset(memory.dataset, **kwargs)
    n = Network.from_dataset(neo4j.dataset, **kwargs)
    _same(nurture_next(m, me=ego), nurture_next(n, me=ego), "node_id")
