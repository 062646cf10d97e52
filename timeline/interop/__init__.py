"""Interop: import third-party event tables (ACLED, UCDP GED, Bellingcat civilian-harm
map exports) as journals, and export timelines as TimelineJS JSON, CSV or NDJSON.

Importers map each row to journal objects (CONTRACT §3), then `importer.import_rows`
turns them into a journal of new facts and amendments against the store and appends
it with `Timeline.append`, so validation, batching and idempotency are the record's own.
"""
