// The store API the shared suite exercises: `EventStore` plus maintenance calls.

import BridgeCore
import BridgeStore

/// What the shared suite calls beyond `EventStore`; every engine offers it.
protocol StoreUnderTest: EventStore, NotificationStore, AuditStore {
    /// Applies pending migrations and returns their versions.
    func migrate() throws -> [Int]
    /// Deletes events received before a time, in batches.
    func deleteEvents(receivedBeforeMillis: Int64, batchSize: Int) throws -> Int
    /// The latest pushed event of an order and of each of its items.
    func latestEntities(orgID: String, orderID: String) throws -> [StoredEvent]
    /// Releases the connections.
    func close()
}

extension SQLiteStore: StoreUnderTest {}
extension PostgresStore: StoreUnderTest {}
