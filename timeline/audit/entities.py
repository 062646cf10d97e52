"""The history of an actor or place: every gazetteer statement about it, in log order.

Who registered it, which aliases were given to it or moved to or from it, when, by
whom and why. The statements come from the log itself (the read model's log index
says where they are), so nothing here can differ from what was recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from timeline.domain.places import PlaceRef, Places
from timeline.domain.values import normalise_name, qualifiers
from timeline.errors import NotFoundError
from timeline.queries import find_place, resolve_as_of
from timeline.results import EntityHistoryResult, EntityStatement

if TYPE_CHECKING:
    from timeline.application import Timeline

GAZETTEER = ("ActorRegistered", "LocationRegistered", "AliasAdded", "AliasMoved")


def entity_history(app: Timeline, kind: str, name: str, as_of: str | None = None) -> EntityHistoryResult:
    """Every statement about the actor or place `name` up to `as_of`."""
    app.refresh()  # a read: works on a store that cannot be written
    view = app.view
    position = resolve_as_of(view, as_of)
    place_path: list[str] | None = None
    places = Places(view.places(position))
    if kind == "location":
        found = find_place(view, name, None, position)
        key = found or view.resolve("location", normalise_name(name), position)
        place_path = places.path(key) or None
    else:
        key = view.resolve("actor", normalise_name(name), position)
    names = {key, *view.alias_keys_ever(kind, key)}
    if place_path:
        names.add(normalise_name(place_path[-1]))
    statements = []
    for row in view.log_of_events(GAZETTEER, position):
        stored = app.recorder.select_events(UUID(row["originator_id"]), limit=1)
        if not stored:
            continue
        event, payload = app.payload_of(stored[0])
        if _about(event, payload, kind, names, place_path, places):
            shown = {
                k: v for k, v in payload.items() if k not in ("timestamp", "recorded_by") and v is not None
            }
            statements.append(
                EntityStatement(
                    position=row["position"],
                    event=event,
                    recorded_at=row["recorded_at"],
                    recorded_by=row["recorded_by"],
                    reason=payload.get("reason"),
                    statement=shown,
                )
            )
    if not statements and view.entity(kind, key, position) is None:
        raise NotFoundError(f"no {kind} {name!r} registered or aliased in the record")
    entity = view.entity(kind, key, position)
    return EntityHistoryResult(
        kind=kind,
        name=entity["name"] if entity else name.strip(),
        place_path=place_path,
        aliases=[spelling for _, spelling in view.aliases(kind, [key], position)],
        as_of=as_of,
        statements=statements,
    )


def _about(
    event: str,
    payload: dict[str, Any],
    kind: str,
    names: set[str],
    place_path: list[str] | None,
    places: Places,
) -> bool:
    if event == "ActorRegistered":
        return kind == "actor" and normalise_name(payload["name"]) in names
    if event == "LocationRegistered":
        if kind != "location" or normalise_name(payload["name"]) not in names:
            return False
        if place_path is None:
            return True
        wanted = [normalise_name(q) for q in qualifiers(payload.get("within"))]
        enclosing = [normalise_name(p) for p in reversed(place_path[:-1])]
        return wanted == enclosing[: len(wanted)] or bool(payload.get("key"))
    if payload.get("entity") != kind:
        return False
    mentioned = {payload.get("name"), payload.get("alias"), payload.get("from"), payload.get("to")}
    return any(normalise_name(m) in names for m in mentioned if m) or any(
        places.resolve(PlaceRef(str(m))).place in names for m in mentioned if m and kind == "location"
    )
