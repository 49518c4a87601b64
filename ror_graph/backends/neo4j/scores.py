"""Writing the engine's scores back onto the stored people and relationships."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ror_graph.backends.neo4j.errors import unfinished
from ror_graph.backends.neo4j.output import ScoreReport, progress_bar
from ror_graph.backends.neo4j.read import Reader
from ror_graph.backends.neo4j.rows import (
    ego_nurture_rows,
    person_scores,
    relationship_scores,
)
from ror_graph.backends.neo4j.settings import DEFAULT_BATCH

if TYPE_CHECKING:
    from ror_graph.network import Network

__all__ = ["ScoreWriter"]


class ScoreWriter(Reader):
    """Writes scores (needs a complete load, :meth:`Reader.load_record`)."""

    def write_scores(
        self, net: Network, *, me: str | None = None, batch_size: int = DEFAULT_BATCH, progress: bool = True
    ) -> ScoreReport:
        """Write the engine's scores for ``net`` onto the stored people and relationships
        (and, with ``me``, the ego's nurture-next list as [:NURTURE_NEXT])."""
        started = time.perf_counter()
        record = self.load_record()
        people = person_scores(net)
        rels = relationship_scores(net)
        nurture = ego_nurture_rows(net, me) if me is not None else None
        scored = {"scored_as_of": net.as_of}  # one parameter, not one datetime per row
        self.run("scores_begin", write=True)
        with unfinished("the scores were not all written (marked incomplete): call write_scores again"):
            with progress_bar(progress) as bar:
                self._write_batches(bar, "person scores", "write_person_scores", people, batch_size, scored)
                self._write_batches(bar, "relationship scores", "write_relationship_scores", rels, batch_size, scored)
                if nurture is not None:
                    self.run("clear_nurture_next", {"ego": me}, write=True)
                    for start in range(0, nurture.height, batch_size):
                        rows = nurture.slice(start, batch_size).to_dicts()
                        self.run("write_nurture_next", {"ego": me, "load_id": record.get("load_id", ""), "rows": rows},
                                 write=True)
            self.run("scores_finish", {**scored, "ego": me}, write=True)
        return ScoreReport(
            people=people.height,
            relationships=rels.height,
            nurture_rows=nurture.height if nurture is not None else 0,
            as_of=net.as_of,
            seconds=time.perf_counter() - started,
        )
