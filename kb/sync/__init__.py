"""Full sync for offline apps: an initial sync in pages, then deltas from the changes feed.

``cursors`` owns the opaque cursor, ``horizon`` how far the feed was pruned (and the 410 past it),
``affected`` which items a stretch of the feed touched, ``views`` what an item is now along a chain,
``pages`` the initial and delta pages.
"""
