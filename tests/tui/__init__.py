"""TUI tests: Pilot, snapshots, a real terminal (tmux) and the plain fallback."""
