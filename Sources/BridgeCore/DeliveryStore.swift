// The storage contract of the acknowledgement outbox, implemented by every engine.

/// The `deliveries` outbox. Implementations are safe to call from any thread; each call is one
/// transaction.
public protocol DeliveryStore: AnyObject, Sendable {
    /// Appends `batch` exactly as `EventStore.append` does and, in the same transaction, writes
    /// one acknowledgement row per event whose source is in `ackSources`: `delivered` for an
    /// accepted event, `stale` for a stale or conflicting one, `duplicate` for a repeated webhook
    /// id (once per event and outcome, however often the duplicate comes).
    func append(_ batch: [IncomingEvent], outboxFor ackSources: Set<String>) throws -> [AppendOutcome]

    /// Stores the recipient counts of pushed events whose `delivered` rows still lack one.
    func recordRecipients(_ reports: [DeliveryReport]) throws

    /// Leases due pending rows to one sender and returns them, earliest due first.
    ///
    /// A row is due when its next attempt time has come, no live lease holds it, and its
    /// recipient count is known or it was written before `unreportedBeforeMillis`. Two callers,
    /// also in different processes, never get the same row while its lease lasts.
    func claimDeliveries(_ request: DeliveryClaimRequest) throws -> [Delivery]

    /// Writes the result of an attempt and ends the lease.
    ///
    /// - Returns: false when the row is no longer claimed with `record.token` (the lease ran
    ///   out and another sender took it); nothing is written then.
    @discardableResult
    func finishAttempt(_ record: DeliveryAttemptRecord) throws -> Bool

    /// Ends the leases of rows that were claimed with `token` but not attempted, so that they
    /// are due again at once.
    func releaseDeliveries(ids: [String], token: String) throws

    /// Rows of `orgID` (every organisation when nil) with `status` (any when nil), newest
    /// first, at most `limit`.
    func deliveries(orgID: String?, status: DeliveryStatus?, limit: Int) throws -> [Delivery]

    /// The row `id`, when it exists and belongs to `orgID` (any organisation when nil).
    func delivery(id: String, orgID: String?) throws -> Delivery?

    /// Makes the failed row `id` of `orgID` (any organisation when nil) pending again, due at
    /// `nowMillis` with a fresh attempt budget.
    ///
    /// - Returns: false when there is no such failed row.
    func retryDelivery(id: String, orgID: String?, nowMillis: Int64) throws -> Bool

    /// Makes every failed row of `orgID` (every organisation when nil) pending again, and
    /// returns how many.
    func retryFailedDeliveries(orgID: String?, nowMillis: Int64) throws -> Int

    /// Deletes `sent` rows queued before `createdBeforeMillis`, `batchSize` rows per
    /// transaction; pending and failed rows stay whatever their age.
    /// - Returns: how many rows were deleted.
    /// - Throws: `StoreError` `.failed` when `batchSize` is not positive.
    func deleteSentDeliveries(createdBeforeMillis: Int64, batchSize: Int) throws -> Int

    /// How many rows are in each status; statuses with none are absent.
    func deliveryCounts() throws -> [DeliveryStatus: Int]
}
