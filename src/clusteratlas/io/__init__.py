"""Files in, store out: readers, header mapping, units, validation, the DuckDB store."""

from clusteratlas.io.errors import ImportIssue, ImportRejected
from clusteratlas.io.importer import import_files
from clusteratlas.io.store import Store

__all__ = ["ImportIssue", "ImportRejected", "Store", "import_files"]
