"""All Neo4j I/O: connection settings, the local server, the Cypher catalog, writes."""
