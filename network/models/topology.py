from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from .base import NetworkObject, valid_geometry


class LayingMode(models.TextChoices):
    """How a route is laid (*mode d'implantation*, GraceTHD `cm_typ_imp`, list l_implantation_type)."""

    AERIAL_TELECOM = "0", _("Aérien sur appuis télécom")
    AERIAL_POWER = "1", _("Aérien sur appuis énergie")
    FACADE = "2", _("Façade")
    BUILDING = "3", _("Immeuble")
    DIRECT_BURIAL = "4", _("Pleine terre")
    TROUGH = "5", _("Caniveau")
    GALLERY = "6", _("Galerie")
    CONDUIT = "7", _("Conduite souterraine")
    SEWER = "8", _("Égout")
    SPECIFIC = "9", _("Spécifique")


AERIAL_MODES = frozenset({LayingMode.AERIAL_TELECOM, LayingMode.AERIAL_POWER})
OVERHEAD_MODES = AERIAL_MODES | {LayingMode.FACADE}  # exposed to wind and falling trees


class SiteType(models.TextChoices):
    """Logical type of a technical site (GraceTHD `st_typelog`, list l_site_type_log, optical part)."""

    NRO = "NRO", _("NRO (nœud de raccordement optique)")
    SRO = "SRO", _("PM / SRO (sous-répartiteur optique)")
    SROL = "SROL", _("SRO colocalisé au NRO")
    BRASSAGE = "BRASSAGE", _("Site de brassage")
    HEBERG = "HEBERG", _("Site d'hébergement")
    CLIENT = "CLIENT", _("Site client")


class SupportType(models.TextChoices):
    """Physical type of a technical point (GraceTHD `pt_typephy`, list l_ptech_type_phy)."""

    POLE = "A", _("Appui (poteau)")
    CHAMBER = "C", _("Chambre")
    FACADE_ANCHOR = "F", _("Ancrage façade")
    BUILDING = "I", _("Immeuble")
    OTHER = "Z", _("Autre")


class SupportOwner(models.TextChoices):
    """Who owns a pole or chamber: the RIP itself, Orange (former copper network) or Enedis."""

    RIP = "RIP", _("RIP (syndicat)")
    ORANGE = "ORANGE", _("Orange")
    ENEDIS = "ENEDIS", _("Enedis")
    OTHER = "OTHER", _("Autre")


class AssetState(models.TextChoices):
    """Condition of an asset (GraceTHD `*_etat`, list l_etat_type)."""

    OK = "OK", _("Bon état")
    POOR = "ME", _("Mauvais état")
    TO_REPLACE = "HS", _("À changer")
    NOT_CONCERNED = "NC", _("Non concerné")


class CableRole(models.TextChoices):
    """Logical role of a cable (GraceTHD `cb_typelog`, list l_infra_type_log)."""

    TRANSPORT = "TR", _("Transport (NRO → PM)")
    DISTRIBUTION = "DI", _("Distribution (PM → PBO)")
    DROP = "RA", _("Raccordement final (PBO → local)")
    TRANSPORT_DISTRIBUTION = "TD", _("Transport et distribution")
    COLLECT = "CO", _("Collecte")


class EnclosureType(models.TextChoices):
    """Logical type of an enclosure (GraceTHD `bp_typelog`, list l_bp_type_log)."""

    BPE = "BPE", _("BPE (boîtier de protection d'épissure)")
    PBO = "PBO", _("PBO (point de branchement optique)")
    PTO = "PTO", _("PTO (prise terminale optique)")
    DTI = "DTI", _("DTI (dispositif de terminaison intérieur)")


class Node(NetworkObject):
    """A topological node (*nœud*, GraceTHD `t_noeud`): where routes meet and where sites,
    technical points and premises stand."""

    geom = models.PointField(_("géométrie"), srid=2154)
    node_type = models.CharField(_("type de nœud"), max_length=2, blank=True, help_text="nd_type: PT, ST, SF…")
    name = models.CharField(_("nom"), max_length=254, blank=True)

    class Meta(NetworkObject.Meta):
        verbose_name = _("nœud")
        verbose_name_plural = _("nœuds")
        constraints = NetworkObject.Meta.constraints + [valid_geometry()]


class Site(NetworkObject):
    """A technical site (*site technique*, GraceTHD `t_sitetech`): NRO, PM/SRO, shelter, cabinet.
    A flooded or unpowered site fails everything it serves."""

    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(_("nom"), max_length=254, blank=True)
    site_type = models.CharField(_("type logique"), max_length=10, choices=SiteType.choices)
    physical_type = models.CharField(_("type physique"), max_length=3, blank=True, help_text="st_typephy: ADR, BAT, COF, SHE")
    status = models.CharField(_("statut"), max_length=3, blank=True, help_text="st_statut (l_statut)")
    geom = models.PointField(_("géométrie"), srid=2154, help_text=_("Copie de la position du nœud."))

    class Meta(NetworkObject.Meta):
        verbose_name = _("site technique")
        verbose_name_plural = _("sites techniques")
        constraints = NetworkObject.Meta.constraints + [valid_geometry()]
        indexes = [models.Index(fields=["network", "site_type"])]


class SupportPoint(NetworkObject):
    """A technical point (*point technique*, GraceTHD `t_ptech`): a pole (*appui*) or a chamber
    (*chambre*). A pole down fails every route segment it carries; a chamber floods."""

    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="supports")
    support_type = models.CharField(_("type physique"), max_length=1, choices=SupportType.choices)
    logical_type = models.CharField(_("type logique"), max_length=1, blank=True, help_text="pt_typelog: T, R, I")
    owner = models.CharField(_("propriétaire"), max_length=10, choices=SupportOwner.choices, default=SupportOwner.RIP)
    state = models.CharField(_("état"), max_length=2, choices=AssetState.choices, blank=True)
    status = models.CharField(_("statut"), max_length=3, blank=True)
    geom = models.PointField(_("géométrie"), srid=2154, help_text=_("Copie de la position du nœud."))

    class Meta(NetworkObject.Meta):
        verbose_name = _("point technique")
        verbose_name_plural = _("points techniques")
        constraints = NetworkObject.Meta.constraints + [valid_geometry()]
        indexes = [models.Index(fields=["network", "support_type"])]


class RouteSegment(NetworkObject):
    """A route segment (*cheminement*, GraceTHD `t_cheminement`) between two nodes, laid aerial,
    on façades or underground (`laying_mode`, cm_typ_imp). Cables run over routes."""

    node1 = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    node2 = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    laying_mode = models.CharField(_("mode d'implantation"), max_length=1, choices=LayingMode.choices)
    length_m = models.FloatField(_("longueur (m)"))
    status = models.CharField(_("statut"), max_length=3, blank=True)
    geom = models.LineStringField(_("géométrie"), srid=2154)

    class Meta(NetworkObject.Meta):
        verbose_name = _("cheminement")
        verbose_name_plural = _("cheminements")
        constraints = NetworkObject.Meta.constraints + [valid_geometry()]
        indexes = [models.Index(fields=["network", "laying_mode"]), models.Index(fields=["node1"]), models.Index(fields=["node2"])]

    @property
    def is_aerial(self) -> bool:
        return self.laying_mode in AERIAL_MODES


class Cable(NetworkObject):
    """An optical cable (*câble*, GraceTHD `t_cable`) from node1 to node2, with its capacity in
    fibres and its logical role (transport, distribution, drop). Its ordered route over segments
    is in `CableRoute` (GraceTHD `t_cab_cond` + `t_cond_chem`); its drawing is `geom`
    (GraceTHD `t_cableline`)."""

    node1 = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    node2 = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("rôle"), max_length=2, choices=CableRole.choices)
    capacity = models.PositiveIntegerField(_("capacité (fibres)"), null=True, blank=True)
    length_m = models.FloatField(_("longueur (m)"), null=True, blank=True)
    status = models.CharField(_("statut"), max_length=3, blank=True)
    geom = models.LineStringField(_("géométrie"), srid=2154, null=True, blank=True)
    segments = models.ManyToManyField(RouteSegment, through="CableRoute", related_name="cables")

    class Meta(NetworkObject.Meta):
        verbose_name = _("câble")
        verbose_name_plural = _("câbles")
        constraints = NetworkObject.Meta.constraints + [valid_geometry()]
        indexes = [models.Index(fields=["network", "role"]), models.Index(fields=["node1"]), models.Index(fields=["node2"])]


class CableRoute(models.Model):
    """One step of a cable's ordered route: the cable runs over `segment` at `position` (0 first,
    from the cable's node1)."""

    cable = models.ForeignKey(Cable, on_delete=models.CASCADE, related_name="route")
    segment = models.ForeignKey(RouteSegment, on_delete=models.PROTECT, related_name="cable_routes")
    position = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("passage de câble")
        verbose_name_plural = _("passages de câble")
        ordering = ["cable", "position"]
        constraints = [models.UniqueConstraint(fields=["cable", "position"], name="cableroute_position_unique")]
        indexes = [models.Index(fields=["segment"])]


class Enclosure(NetworkObject):
    """An enclosure (*boîtier*, GraceTHD `t_ebp`): splice box (BPE), distribution point (PBO, on a
    pole, a façade or in a chamber) or outlet (PTO). Placed on a technical point (`bp_pt_code`)."""

    support = models.ForeignKey(SupportPoint, on_delete=models.PROTECT, related_name="enclosures", null=True, blank=True)
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="enclosures")
    enclosure_type = models.CharField(_("type logique"), max_length=3, choices=EnclosureType.choices)
    status = models.CharField(_("statut"), max_length=3, blank=True)
    connection_failure = models.CharField(
        _("échec de raccordement"), max_length=10, blank=True, help_text="bp_racco (l_bp_racco), e.g. FCLI05"
    )
    geom = models.PointField(_("géométrie"), srid=2154, help_text=_("Copie de la position du nœud."))

    class Meta(NetworkObject.Meta):
        verbose_name = _("boîtier")
        verbose_name_plural = _("boîtiers")
        constraints = NetworkObject.Meta.constraints + [valid_geometry()]
        indexes = [models.Index(fields=["network", "enclosure_type"])]
