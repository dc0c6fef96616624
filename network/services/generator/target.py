"""The network a generation writes into: found or created, checked empty (or emptied on --replace)."""
from django.db import connection

from network.models import Departement, Network
from network.models.territory import territory_of_departement
from organisations.models import Organisation

from .build import GenerationError

# Deleted children first (foreign keys are PROTECT between network objects).
_TABLES = ("network_premises", "network_enclosure", "network_cable", "network_site", "network_supportpoint",
           "network_routesegment", "network_node")


def _org(field: str, slug: str | None) -> Organisation | None:
    if not slug:
        return None
    org = Organisation.objects.filter(slug=slug).first()
    if org is None:
        raise GenerationError(field, f"unknown organisation {slug!r} (create it first with create_organisation)")
    return org


def is_empty(network: Network) -> bool:
    with connection.cursor() as cursor:
        for table in _TABLES:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE network_id = %s)", [network.pk])
            if cursor.fetchone()[0]:
                return False
    return True


def clear(network: Network) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM network_cableroute WHERE cable_id IN (SELECT id FROM network_cable WHERE network_id = %s)",
            [network.pk],
        )
        for table in _TABLES:
            cursor.execute(f"DELETE FROM {table} WHERE network_id = %s", [network.pk])
        # the fibre-level tables a generation writes (t_fibre, t_ropt…), or those of a past import
        cursor.execute("DELETE FROM network_deliveredrow WHERE table_id IN "
                       "(SELECT id FROM network_deliveredtable WHERE network_id = %s)", [network.pk])
        cursor.execute("DELETE FROM network_deliveredtable WHERE network_id = %s", [network.pk])


def prepare_network(slug: str, departement: str, owner: str | None, operator: str | None, replace: bool = False) -> Network:
    """The network to generate into, refusing (GenerationError) rather than guessing: unknown
    département or organisation, no owner for a new network, another owner, or existing content
    without `replace`. Call inside the generation's transaction."""
    dep = Departement.objects.filter(code=departement).first()
    if dep is None or not dep.communes.exists():
        raise GenerationError("departement", f"unknown département or no commune loaded for {departement!r}")
    owner_org, operator_org = _org("owner", owner), _org("operator", operator)
    network = Network.objects.select_for_update().filter(slug=slug).first()
    if network is None:
        if owner_org is None:
            raise GenerationError("owner", "required to create a new network")
        return Network.objects.create(
            slug=slug, name=f"RIP {dep.name} (généré)", owner=owner_org, operator=operator_org, departement=dep,
            territory=territory_of_departement(dep.code),
        )
    if owner_org and network.owner_id != owner_org.pk:
        raise GenerationError("owner", f"network {slug!r} belongs to another owner")
    if operator_org and network.operator_id not in (None, operator_org.pk):
        raise GenerationError("operator", f"network {slug!r} has another operator")
    if not is_empty(network):
        if not replace:
            raise GenerationError("network", f"network {slug!r} already has content (use --replace to regenerate it)")
        clear(network)
    changed = []
    if operator_org and network.operator_id is None:
        network.operator, changed = operator_org, changed + ["operator"]
    if network.departement_id != dep.code:
        network.departement, changed = dep, changed + ["departement"]
    if network.territory != territory_of_departement(dep.code):
        network.territory, changed = territory_of_departement(dep.code), changed + ["territory"]
    if changed:
        network.save(update_fields=changed + ["updated_at"])
    return network
