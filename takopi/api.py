"""Re-export of :mod:`takopi_core.api`, the stable plugin API."""

from takopi_core.api import *  # noqa: F403
from takopi_core.api import __all__  # noqa: F401
