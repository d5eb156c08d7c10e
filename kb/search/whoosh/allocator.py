"""glibc's malloc kept handing large freed blocks back to the system (a worker's memory, issue 16).

A search builds large short-lived blocks (a common word's posting arrays, its score dict over most
documents). glibc serves blocks from 128 KiB on with their own mapping, returned on free, but after
the first such free it raises that threshold (up to 32 MiB), so later ones come from the heap, whose
freed space the process keeps: at 100,000 entries about 15 MB more per worker after warm-up.
Fixing the threshold (``mallopt(M_MMAP_THRESHOLD)``, which also turns the raising off) keeps them
mapped and returned. Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes

M_MMAP_THRESHOLD = -3  # glibc's malloc.h
MMAP_THRESHOLD = 128 * 1024  # glibc's default, kept fixed


def return_large_blocks() -> bool:
    """Fix glibc's mmap threshold for this process; False where there is no glibc ``mallopt``."""
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
