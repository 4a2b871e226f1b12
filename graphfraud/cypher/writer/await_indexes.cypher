// Wait until every index and constraint built after an import is online.
CALL db.awaitIndexes(600)
