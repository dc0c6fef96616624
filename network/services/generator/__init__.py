"""A realistic synthetic RIP over the real communes of a département (*générateur de réseau*).

No public RIP dataset exists, so the demo, the tests and the benchmarks use this generator. The
stages, each in its own module and each fed by its own seeded random stream (same seed → same
network, code for code and coordinate for coordinate):

1. `placement`: premises over the communes, denser in bourgs, hamlets and isolated houses;
2. `attributes`: housing/business units, connection status, critical sites;
3. `topology`: NRO / PM-SRO zones and PBO groups (balanced bisection), transport loops, collect
   loop, distribution trees (minimum spanning tree per SRO);
4. `routes`: route segments span by span, poles / façade anchors / chambers, laying modes;
5. `build`: everything written with COPY in the caller's transaction.

See docs/generator.md for the model and its limits.
"""
from .build import GenerationError, generate_network

__all__ = ["GenerationError", "generate_network"]
