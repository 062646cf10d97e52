"""Sizes and limits of an append, shared by its check (`validation`) and its write (`application`)."""

BATCH_SIZE = 1000
"""Journal objects written per transaction, and facts checked against the store per query."""
MAX_REPORTED_ERRORS = 50
"""Problems of an input kept for the error message; all of them are counted."""
