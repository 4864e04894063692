// The bridge's client protocol on top of the raw test client: subscribe, await a typed message.

import BridgeCore

extension TestWebSocket {
    /// Sends `subscribe` for `room` and returns the reply, which must be `subscribed` for that room.
    @discardableResult
    func subscribeConfirmed(_ room: String, timeout: Duration = .seconds(5)) throws -> JSONValue {
        try subscribe(room)
        let reply = try receiveJSON(timeout: timeout)
        guard reply["type"]?.stringValue == "subscribed", reply["room"]?.stringValue == room else {
            throw TestClientError.protocolViolation("subscribe \(room) answered with \(reply)")
        }
        return reply
    }

    /// The next JSON message of `type`, skipping at most `limit` messages of the `skipping` types;
    /// any other message is an error, so nothing unexpected goes unnoticed.
    func receiveJSON(
        type: String,
        skipping: Set<String> = [],
        limit: Int = 10,
        timeout: Duration = .seconds(5)
    ) throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        for _ in 0...limit {
            let message = try receiveJSON(timeout: max(.zero, ContinuousClock.now.duration(to: deadline)))
            let received = message["type"]?.stringValue ?? ""
            if received == type { return message }
            guard skipping.contains(received) else {
                throw TestClientError.protocolViolation("expected a `\(type)` message, got \(message)")
            }
        }
        throw TestClientError.protocolViolation("more than \(limit) skipped messages before `\(type)`")
    }

    /// Sends `{"type":"ping"}` and checks that the next message is `{"type":"pong"}`.
    func pingPong(timeout: Duration = .seconds(5)) throws -> Bool {
        try sendJSON(["type": "ping"])
        return try receiveJSON(timeout: timeout)["type"]?.stringValue == "pong"
    }
}
