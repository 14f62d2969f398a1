"""The stable plugin API, as the plugin guide imports it: the names of :mod:`takopi_core.api`."""

from typing import Any

from takopi_core import api as _core
from takopi_core.api import TAKOPI_PLUGIN_API_VERSION, __all__  # noqa: F401


# Any, as in takopi_core.api: the names resolve lazily (object made every use an error).
def __getattr__(name: str) -> Any:
    return getattr(_core, name)


def __dir__() -> list[str]:
    return list(__all__)
