"""Celery tasks of the power app: site checks (events), outage feed polling."""
from celery import shared_task


@shared_task
def check_network(network_id: int) -> list[str]:
    """Emit the due power events of one network (after an outage or supply change)."""
    from network.models import Network

    from .services.notices import check_network as check

    network = Network.objects.filter(pk=network_id).first()
    return check(network) if network else []


@shared_task
def check_sites() -> dict:
    """Beat (POWER_CHECK_SECONDS): emit due events on every network with an outage in progress.
    Also the sweeper of check_network tasks the broker lost."""
    from .services.notices import check_network as check, networks_to_check

    return {n.slug: check(n) for n in networks_to_check()}


@shared_task
def poll_outage_feeds() -> dict:
    """Beat: poll the distribution operators' outage feeds of settings.POWER_OUTAGE_FEEDS."""
    from .services.feeds import poll_due_feeds

    return poll_due_feeds()
