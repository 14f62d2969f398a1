"""The public face for plugins: `from takopi.api import ...` works as the plugin guide shows."""
