"""Audit: verifying the log and the read models."""
