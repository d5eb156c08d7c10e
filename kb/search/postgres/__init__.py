"""Search in PostgreSQL, beside the content (:class:`backend.PostgresBackend`); never imports Whoosh.

``ddl`` creates the search tables (shared with the migration); ``write`` fills them in the caller's
transaction or the backend's own; ``query`` analyses a query in one round trip into tsqueries;
``sql`` holds the statements of one search (match, rank, facets, highlights).
"""
