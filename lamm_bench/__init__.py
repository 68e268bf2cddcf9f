"""lamm_bench: score predictions on the LAMM benchmarks, by id, with the paper's protocol and honest metrics.

Never imports torch; nothing is computed at import time.
"""

from lamm_data._version import __version__

__all__ = ["__version__"]
