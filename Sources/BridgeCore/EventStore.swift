// The storage contract every engine (SQLite, PostgreSQL) implements.

/// What became of one event handed to `EventStore.append`.
public enum AppendOutcome: Sendable, Equatable {
    /// New and current: stored with the next `seq` of its organisation, to be pushed.
    case accepted(StoredEvent)
    /// The source sent this webhook id before; nothing was stored. Carries the first answer.
    case duplicate(eventID: String, seq: Int64?)
    /// Older `version` than the stored one for its entity: stored, flagged, not pushed.
    case stale(eventID: String)
    /// Same `version` as stored but a different body: stored, flagged, not pushed.
    case conflict(eventID: String)
}

/// Why a store call failed. `description` never carries SQL parameters or connection strings.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// Stable, machine-readable kinds.
    public enum Code: String, Sendable {
        /// The database cannot be reached or the connection broke; worth retrying later.
        case unavailable
        /// A statement failed for a reason that retrying will not fix.
        case failed
        /// The schema is newer than this binary understands, or a migration failed.
        case migration
        /// A bad configuration value, such as an unknown URL scheme.
        case configuration
    }

    /// The kind of failure, for deciding whether to retry.
    public var code: Code
    /// A human-readable detail, free of SQL parameters, secrets and connection strings.
    public var message: String

    /// Creates an error of kind `code`; `message` must already be safe to log.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `store <code>: <message>`, safe to log and to return to a client.
    public var description: String { "store \(code.rawValue): \(message)" }
}

/// Durable storage of order events. Implementations are safe to call from any thread;
/// each call is one transaction.
public protocol EventStore: AnyObject, Sendable {
    /// Stores a batch in one transaction (group commit) and returns one outcome per event, in order.
    /// Assigns `seq` per organisation inside that transaction; duplicates within the batch are
    /// detected too. Either every event of the batch is durable when this returns, or it throws.
    func append(_ batch: [IncomingEvent]) throws -> [AppendOutcome]

    /// Pushed events of `orgID` with `seq` greater than `afterSeq`, in `seq` order, at most `limit`.
    func events(orgID: String, afterSeq: Int64, limit: Int) throws -> [StoredEvent]

    /// The last `seq` assigned in `orgID`, or 0 when it has none.
    func latestSeq(orgID: String) throws -> Int64

    /// Checks that the database answers.
    func ping() throws

    /// A short name for health output: `sqlite` or `postgres`.
    var engine: String { get }

    /// Deletes events received before `receivedBeforeMillis`, `batchSize` rows per transaction,
    /// and returns how many went. Sequence numbers are never reused.
    func deleteEvents(receivedBeforeMillis: Int64, batchSize: Int) throws -> Int

    /// The latest pushed event of the order and of each of its items: the order's current state.
    func latestEntities(orgID: String, orderID: String) throws -> [StoredEvent]

    /// Releases the database connections; later calls fail with `.unavailable`.
    func close()
}
