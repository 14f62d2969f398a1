"""Screens: the main plugins screen, help, and the dialogs (confirm, diff preview)."""
