"""The local Neo4j server: a JVM process assembled from Maven Central and managed here
(:mod:`graphfraud.server.local`), and the offline bulk importer that writes its store
files through ``neo4j-admin`` (:mod:`graphfraud.server.bulk`).

Nothing here sends Cypher: the checks the importer runs against the started server go
through :mod:`graphfraud.store.admin`, like every other Neo4j I/O.
"""
