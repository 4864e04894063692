// Counts of every rejection and close reason on the WebSocket edge, loop-confined.

import BridgeCore

/// Running totals since start; read by `/api/stats`.
struct EdgeCounters {
    /// Upgrades refused because the Origin is not allowed.
    var originRejected = 0
    /// Upgrades refused for a bad or expired token in the URL.
    var handshakeAuthRejected = 0
    /// Connections closed with 4001 after a bad `auth` message or an unrefreshed expiry.
    var authFailed = 0
    /// Connections closed with 4008 for not authenticating in time.
    var authTimeouts = 0
    /// Upgrades refused by the global connection cap.
    var connectionCapRejected = 0
    /// Upgrades refused by the per-IP cap.
    var ipCapRejected = 0
    /// Upgrades or auths refused by the per-user cap.
    var userCapRejected = 0
    /// Messages answered `rate_limited`.
    var rateLimited = 0
    /// Connections closed with 1008 for sustained rate-limit abuse.
    var rateLimitCloses = 0
    /// Connections closed with 1009.
    var messageTooBig = 0
    /// Connections closed with 1007.
    var invalidUTF8 = 0
    /// Connections dropped because no frame (pong included) arrived in time.
    var heartbeatTimeouts = 0
    /// Connections closed with 1001 after the idle timeout.
    var idleTimeouts = 0
    /// Connections closed with 1013 because their send queue overflowed even after conflation.
    var slowConsumerCloses = 0
    /// Queued order updates dropped in favour of a newer state of the same entity.
    var conflatedFrames = 0
    /// Client messages answered `bad_message`.
    var badMessages = 0
    /// Subscriptions refused with `forbidden_room`.
    var forbiddenRooms = 0
    /// Client messages received and frames sent.
    var messagesIn = 0
    var messagesOut = 0
    /// WebSocket connections accepted since start.
    var connectionsAccepted = 0

    /// Every counter with its stats name.
    var all: [(String, Int)] {
        [
            ("originRejected", originRejected), ("handshakeAuthRejected", handshakeAuthRejected),
            ("authFailed", authFailed), ("authTimeouts", authTimeouts),
            ("connectionCapRejected", connectionCapRejected), ("ipCapRejected", ipCapRejected),
            ("userCapRejected", userCapRejected), ("rateLimited", rateLimited),
            ("rateLimitCloses", rateLimitCloses), ("messageTooBig", messageTooBig),
            ("invalidUtf8", invalidUTF8), ("heartbeatTimeouts", heartbeatTimeouts),
            ("idleTimeouts", idleTimeouts), ("slowConsumerCloses", slowConsumerCloses),
            ("conflatedFrames", conflatedFrames), ("badMessages", badMessages),
            ("forbiddenRooms", forbiddenRooms),
        ]
    }
}
