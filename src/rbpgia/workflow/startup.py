"""Fast start-up of short-lived workflow jobs.

Importing Keras with TensorFlow creates about 730,000 Python objects, pandas, SciPy and
Matplotlib about 200,000 more. Python's cyclic garbage collector walks them again and
again while they are created, and once more at interpreter exit, although almost none
of them is garbage. On a 2.45 GHz Zen 3 core that is about 4 of the 10.5 CPU seconds it
takes to start TensorFlow, and 1.6 of 4.2 s for the scientific stack alone; a demo run
starts over a hundred such jobs. Job scripts therefore import under
:func:`fast_imports`.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def fast_imports() -> Iterator[None]:
    """Pause the cyclic garbage collector while importing; then freeze what exists.

    Everything alive when the block ends moves to the collector's permanent generation
    (:func:`gc.freeze`), so neither later collections nor interpreter exit walk the
    imported modules again. Objects created afterwards are collected as usual. The cost
    is that reference cycles left over by the imports themselves are never freed (about
    4,000 small objects for TensorFlow). Meant for one-shot processes, not libraries.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
