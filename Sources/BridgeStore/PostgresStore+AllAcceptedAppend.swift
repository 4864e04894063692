// The fast path of an append on PostgreSQL: a whole batch written in one round trip, on the
// bet that every event in it is accepted.

import BridgeCore

extension PostgresStore {
    /// Writes `batch` as if every event in it were accepted, in one pipeline, and returns its
    /// outcomes; nil when one event was not, after which the caller must roll back what this
    /// wrote and decide event by event.
    ///
    /// The statements are the per-event path's, in its order, only sent all at once: each
    /// event is inserted with the `seq` it gets if everything before it is accepted, its version
    /// claimed, then the sequences saved and the acknowledgements queued. So the locks are
    /// taken in the same order as there, and a rival instance sees the same waits. An event
    /// that is a duplicate (also within the batch) inserts nothing and a stale or conflicting
    /// one claims nothing; either shows as a statement that changed no row, which is all this
    /// checks. The statements after such an event ran on a wrong assumption, which is why the
    /// whole pipeline must then be undone.
    ///
    /// - Parameter sequences: the batch's locked sequences, unused so far.
    static func appendAllAccepted(
        _ batch: [IncomingEvent],
        sequences: [String: SequenceBlock],
        outboxFor ackSources: Set<String>,
        on connection: PostgresConnection,
        createdAt: Int64
    ) throws -> [AppendOutcome]? {
        var sequences = sequences
        var statements: [PostgresConnection.Statement] = []
        // Statements that must return one row each for the bet to hold.
        var checks: [Int] = []
        var outcomes: [AppendOutcome] = []
        for incoming in batch {
            guard let seq = try sequences[incoming.event.orgID]?.next() else {
                throw StoreError(.failed, "an event's organisation was not locked before appending")
            }
            sequences[incoming.event.orgID]?.last = seq
            checks.append(statements.count)
            statements.append(insertEvent(incoming, seq: seq, createdAt: createdAt))
            if incoming.event.version != nil {
                checks.append(statements.count)
                statements.append(claimVersion(of: incoming.event))
            }
            outcomes.append(accepted(incoming, seq: seq))
        }
        statements += saveSequences(sequences)
        statements += acknowledgementStatements(batch, outcomes, for: ackSources, createdAt: createdAt)

        let results = try connection.pipeline(statements)
        let allAccepted = checks.allSatisfy { results.indices.contains($0) && results[$0].rowCount == 1 }
        return allAccepted ? outcomes : nil
    }
}
