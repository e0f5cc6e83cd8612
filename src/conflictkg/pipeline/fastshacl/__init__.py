"""SHACL validation compiled to SPARQL and run on an in-memory pyoxigraph store.

The build's fast path (``engine.report``): every constraint of a targeted shape becomes one
SPARQL query that selects the focus nodes (and values) violating it, so a constraint costs
one query over the whole data instead of pySHACL's work per focus node. The report is a
pySHACL-shaped report graph, so ``conflictkg.shacl`` and ``conflictkg.views`` read it
unchanged. pySHACL stays the reference: ``tests/test_fastshacl.py`` compares the two.

``compiler`` turns the shapes graph into queries (and refuses what it cannot compile);
``engine`` loads the data and runs them; ``selection`` picks the engine of a run.
"""
