"""The log's hash chain: each stored event's bytes, linked to everything before it.

`head(n) = sha256(head(n-1) || position || originator_id || version || topic || sha256(state))`.
The head after each appended batch is written in the same transaction as the batch
(table `timeline_digests`), so `timeline verify` can prove no stored byte changed,
and a published head proves the log up to that position is unchanged since.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING
from uuid import UUID

if TYPE_CHECKING:
    from collections.abc import Sequence

    from eventsourcing.persistence import StoredEvent

GENESIS = bytes(32)


def link(
    previous: bytes, position: int, originator_id: UUID | str, version: int, topic: str, state: bytes
) -> bytes:
    """The chain head after one more stored event."""
    oid = originator_id.hex if isinstance(originator_id, UUID) else str(originator_id)
    digest = hashlib.sha256(previous)
    digest.update(f"|{position}|{oid}|{version}|{topic}|".encode())
    digest.update(hashlib.sha256(bytes(state)).digest())
    return digest.digest()


def extend(head: bytes, positions: Sequence[int], events: Sequence[StoredEvent]) -> bytes:
    """The chain head after a batch of stored events, linked in position order."""
    for position, event in sorted(zip(positions, events, strict=True), key=lambda pair: pair[0]):
        head = link(head, position, event.originator_id, event.originator_version, event.topic, event.state)
    return head
