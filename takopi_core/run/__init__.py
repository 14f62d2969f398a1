"""The run pipeline: events, runners, the bridge, commands, the runtime, the lock, logs."""
