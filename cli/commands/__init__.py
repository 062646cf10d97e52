"""Command groups; each module's `register(app)` adds its commands."""
