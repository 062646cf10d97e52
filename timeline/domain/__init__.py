"""The domain: events, value objects and aggregates of the record."""
