"""Read models: timelines per actor, location and incident, rebuilt from the log."""
