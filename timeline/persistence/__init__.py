"""Adapters to the stores: the codec, SQLite and PostgreSQL recorders and views."""
