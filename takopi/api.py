"""The stable plugin API, as the plugin guide imports it: the names of :mod:`takopi_core.api`."""

from takopi_core import api as _core
from takopi_core.api import TAKOPI_PLUGIN_API_VERSION, __all__  # noqa: F401


def __getattr__(name: str) -> object:
    return getattr(_core, name)


def __dir__() -> list[str]:
    return list(__all__)
