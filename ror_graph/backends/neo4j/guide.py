"""A Neo4j Browser guide (``:play URL``) that walks through the shipped queries.

Each slide sets the query's parameters to its header's examples (``:params {...}``), runs the
query, and says in one line what the result means (the ``// Reading:`` line of the ``.cypher``
file). ``python neo4j_server/server.py start`` serves it next to Browser and prints the
``:play`` line; ``ror neo4j guide -o FILE`` writes it anywhere. Browser fetches remote guides only
from the hosts in the server setting ``browser.remote_content_hostname_whitelist`` (Neo4j
5.26's name for it; the project's server sets ``127.0.0.1,localhost,guides.neo4j.com``).

Example
-------
>>> html = guide_html()
>>> '<pre class="pre-scrollable code runnable">' in html and "nurture_next" in html
True
"""

from __future__ import annotations

from html import escape

from ror_graph.backends.neo4j.queries import Query, queries

__all__ = ["GUIDE_ORDER", "guide_html"]

#: The queries of the guide, in the order a user meets them.
GUIDE_ORDER = (
    "top_influencers",
    "community_nurture_next",
    "nurture_next",
    "fading_relationships",
    "give_get_balance",
    "one_sided_fans",
    "person_reciprocity",
    "community_reciprocity",
    "silence_vs_gap",
    "warm_intro_paths",
    "ego_network",
)

_INTRO = """
<h3>ror-graph: who is valuable, who gives back, whom to nurture next</h3>
<p>These slides run the queries ror-graph ships in <code>cypher/</code> on the graph that
<code>ror neo4j load</code> stored and <code>ror neo4j write-scores</code> scored. Load and score
first, from a shell:</p>
<pre class="pre-scrollable code">ror neo4j load sample_data/events.csv
ror neo4j write-scores --me brand</pre>
<p>Each slide sets the query's parameters (click the <code>:params</code> block), then runs the
query (click it). Change a parameter by editing the block before you run it.</p>
<p>The graph: <code>(:Person)-[:INTERACTS]-&gt;(:Person)</code>, one relationship per direction
of attention, with strength, tie strength, fade risk and give/get balance on it; influence,
reciprocity and nurture priority on <code>:Person</code>.</p>
"""


def _params_block(query: Query) -> str:
    if not query.params:
        return ""
    body = ", ".join(f"{name}: {value}" for name, value in query.params.items())
    return f'<pre class="pre-scrollable code runnable">:params {{{escape(body)}}}</pre>\n'


def _slide(inner: str) -> str:
    return f'<slide class="row-fluid">\n<div class="col-sm-12">\n{inner}\n</div>\n</slide>\n'


def guide_html() -> str:
    """The guide as one HTML page in Browser's guide format (``<article class="guide">``)."""
    all_queries = queries()
    slides = [_slide(_INTRO)]
    for name in GUIDE_ORDER:
        query = all_queries[name]
        inner = (
            f"<h3>{escape(name)}</h3>\n<p>{escape(query.purpose)}</p>\n"
            f"{_params_block(query)}"
            f'<pre class="pre-scrollable code runnable">{escape(query.text)}</pre>\n'
            f"<p><b>Reading the result:</b> {escape(query.reading)}</p>"
        )
        slides.append(_slide(inner))
    return (
        '<article class="guide">\n<carousel class="deck container-fluid">\n'
        + "".join(slides)
        + "</carousel>\n</article>\n"
    )
