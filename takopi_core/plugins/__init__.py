"""Plugins: discovery from metadata, loading and checks, the probe, the enabled list, reports."""
