// The retention job: deletes events and sent acknowledgements past `EVENT_RETENTION_HOURS`
// in small batches, off the loop.

import BridgeCore

extension Server {
    /// Rows deleted per transaction, so the writer is never held for long.
    static let retentionBatchSize = 500

    /// Queues one retention pass; passes never overlap because the queue is serial.
    ///
    /// Acknowledgements already sent go with the same cutoff (by when they were queued), so
    /// the outbox does not grow with every event ever received; pending and dead-lettered
    /// rows stay until they are sent or retried.
    func scheduleRetention() {
        let store = self.store
        let logger = self.logger
        let cutoff = Clock.unixMillis() - Int64(config.eventRetentionHours) * 3_600_000
        maintenance.async {
            do {
                let deleted = try store.deleteEvents(receivedBeforeMillis: cutoff, batchSize: Self.retentionBatchSize)
                if deleted > 0 { logger.info("retention deleted events", (Logger.Key.count, String(deleted))) }
                if let outbox = store as? any DeliveryStore {
                    let sent = try outbox.deleteSentDeliveries(
                        createdBeforeMillis: cutoff,
                        batchSize: Self.retentionBatchSize
                    )
                    if sent > 0 {
                        logger.info("retention deleted sent acknowledgements", (Logger.Key.count, String(sent)))
                    }
                }
            } catch {
                logger.warning("retention failed", (Logger.Key.error, String(describing: error)))
            }
        }
    }
}
