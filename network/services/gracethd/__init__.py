"""GraceTHD v2 exchange (*échange GraceTHD*): import a directory / zip of shapefiles + CSV into a
network, and export a network back into the same layout. See docs/gracethd.md."""
from .exporter import export_network
from .importer import ImportRefused, ImportResult, import_network

__all__ = ["ImportRefused", "ImportResult", "export_network", "import_network"]
