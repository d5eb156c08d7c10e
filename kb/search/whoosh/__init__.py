"""The default search backend: a Whoosh index on local disk (:class:`backend.WhooshBackend`).

``backend`` reads and writes under the locks of ``storage`` (generation directories, CURRENT pointer);
``snapshot`` is one open index state with its caches (cards, facets, ``titles`` suggester,
``vocabulary``), ``matching`` scores query units with ``scoring`` (BM25 over whole posting lists);
``fields`` and ``analysis`` define what is indexed. ``lowlevel/`` is the only code that uses Whoosh's
private names; everything else here uses Whoosh's public API.
"""
