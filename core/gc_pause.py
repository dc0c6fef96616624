"""The cyclic garbage collector paused around bulk allocation.

Building hundreds of thousands of small objects (a graph's lists and dicts, an exposure's
780 000 asset entries) triggers collection after collection, and each full one rescans every
object the process holds — in a worker, the service graphs and caches it keeps warm. None of
these objects is garbage: pausing the collector while they are made and enabling it after loses
nothing."""
import contextlib
import gc


@contextlib.contextmanager
def no_gc():
    """Pause the cyclic collector for the block (restored as it was, even on error)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
