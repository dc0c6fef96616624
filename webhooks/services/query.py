"""The subscription filter (`query`), TMF621 hub style.

Grammar (a URL query string, clauses joined by `&`, all must hold):

    query   := clause ("&" clause)*
    clause  := "eventType" "=" names          one of these event types
             | path "=" values               the envelope value at `path` equals one of the values
    names   := name ("," name)*               names from the catalogue (TroubleTicketCreateEvent, alert.created…)
    path    := "event." key ("." key)*        dotted path into the envelope's `event`, e.g.
                                              event.troubleTicket.severity, event.troubleTicket.status
    values  := value ("," value)*             compared as text, case-insensitively

A path that crosses a list matches when any element matches
(`event.troubleTicket.relatedEntity.@referredType=RouteSegment`); a missing path never matches.
Values are URL-decoded (`%2C` for a literal comma is not supported: a comma always separates values).
"""
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from django.utils.translation import gettext as _

from ..registry import is_registered

MAX_CLAUSES = 20


class QueryError(ValueError):
    """A query that cannot be understood; the message says why (shown under the `query` path)."""


@dataclass(frozen=True)
class ParsedQuery:
    event_types: frozenset = frozenset()  # empty: any
    conditions: tuple = field(default_factory=tuple)  # ((path tuple, frozenset of lower-case values), ...)

    def matches(self, envelope: dict) -> bool:
        if self.event_types and envelope.get("eventType") not in self.event_types:
            return False
        return all(_path_matches(envelope, path, values) for path, values in self.conditions)


# TMF621 v4 names the state-change notification `TroubleTicketStatusChangeEvent`; Vigie Fibre emits
# `TroubleTicketStateChangeEvent` (its first name). A listener asking for either gets both spellings.
EVENT_TYPE_ALIASES = {
    "TroubleTicketStatusChangeEvent": ("TroubleTicketStateChangeEvent", "TroubleTicketStatusChangeEvent"),
    "TroubleTicketStateChangeEvent": ("TroubleTicketStateChangeEvent", "TroubleTicketStatusChangeEvent"),
}


def parse_query(query: str) -> ParsedQuery:
    query = (query or "").strip().lstrip("?")
    if not query:
        return ParsedQuery()
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True, max_num_fields=MAX_CLAUSES)
    except ValueError as exc:
        raise QueryError(_("filtre illisible : %(error)s") % {"error": exc}) from exc
    event_types: set[str] = set()
    conditions = []
    for key, raw in pairs:
        values = [v.strip() for v in raw.split(",") if v.strip()]
        if not values:
            raise QueryError(_("« %(key)s » n'a pas de valeur") % {"key": key})
        if key == "eventType":
            values = [v for name in values for v in EVENT_TYPE_ALIASES.get(name, (name,))]
            unknown = [v for v in values if not is_registered(v)]
            if unknown:
                raise QueryError(_("type d'événement inconnu : %(names)s") % {"names": ", ".join(unknown)})
            event_types.update(values)
        elif key.startswith("event.") and all(part for part in key.split(".")):
            conditions.append((tuple(key.split(".")), frozenset(v.lower() for v in values)))
        else:
            raise QueryError(
                _("critère « %(key)s » non reconnu : seuls eventType et les chemins event.… sont acceptés") % {"key": key}
            )
    return ParsedQuery(event_types=frozenset(event_types), conditions=tuple(conditions))


def _path_matches(node, path: tuple, values: frozenset) -> bool:
    if isinstance(node, list):
        return any(_path_matches(item, path, values) for item in node)
    if not path:
        if node is None or isinstance(node, dict):
            return False
        text = ("true" if node else "false") if isinstance(node, bool) else str(node)
        return text.lower() in values
    if not isinstance(node, dict) or path[0] not in node:
        return False
    return _path_matches(node[path[0]], path[1:], values)
