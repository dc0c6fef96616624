"""Complex connection cases (*raccordements complexes*) and their cost model.

The tables keep their historical names (`network_complexconnection…`, `Meta.db_table`): the models
moved from `network` to this app with state-only migrations, no data moved.
"""
from .cases import (
    ComplexConnection, ComplexConnectionAttachment, ComplexConnectionCostModel, ComplexConnectionNote,
    ComplexConnectionStatus,
)

__all__ = [
    "ComplexConnection", "ComplexConnectionAttachment", "ComplexConnectionCostModel", "ComplexConnectionNote",
    "ComplexConnectionStatus",
]
