"""The only code that uses Whoosh's private names (codec internals, matcher blocks, writer state).

``writer`` writes a rebuild's segment in bulk, ``postings`` reads whole posting lists and field
lengths, ``flat_postings`` keeps a rebuilt segment's postings as plain arrays, ``mapped`` reads
compound segments in place from their memory map. They were written
against one release of whoosh-reloaded, checked here at import: another release fails at once with
:class:`WhooshVersionError` (re-check these modules against it, run tests/search/whoosh, then change
:data:`WRITTEN_FOR`) instead of degrading into a slow path or wrong results.
"""

from __future__ import annotations

from importlib import metadata

WRITTEN_FOR = "2.7.5"  # the whoosh-reloaded release (requirements.txt pins it)
DISTRIBUTION = "whoosh-reloaded"


class WhooshVersionError(ImportError):
    """The installed Whoosh is not the release kb.search.whoosh.lowlevel was written for."""


def check_version(installed: str | None) -> None:
    """Raise WhooshVersionError unless ``installed`` (a version of whoosh-reloaded, None when it is not
    installed) is :data:`WRITTEN_FOR`."""
    if installed != WRITTEN_FOR:
        found = f"{DISTRIBUTION} {installed}" if installed else f"no {DISTRIBUTION} distribution"
        raise WhooshVersionError(
            f"kb.search.whoosh.lowlevel uses private names of {DISTRIBUTION} {WRITTEN_FOR}, but {found} is "
            f"installed: install {DISTRIBUTION}=={WRITTEN_FOR} (requirements.txt), or port "
            "kb/search/whoosh/lowlevel/ to that release and change WRITTEN_FOR"
        )


def installed_version() -> str | None:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


check_version(installed_version())
