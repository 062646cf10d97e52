"""What full-text search reads of a fact: its summary, quotes and source names.

One `tl_search` row per fact version (`body`), joined to the version's rows for
as-of reads. SQLite indexes it with FTS5 (porter stemming), PostgreSQL with a
tsvector (`english`); both match every word of the query, ranked by relevance.
"""

from __future__ import annotations

import re
from typing import Any

_WORD = re.compile(r"\w+")


def search_text(fields: dict[str, Any]) -> str:
    """The searchable text of a fact state: summary, its own quote, source names and quotes."""
    parts = [fields.get("summary") or ""]
    if fields.get("quote"):
        parts.append(fields["quote"])
    for source in fields.get("sources") or ():
        parts.append(source.get("name") or "")
        if source.get("quote"):
            parts.append(source["quote"])
    return "\n".join(part for part in parts if part)


def words(text: str) -> list[str]:
    """The words of a query (letters and digits), in order."""
    return _WORD.findall(text)


def fts5_query(text: str) -> str:
    """An FTS5 MATCH expression requiring every word, each quoted so none is an operator."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in words(text))
