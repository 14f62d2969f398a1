"""The built-in engines: Codex, Claude Code, OpenCode and Pi, driven as upstream Takopi drives them.

Each engine has two modules: ``<engine>.py`` (the ``EngineBackend``, the runner: invocation,
environment, resume lines, how a run ends) and ``<engine>_stream.py`` (the translation of the
CLI's JSON lines into takopi events, testable on recorded lines without a process).
"""
