// Reading back everything an organisation's room holds, the way a client that resumes sees it.

import BridgeCore
import Foundation

extension BridgeProcess {
    /// What a client resuming from `since: 0` was sent.
    struct Replay {
        /// `seq` of the `subscribed` answer: the newest event the server has.
        var latest: Int64
        /// The events that followed it.
        var events: TestWebSocket.EventLog
        /// Whether nothing more arrived after the expected events.
        var endedQuietly: Bool
    }

    /// Subscribes to `org` with `since: 0` as an admin of `org` and reads the `latest` events the
    /// `subscribed` answer announces (bounded by `bound`), then checks that nothing follows them.
    func replayFromStart(org: String = "acme", within bound: Duration = .seconds(20)) throws -> Replay {
        let client = try TestWebSocket.connect(port: port, token: TestJWT.make(sub: "replayer", org: org))
        defer { client.close() }
        try client.sendJSON(["type": "subscribe", "room": "org", "since": 0])
        let subscribed = try client.receiveJSON()
        guard subscribed["type"]?.stringValue == "subscribed", let latest = subscribed["seq"]?.integerValue else {
            throw TestClientError.protocolViolation("subscribe with since 0 answered \(subscribed)")
        }
        let events = client.collectEvents(Int(clamping: latest), within: bound)
        return Replay(latest: latest, events: events, endedQuietly: client.staysQuiet())
    }
}
