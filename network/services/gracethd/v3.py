"""GraceTHD v3.0.x seen through the v2 validator (*lecture v3*). v3 merged and renamed tables:

* `t_site` (was t_sitetech) is a building or a cabinet; what it hosts is in `t_local`. A site is a
  network site (Site) when one of its locals has `lc_typelog` NRO or SRO (the site type); the other
  sites are client buildings.
* `t_local` (was t_ltech + t_suf): a local of a client type (RES, PRO, FTTH…) is a premises unit,
  its address through `lc_st_code` → `t_site.st_ad_code`, its PBO named by `lc_bp_codf` (else
  `lc_bp_codp`). A PTO is placed by `bp_lc_code` → local → site → `st_nd_code`.
* `t_cab_chem` (was t_cab_cond + t_cond_chem): the cable's route segments directly.
* `t_adresse.ad_nblres` (was ad_nblhab).

`adapt()` builds the v2-shaped views `t_sitetech` and `t_suf` the validator reads; the delivered
tables themselves are stored unchanged (delivery.py)."""
from network.models import SiteType

from .quality import Report
from .reader import GraceSource, Table

CLIENT_LOCAL_TYPES = {"RES", "PRO", "FTTH", "ENT", "PUB", "OPE", "OBJ"}


def adapt(source: GraceSource, faults: Report) -> None:
    sites = source.table("t_site")
    locals_ = source.table("t_local")
    site_rows = {}
    if sites is not None:
        c = sites.columns
        blank = [""] * sites.n
        for i in range(sites.n):
            code = c.get("st_code", blank)[i]
            if code:
                site_rows.setdefault(code, {k: c.get(k, blank)[i] for k in ("st_nd_code", "st_ad_code", "st_typephy",
                                                                           "st_statut", "st_codeext", "st_typelog")})
    st = {k: [] for k in ("st_code", "st_nd_code", "st_nom", "st_typelog", "st_typephy", "st_statut")}
    sf = {k: [] for k in ("sf_code", "sf_ad_code", "sf_nd_code", "sf_zp_code", "sf_racco", "sf_type", "sf_bp_code")}
    network_sites = set()
    if locals_ is not None:
        c = locals_.columns
        blank = [""] * locals_.n
        get = {k: c.get(k, blank) for k in ("lc_code", "lc_st_code", "lc_typelog", "lc_etiquet", "lc_bp_codf", "lc_bp_codp")}
        for i in range(locals_.n):
            code, site_code, typelog = get["lc_code"][i], get["lc_st_code"][i], get["lc_typelog"][i]
            site = site_rows.get(site_code)
            if typelog in SiteType.values:
                if site is None or site_code in network_sites:
                    continue  # a dangling lc_st_code is reported by the fk check below; one Site per t_site
                network_sites.add(site_code)
                for k, v in (("st_code", site_code), ("st_nd_code", site["st_nd_code"]), ("st_nom", get["lc_etiquet"][i]),
                             ("st_typelog", typelog), ("st_typephy", site["st_typephy"]), ("st_statut", site["st_statut"])):
                    st[k].append(v)
            elif typelog in CLIENT_LOCAL_TYPES or not typelog:
                if site is None and site_code:
                    faults.add(locals_.label, i + 1, "lc_st_code", f"référence inconnue : site {site_code} absent",
                               "fk.dangling", code)
                for k, v in (("sf_code", code), ("sf_ad_code", site["st_ad_code"] if site else ""),
                             ("sf_nd_code", site["st_nd_code"] if site else ""), ("sf_zp_code", ""), ("sf_racco", ""),
                             ("sf_type", ""), ("sf_bp_code", get["lc_bp_codf"][i] or get["lc_bp_codp"][i])):
                    sf[k].append(v)
    label_st = sites.label if sites else "t_site.csv"
    label_lc = locals_.label if locals_ else "t_local.csv"
    source.views["t_sitetech"] = Table("t_sitetech", label_st, list(st), st, len(st["st_code"]))
    source.views["t_suf"] = Table("t_suf", label_lc, list(sf), sf, len(sf["sf_code"]))
    addresses = source.table("t_adresse")
    if addresses is not None and "ad_nblhab" not in addresses.columns and "ad_nblres" in addresses.columns:
        columns = {**addresses.columns, "ad_nblhab": addresses.columns["ad_nblres"]}
        source.views["t_adresse"] = Table(addresses.name, addresses.label, addresses.fields, columns, addresses.n,
                                          addresses.geoms, addresses.crs, addresses.geometry_type, addresses.dtypes,
                                          addresses.file_format, addresses.valid)
