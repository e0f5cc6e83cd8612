"""Python's cycle collector while a build runs.

A build at 10^6 triples makes tens of millions of objects (rdflib terms and graphs, lines,
packed triples), and holds most of them until it ends. The collector walks every object of
a generation each time it collects that generation, so the more a build holds, the more
each collection costs:

- with the default thresholds it collected again and again as the parsed graphs grew: 40 %
  of the parse at 10^5 triples, more at 10^6. Inside :func:`fewer_collections` it
  collects rarely;
- rarely is not never: at 10^6 a middle-generation collection still walked the millions of
  objects read so far (2.1 s, during the parse of a full build; 1.4–1.9 s during the checks
  of a one-article rebuild), and in a rebuild another one, when the thresholds were set
  back as the build returned, walked them again (0.4–1.4 s, after everything was
  published).

:func:`settle`, called where the build has made what it will hold (each file read, their
merge, the inferred graph), moves every object that exists to the collector's permanent
generation (:func:`gc.freeze`): later collections walk only what came since. A forked
child (the SHACL check, the events table) inherits that, so its collections do not walk
the parent's objects either, nor copy the pages they lie on. As the outermost
:func:`fewer_collections` ends, in a process that ends with ``os._exit`` (the console
script's build, a forked child: :func:`.forked.ends_at_once`) what the build made stays
frozen, since nothing of it is ever freed; in any other process (the tests, a server that
builds) it goes back to the collector's oldest generation (:func:`gc.unfreeze`) and is
collected as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from conflictkg.pipeline import forked

_DEPTH = 0  # fewer_collections blocks entered and not yet left


@contextmanager
def fewer_collections() -> Iterator[None]:
    """The collector run rarely while the block runs; what :func:`settle` froze in it is
    given back to the collector as the outermost block ends (unless the process ends with
    ``os._exit``, see the module's documentation). The objects of a build are freed by
    reference counting; the collector still runs, only less often."""
    global _DEPTH
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    _DEPTH += 1
    try:
        yield
    finally:
        _DEPTH -= 1
        if _DEPTH == 0:
            if forked.holds_to_the_end():
                gc.freeze()  # held to the end: no collection need walk it again
            else:
                gc.unfreeze()
        gc.set_threshold(*thresholds)


def settle() -> None:
    """Inside :func:`fewer_collections`: the objects that exist now are not walked by the
    collector again until the block ends (they are held by the build). Outside: nothing."""
    if _DEPTH > 0:
        gc.freeze()
