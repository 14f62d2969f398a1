"""Built-in plugins, registered as entry points of this distribution like any plugin."""
