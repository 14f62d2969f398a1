"""Helpers shared by the tests: test distributions, plugin sources, processes."""
