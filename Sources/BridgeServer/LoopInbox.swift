// The only door into the event loop from other threads: a locked queue plus a wake-up.

import BridgeCore
import CLibWebSockets
import Synchronization

/// Work handed to the event-loop thread.
enum LoopCommand: Sendable {
    /// Answers for deferred HTTP requests and events to fan out, from one ingest batch.
    case ingested(replies: [DeferredReply], broadcasts: [Broadcast])
    /// An answer computed off the loop (health, for example) for one HTTP request.
    case reply(DeferredReply)
    /// An organisation's latest `seq`, loaded from the store for waiting subscribers.
    case latestSeq(orgID: String, seq: Int64?)
    /// A page of stored events for a resuming subscription.
    case replayPage(ReplayPage)
    /// The snapshot of an order for a subscription that asked for one; nil when the store failed.
    case snapshot(connectionID: Int, room: Room, frame: SharedFrame?)
    /// An API handler's answer and the room messages it produced.
    case apiReply(ExchangeKey, APIResult)
    /// An event another instance (or this one) published through the broker.
    case remote(Broadcast)
    /// A page of stored events that fills a gap in an organisation's sequence; nil when the
    /// store could not be read.
    case backfill(orgID: String, broadcasts: [Broadcast]?, full: Bool)
    /// The broker link went up or down.
    case brokerState(BrokerState)
    /// Another instance's connection counts (or this one's, heard back).
    case presence(PresenceReport)
    /// A notification another instance pushed to its rooms, to push to this one's too.
    case remotePush(RoomPush)
    /// Load the TLS certificate and key files again.
    case reloadCertificates
    /// Periodic timer work: auth deadlines and the like.
    case tick
    /// Begin shutting down.
    case shutdown
}

/// A locked queue of `LoopCommand`s. `post` may be called from any thread; `drain` only
/// from the loop thread, in `LWS_CALLBACK_EVENT_WAIT_CANCELLED`.
final class LoopInbox: Sendable {
    private let queue = Mutex<[LoopCommand]>([])
    /// The lws context as an address (OpaquePointer is not Sendable); 0 when detached.
    private let context = Mutex<UInt>(0)

    /// Connects the inbox to a live lws context, or disconnects it with nil.
    func attach(_ lwsContext: OpaquePointer?) {
        let address = lwsContext.map { UInt(bitPattern: Int(bitPattern: UnsafeRawPointer($0))) } ?? 0
        context.withLock { $0 = address }
    }

    /// Queues a command and wakes the loop.
    func post(_ command: LoopCommand) {
        queue.withLock { $0.append(command) }
        // Holding the lock across the call keeps the context from being destroyed under it;
        // lws_cancel_service is the one lws call that is safe from another thread.
        context.withLock { address in
            if let lwsContext = OpaquePointer(bitPattern: address) { lws_cancel_service(lwsContext) }
        }
    }

    /// Takes every queued command, oldest first.
    func drain() -> [LoopCommand] {
        queue.withLock { commands in
            var taken: [LoopCommand] = []
            swap(&taken, &commands)
            return taken
        }
    }
}
