// The one C callback lws calls for every event, routed to the server that owns the context.

import BridgeCore
import CLibWebSockets

/// lws's protocol callback. A global function, as lws needs a C function pointer; it finds
/// its `Server` through the context's user pointer and runs on the loop thread.
func bridgeLWSCallback(
    _ wsi: OpaquePointer?,
    _ reason: lws_callback_reasons,
    _ user: UnsafeMutableRawPointer?,
    _ input: UnsafeMutableRawPointer?,
    _ length: Int
) -> Int32 {
    guard let wsi, let context = lws_get_context(wsi), let owner = lws_context_user(context) else {
        return 0
    }
    let server = Unmanaged<Server>.fromOpaque(owner).takeUnretainedValue()
    return server.handle(wsi: wsi, reason: reason, input: input, length: length)
}

extension Server {
    /// Routes one lws event. A non-zero return closes the connection.
    func handle(wsi: OpaquePointer, reason: lws_callback_reasons, input: UnsafeMutableRawPointer?, length: Int) -> Int32
    {
        switch reason {
        case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
            drainInbox(wsi)
            return 0
        case LWS_CALLBACK_HTTP:
            return httpRequest(wsi, path: input.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? "/")
        case LWS_CALLBACK_HTTP_BODY:
            return httpBody(wsi, UnsafeRawBufferPointer(start: input, count: max(length, 0)))
        case LWS_CALLBACK_HTTP_BODY_COMPLETION:
            return httpBodyComplete(wsi)
        case LWS_CALLBACK_HTTP_WRITEABLE:
            return httpWriteable(wsi)
        case LWS_CALLBACK_CLOSED_HTTP:
            exchanges[wsi.key] = nil
            return 0
        case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
            return confirmUpgrade(wsi, to: input.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? "")
        case LWS_CALLBACK_RAW_ADOPT:
            return refuseTunnel(wsi)
        case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
            return filterUpgrade(wsi)
        case LWS_CALLBACK_ESTABLISHED:
            return established(wsi)
        case LWS_CALLBACK_RECEIVE:
            return receive(wsi, UnsafeRawBufferPointer(start: input, count: max(length, 0)))
        case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
            connections[wsi.key]?.peerClosed = true
            return 0
        case LWS_CALLBACK_RECEIVE_PONG:
            peerAlive(wsi)
            return 0
        case LWS_CALLBACK_SERVER_WRITEABLE:
            return webSocketWriteable(wsi)
        case LWS_CALLBACK_CLOSED:
            closed(wsi)
            return 0
        case LWS_CALLBACK_WSI_DESTROY:
            exchanges[wsi.key] = nil
            if let upgrade = handshakes.removeValue(forKey: wsi.key) {
                releaseCapPlaces(CapKeys(address: upgrade.peerAddress, user: upgrade.claims.map(CapKeys.userKey)))
            }
            return 0
        default:
            return 0
        }
    }

    private func drainInbox(_ wsi: OpaquePointer) {
        for command in inbox.drain() {
            switch command {
            case .ingested(let replies, let broadcasts):
                for broadcast in broadcasts { accept(broadcast) }
                for reply in replies { answer(reply) }
            case .reply(let reply):
                answer(reply)
            case .latestSeq(let orgID, let seq):
                seqLoaded(orgID: orgID, seq: seq)
            case .replayPage(let page):
                replayPageArrived(page)
            case .snapshot(let connectionID, let room, let frame):
                snapshotArrived(connectionID: connectionID, room: room, frame: frame)
            case .apiReply(let key, let result):
                apiAnswered(key, result)
            case .remote(let broadcast):
                accept(broadcast)
            case .backfill(let orgID, let broadcasts, let full):
                backfillArrived(orgID: orgID, broadcasts: broadcasts, full: full)
            case .brokerState(let state):
                brokerStateChanged(state)
            case .presence(let report):
                presenceArrived(report)
            case .remotePush(let push):
                deliver(push)
            case .reloadCertificates:
                reloadCertificatesOnLoop(lws_get_context(wsi))
            case .tick:
                tick()
            case .shutdown:
                beginDrain()
            }
        }
    }
}

extension OpaquePointer {
    /// A dictionary key for an lws connection handle.
    var key: UInt { UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(self))) }
}
