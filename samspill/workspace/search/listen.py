"""The index follows every change: each action's event re-indexes the object it is about, after commit."""

from __future__ import annotations

from typing import Any

from samspill.lib import events
from samspill.workspace.search.index import refresh, refresh_mentions, sources_for


def follow(event: Any) -> None:
    """Re-index the event's object if search covers it (or else its context, such as a document's), and
    the objects whose text quotes a field it changed (an opportunity quotes its customer's name)."""
    target = event.target_type.model_class()
    if target is not None and event.changes:
        refresh_mentions(target, event.target_id, event.changes)
    for kind, object_id in (("target", event.target_id), ("context", event.context_id)):
        content_type = getattr(event, f"{kind}_type", None)
        model = content_type.model_class() if content_type is not None else None
        if model is not None and object_id and sources_for(model):
            refresh(model, object_id)
            return


events.on_event(follow)
