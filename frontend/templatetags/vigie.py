"""Small display helpers of the crisis-cell templates."""
from datetime import timedelta

from django import template
from django.utils.translation import gettext as _
from organisations.scoping import principal_for
from organisations.permissions import aggregates_only

register = template.Library()


@register.filter
def duration(value):
    """A timedelta as « 3 h 05 min » (« dépassé de 20 min » when negative); « — » for None."""
    if value is None:
        return "—"
    if not isinstance(value, timedelta):
        return value
    seconds = int(value.total_seconds())
    late = seconds < 0
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    text = (f"{days} j " if days else "") + (f"{hours} h " if hours or days else "") + f"{minutes:02d} min"
    return _("dépassé de %(d)s") % {"d": text} if late else text


@register.filter
def get(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag(takes_context=True)
def elected_only(context):
    """True when the signed-in person only holds aggregate-only roles (nav without operator pages)."""
    request = context.get("request")
    return bool(request) and aggregates_only(principal_for(request))
