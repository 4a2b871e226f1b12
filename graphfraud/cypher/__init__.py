"""The Cypher library: one parameterised statement per ``.cypher`` file.

Files are grouped by purpose (``schema/``, ``load/``, ...) and loaded by name
through :mod:`graphfraud.store.catalog`.
"""
