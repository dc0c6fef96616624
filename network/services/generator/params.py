"""The figures the generated network is built from (ratios, laying-mode mix, spans).

Gathered here so that docs/generator.md, the tests and the code agree on one set of numbers.
Sources are orders of magnitude of rural French RIPs (ARCEP deployment rules, Breton RIP
engineering): an NRO serves 20–30 k premises, a PM/SRO 300–500 (ARCEP minimum 300 outside dense
zones), a PBO 6–12 (the generated PBOs are smaller, one per street: docs/generator.md).
"""

PREMISES_PER_NRO = 25_000
PREMISES_PER_SRO = 400
PBO_SIZE_RANGE = (8, 11)          # target premises per PBO, drawn per SRO zone
PBO_SPREAD_M = 140.0             # a PBO group (one street) wider than this is split
PBO_MIN_GROUP = 2               # a group of fewer premises (a lone house) joins the nearest group…
PBO_MERGE_M = 60.0               # … whose centre is this close (else it keeps a box of its own)
SROS_PER_RING = (5, 9)            # SROs chained in one transport loop starting and ending at the NRO
MAX_PREMISES = 2_000_000
PREMISES_PER_KM2 = 40            # average density of a rural RIP: decides how many communes are covered

# Span length (m) between two support points, per family of laying mode.
AERIAL_SPAN = 50.0                # pole to pole
FACADE_SPAN = 30.0                # façade anchor to anchor
UNDERGROUND_SPAN = 140.0          # chamber to chamber
TRANSPORT_UNDERGROUND_SPAN = 250.0

# Density classes from premises per 250 m grid cell around a route (bourg centre vs. countryside).
DENSITY_CELL = 250.0
TOWN_MIN = 35                     # ≥ 560 premises/km²: town centre
BOURG_MIN = 8                     # ≥ 128 premises/km²: bourg

# Laying-mode mix of distribution routes (GraceTHD cm_typ_imp) per density class: a rural Breton
# RIP reuses Orange's copper poles (0) and Enedis' low-voltage poles (1) in the countryside, runs on
# façades (2) in bourgs and in Orange's conduit (7) in towns.
MODES = ("0", "1", "2", "4", "7")
DISTRIBUTION_MIX = {
    "rural": (0.58, 0.20, 0.00, 0.04, 0.18),
    "bourg": (0.30, 0.07, 0.33, 0.00, 0.30),
    "town": (0.08, 0.00, 0.25, 0.00, 0.67),
}
TRANSPORT_MIX = (0.22, 0.03, 0.00, 0.05, 0.70)

# Owners of aerial supports: telecom poles are mostly Orange's, some new RIP poles.
TELECOM_POLE_RIP_SHARE = 0.15
# State of supports (OK / poor / to replace): old copper poles weigh on aerial networks.
POLE_STATE = (("OK", 0.86), ("ME", 0.125), ("HS", 0.015))
CHAMBER_STATE = (("OK", 0.95), ("ME", 0.05))

# Premises attributes.
CONNECTION_STATUS = (("AB", 0.46), ("RA", 0.09), ("RB", 0.38), ("RD", 0.01), ("EL", 0.03), ("EM", 0.02), ("PR", 0.01))
COLLECTIVE_SHARE_BOURG = 0.05     # collective buildings among bourg premises
BUSINESS_SHARE = 0.07             # premises with business units only
MIXED_SHARE = 0.03                # one dwelling plus one business

# Critical sites besides one town hall per commune: one per that many premises (at least one).
CRITICAL_PER = {
    "hospital": 30_000,
    "ehpad": 5_000,
    "fire_rescue": 8_000,
    "gendarmerie": 10_000,
    "school": 700,
    "water_plant": 15_000,
}

# Capacity of a cable in fibres: the smallest standard size above the premises it serves (+20 %).
CABLE_SIZES = (12, 24, 36, 48, 72, 96, 144, 288, 432, 576, 720)
TRANSPORT_CAPACITY = 288
DROP_CAPACITY = 2                # a drop (câble de branchement, RA) carries 1–2 fibres
# bp_racco (l_bp_racco) on a few PBOs: share of PBOs per code (most PBOs carry none).
PBO_FAILURES = (("FINT11", 0.001), ("FINT13", 0.0003), ("FCLI05", 0.0004), ("FCLI06", 0.0003),
                ("FCLI01", 0.006), ("FRDV01", 0.004))
SPLITTER_RATIO = 32              # premises behind one transport fibre (PON coupler at the SRO)
COLLECT_CAPACITY = 144
