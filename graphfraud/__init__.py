"""graphfraud: graph-based fraud ring detection for e-commerce risk teams.

The pipeline reads as stages: ``loaders`` (read and validate an export) ->
``store`` (all Neo4j I/O) -> projection -> detection -> scoring -> report.
Heavy libraries are imported lazily inside the stages, so importing this
package (and ``graphfraud --help``) stays fast.
"""

__version__ = "0.1.0"
