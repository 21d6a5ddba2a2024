# The firm is Norwegian: English pages keep Norwegian dates and amounts (27.11.2026, kr 1 234,50).
from samspill.formats.nb.formats import *  # noqa: F403
