"""Widgets of the plugins screen: the table, the detail and error panes, the summary line."""
