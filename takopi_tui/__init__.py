"""takopi_tui: the Textual app behind `takopi tui`."""
