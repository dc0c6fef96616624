"""Fibre-level data of a generated network, written as a GraceTHD v2 delivery carries it
(`DeliveredTable` / `DeliveredRow`, version "2", values as text, `code` = first field):

- `t_fibre`: the fibres in use (a real delivery lists every fibre of every cable; only those on an
  optical route are written here, to keep 300 000 premises affordable): fo_code, fo_cb_code (the
  cable), fo_nincab (rank in the cable), fo_numtub / fo_nintub (tubes of 12), fo_type, fo_etat OK;
- `t_cassette`: splice cassettes of the PBOs (12 splices each): cs_code, cs_bp_code (the PBO),
  cs_num, cs_type E;
- `t_position`: the splices in PBO cassettes. ps_1 is the fibre on the NRO side, ps_2 the fibre on
  the premises side (as in the real sample): at the PBO serving the premises, the distribution
  fibre and an empty ps_2 (the drop is not a cable of the generated network: the premises hangs on
  its PBO), ps_type SFU, ps_fonct EP; at each PBO the route passes through, upstream distribution
  cable → downstream one (ps_type EPI, ps_fonct PA). ps_preaff is the premises' suf_code on every
  splice of its route, like the real sample;
- `t_ropt`: one optical route per premises (rt_code), one row per fibre, rt_fo_ordr 1..n from the
  premises side (the distribution fibre at its PBO) up to the NRO (the transport fibre of the loop
  leg at the NRO).

Fibre numbering: in a distribution cable, the premises it serves take fibres 1..k in premises
order; at the SRO a PON coupler (1:32) joins the premises of one SRO, by groups of 32, to one
transport fibre, which runs through every transport leg between the SRO and its NRO, on the shorter
side of the loop.
"""
import hashlib

import numpy as np
from django.db import connection

from network.models import DeliveredTable

from . import params

FIELDS = {
    "t_fibre": ["fo_code", "fo_code_ext", "fo_cb_code", "fo_nincab", "fo_numtub", "fo_nintub", "fo_type", "fo_etat",
                "fo_color", "fo_reper", "fo_proptyp", "fo_comment", "fo_creadat", "fo_majdate", "fo_majsrc",
                "fo_abddate", "fo_abdsrc"],
    "t_cassette": ["cs_code", "cs_nb_pas", "cs_bp_code", "cs_num", "cs_type", "cs_face", "cs_rf_code", "cs_comment",
                   "cs_creadat", "cs_majdate", "cs_majsrc", "cs_abddate", "cs_abdsrc"],
    "t_position": ["ps_code", "ps_numero", "ps_1", "ps_2", "ps_cs_code", "ps_ti_code", "ps_type", "ps_fonct", "ps_etat",
                   "ps_preaff", "ps_comment", "ps_creadat", "ps_majdate", "ps_majsrc", "ps_abddate", "ps_abdsrc"],
    "t_ropt": ["rt_id", "rt_code", "rt_code_ext", "rt_fo_code", "rt_fo_ordr", "rt_comment", "rt_creadat", "rt_majdate",
               "rt_majsrc", "rt_abddate", "rt_abdsrc"],
}


def _rank_in(groups: np.ndarray, order_key: np.ndarray) -> np.ndarray:
    """1-based rank of each item within its group, by order_key."""
    o = np.lexsort((order_key, groups))
    g = groups[o]
    start = np.concatenate([[0], np.flatnonzero(g[1:] != g[:-1]) + 1])
    rank = np.empty(len(g), dtype=np.int64)
    rank[o] = np.arange(len(g)) - np.repeat(start, np.diff(np.concatenate([start, [len(g)]])))
    return rank + 1


def fibre_routes(topo, paths) -> dict:
    """Per premises, its route as (cable, fibre number) from its PBO up to the NRO (numpy arrays,
    premises-major, in route order; level 1 is the distribution cable feeding its PBO)."""
    n = len(paths.premises_pbo)
    pbo0 = topo.n_nro + topo.n_sro
    prem = np.arange(n)
    # distribution chain: cable i feeds PBO i; climb parents until the SRO
    own_l, cab_l, lvl_l = [], [], []
    cur = paths.premises_pbo.copy()
    active = prem
    level = 1
    while len(active):
        own_l.append(active), cab_l.append(cur[active]), lvl_l.append(np.full(len(active), level))
        nxt = paths.pbo_parent[cur[active]]
        keep = nxt >= pbo0
        cur[active[keep]] = nxt[keep] - pbo0
        active = active[keep]
        level += 1
    sro = paths.pbo_sro[paths.premises_pbo]
    # transport: from the SRO to the NRO, the shorter way round its loop
    legs_of_sro = {}
    for loop, links in paths.transport_path.items():
        if loop < 0:
            continue
        k = len(links)
        seq = topo.loops[loop]
        for pos in range(1, len(seq) - 1):
            s = int(seq[pos]) - topo.n_nro
            up = [links[j] for j in range(pos - 1, -1, -1)]
            down = [links[j] for j in range(pos, k)]
            legs_of_sro[s] = up if len(up) <= len(down) else down
    group = (_rank_in(sro, prem) - 1) // params.SPLITTER_RATIO
    t_own, t_cab, t_lvl = [], [], []
    max_legs = max((len(v) for v in legs_of_sro.values()), default=0)
    legs = np.full((topo.n_sro, max_legs), -1)
    for s, v in legs_of_sro.items():
        legs[s, :len(v)] = v
    for j in range(max_legs):
        c = legs[sro, j]
        ok = c >= 0
        t_own.append(prem[ok]), t_cab.append(c[ok]), t_lvl.append(np.full(int(ok.sum()), 1000 + j))
    owner = np.concatenate(own_l + t_own)
    cable = np.concatenate(cab_l + t_cab)
    level = np.concatenate(lvl_l + t_lvl)
    # fibre numbers: distribution and drop by premises; transport by (SRO, coupler group)
    is_tr = level >= 1000
    unit = np.where(is_tr, sro[owner] * 100_000 + group[owner], owner)
    fibre = np.zeros(len(owner), dtype=np.int64)
    # one fibre per distinct (cable, unit)
    key_c, key_u = cable, unit
    o = np.lexsort((key_u, key_c))
    kc, ku = key_c[o], key_u[o]
    new_unit = np.concatenate([[True], (kc[1:] != kc[:-1]) | (ku[1:] != ku[:-1])])
    new_cable = np.concatenate([[True], kc[1:] != kc[:-1]])
    cum = np.cumsum(new_unit)
    first_of_cable = np.maximum.accumulate(np.where(new_cable, cum, 0))
    fibre[o] = cum - first_of_cable + 1
    order = np.lexsort((level, owner))
    return {"owner": owner[order], "cable": cable[order], "fibre": fibre[order], "level": level[order]}


def _copy(cursor, table_id: int, rows) -> int:
    """COPY (code, JSON text) rows, in blocks of text lines (values are generated codes and
    numbers: no quote, tab or backslash to escape)."""
    n = 0
    with cursor.copy("COPY network_deliveredrow (table_id, position, code, data) FROM STDIN") as copy:
        block = []
        for code, data in rows:
            n += 1
            block.append(f"{table_id}\t{n}\t{code}\t{data}\n")
            if len(block) >= 100_000:
                copy.write("".join(block))
                block = []
        if block:
            copy.write("".join(block))
    return n


def _obj(**fields) -> str:
    return "{" + ", ".join(f'"{k}": "{v}"' for k, v in fields.items()) + "}"


def _table(network, name: str, n: int, seed_text: str) -> DeliveredTable:
    digest = hashlib.sha256(f"generated|{name}|{n}|{seed_text}".encode()).hexdigest()
    return DeliveredTable.objects.create(network=network, name=name, version="2", file_format="csv",
                                         fields=FIELDS[name], rows_count=n, digest=digest)


def write_fibres(network, dep: str, topo, paths, ids: dict) -> dict:
    pbo0 = topo.n_nro + topo.n_sro
    cable_codes, pbo_codes, suf_codes = ids["cable_codes"], ids["pbo_codes"], ids["suf_codes"]
    r = fibre_routes(topo, paths)
    owner, cable, fibre, level = r["owner"], r["cable"], r["fibre"], r["level"]
    # distinct fibres
    fkey = cable.astype(np.int64) * 100_000 + fibre
    ukey, finv = np.unique(fkey, return_inverse=True)
    u_cable, u_fibre = ukey // 100_000, ukey % 100_000
    suffix = np.char.lstrip(cable_codes.astype(str), "CB")
    fo_codes = np.char.add(np.char.add("FO", suffix[u_cable]), np.char.zfill(u_fibre.astype(str), 3))
    tube = (u_fibre - 1) // 12 + 1
    in_tube = (u_fibre - 1) % 12 + 1
    counts = {}
    seed_text = f"{network.pk}|{len(owner)}"
    with connection.cursor() as cur:
        t = _table(network, "t_fibre", len(ukey), seed_text)
        cb = cable_codes[u_cable]
        counts["t_fibre"] = _copy(cur, t.pk, (
            (fo, f'{{"fo_code": "{fo}", "fo_cb_code": "{c}", "fo_nincab": "{k}", "fo_numtub": "{tb}", '
                 f'"fo_nintub": "{it}", "fo_type": "G657", "fo_etat": "OK", "fo_color": "{it}"}}')
            for fo, c, k, tb, it in zip(fo_codes.tolist(), cb.tolist(), u_fibre.tolist(), tube.tolist(), in_tube.tolist())))
        # optical routes
        fo_of_row = fo_codes[finv]
        start = np.concatenate([[0], np.flatnonzero(owner[1:] != owner[:-1]) + 1])
        ordr = np.arange(len(owner)) - np.repeat(start, np.diff(np.concatenate([start, [len(owner)]]))) + 1
        rt_codes = np.char.add(f"RT{dep}", np.char.zfill((owner + 1).astype(str), 8))
        t = _table(network, "t_ropt", len(owner), seed_text)
        counts["t_ropt"] = _copy(cur, t.pk, (
            (i + 1, f'{{"rt_id": "{i + 1}", "rt_code": "{rc}", "rt_fo_code": "{fo}", "rt_fo_ordr": "{o}"}}')
            for i, (rc, fo, o) in enumerate(zip(rt_codes.tolist(), fo_of_row.tolist(), ordr.tolist()))))
        # splices at PBOs: at the serving PBO, the route's first fibre (nothing on the premises
        # side); then between route row i (downstream) and i + 1 (upstream) while i + 1 is distribution
        nxt_same = np.concatenate([owner[1:] == owner[:-1], [False]])
        is_di_next = np.concatenate([(level[1:] >= 1) & (level[1:] < 1000), [False]])
        first_row = start
        through = np.flatnonzero(nxt_same & is_di_next)
        sp = np.concatenate([first_row, through])
        serving = np.arange(len(sp)) < len(first_row)
        sp_o = np.lexsort((sp, owner[sp]))   # premises by premises, serving splice first
        sp, serving = sp[sp_o], serving[sp_o]
        up_fo = np.where(serving, fo_of_row[sp], fo_of_row[np.minimum(sp + 1, len(owner) - 1)])
        down_fo = np.where(serving, "", fo_of_row[sp])
        at_pbo = np.where(serving, paths.premises_pbo[owner[sp]], paths.pbo_parent[cable[sp]] - pbo0)
        pos_rank = _rank_in(at_pbo, sp) - 1
        cass = pos_rank // 12 + 1
        num = pos_rank % 12 + 1
        cs_key = at_pbo * 1000 + cass
        ucs = np.unique(cs_key)
        cs_code_of = lambda k: np.char.add(np.char.add("CS", np.char.lstrip(pbo_codes[k // 1000].astype(str), "BP")),  # noqa: E731
                                            np.char.zfill((k % 1000).astype(str), 2))
        cs_codes = cs_code_of(ucs)
        t = _table(network, "t_cassette", len(ucs), seed_text)
        counts["t_cassette"] = _copy(cur, t.pk, (
            (c, _obj(cs_code=c, cs_nb_pas=12, cs_bp_code=bp, cs_num=k, cs_type="E"))
            for c, bp, k in zip(cs_codes.tolist(), pbo_codes[ucs // 1000].tolist(), (ucs % 1000).tolist())))
        ps_cs = cs_code_of(cs_key)
        ps_codes = np.char.add(f"PS{dep}", np.char.zfill((np.arange(len(sp)) + 1).astype(str), 9))
        pre = suf_codes[owner[sp]]
        t = _table(network, "t_position", len(sp), seed_text)
        counts["t_position"] = _copy(cur, t.pk, (
            (pc, f'{{"ps_code": "{pc}", "ps_numero": "{k}", "ps_1": "{up}", "ps_2": "{dn}", "ps_cs_code": "{cs}", '
                 f'"ps_type": "{"SFU" if sv else "EPI"}", "ps_fonct": "{"EP" if sv else "PA"}", "ps_etat": "OK", '
                 f'"ps_preaff": "{pf}"}}')
            for pc, k, up, dn, cs, sv, pf in zip(ps_codes.tolist(), num.tolist(), up_fo.tolist(), down_fo.tolist(),
                                                 ps_cs.tolist(), serving.tolist(), pre.tolist())))
    return counts
