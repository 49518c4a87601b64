// Purpose: wait until every index is online (after a bulk load created them over the imported
//   graph), so the load returns a graph that is as fast to query as one written over Bolt.
// :param seconds => 600
// Columns: (none)
CALL db.awaitIndexes($seconds)
