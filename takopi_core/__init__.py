"""takopi_core: the Takopi plugin host (discovery, probe, config, API, run pipeline, CLI).

Kept empty on purpose: importing the package must stay cheap so `takopi --help` is fast.
"""

__version__ = "0.1.0"
