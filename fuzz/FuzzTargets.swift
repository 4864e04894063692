// The paths one fuzz input takes, as the server takes them, and what must hold after each.

import BridgeCore
import BridgeCrypto

/// Feeds one input to the client-message parser, the webhook verifier and validator, the
/// presence report decoder, the JWT codec and the room, origin and timestamp checks.
enum FuzzTargets {
    /// The fixed clock, in Unix seconds; the seeds' timestamps and expiries sit around it.
    static let now: Int64 = 1_700_000_000

    /// The organisation a fuzzed client is authenticated into.
    static let orgID = "org_a"

    /// The user a fuzzed client is authenticated as.
    static let userID = "user_1"

    /// The webhook secret of the seeds (`whsec_` and 32 bytes of `0x01`..`0x20`).
    static let secretText = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="

    private static let openSSL: OpenSSLCrypto = {
        do {
            return try OpenSSLCrypto()
        } catch {
            fatalError("libcrypto is unusable: \(error)")
        }
    }()

    private static let fixedMAC = FixedMACCrypto(base: openSSL)

    /// The verifier whose MAC always matches `FixedMACCrypto.code`: reaches the accepted path.
    private static let fixedVerifier = makeVerifier(crypto: fixedMAC)

    /// The production verifier with real HMAC-SHA256.
    private static let realVerifier = makeVerifier(crypto: openSSL)

    /// The codec whose signatures are always `FixedMACCrypto.code`: reaches the claims checks.
    private static let fixedJWT = JWTCodec(secret: Array(repeating: 7, count: 32), crypto: fixedMAC)

    /// The production codec with real HMAC-SHA256.
    private static let realJWT = JWTCodec(secret: Array(repeating: 7, count: 32), crypto: openSSL)

    private static func makeVerifier(crypto: any CryptoProvider) -> StandardWebhookVerifier {
        do {
            let secret = try WebhookSecret(secretText, crypto: crypto)
            return try StandardWebhookVerifier(secrets: [secret], crypto: crypto)
        } catch {
            fatalError("fuzz setup: \(error)")
        }
    }

    /// Runs every target on `bytes`.
    static func run(_ bytes: [UInt8]) {
        clientFrame(bytes)
        webhookBody(bytes)
        delivery(CarvedDelivery(bytes))
        presence(bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        token(text)
        room(text)
        origin(text)
        _ = RFC3339.isValid(text)
    }

    /// A WebSocket text frame, handled as `handleMessage` does: nesting check, parse, reply.
    private static func clientFrame(_ bytes: [UInt8]) {
        guard JSONNesting.isWithin(bytes) else { return }
        let message: ClientMessage
        do {
            message = try ClientMessage.parse(bytes)
        } catch {
            FuzzCheck.requireJSONObject(ServerMessage.error(.badMessage, message: error.message), "bad_message")
            return
        }
        switch message {
        case .auth(let token):
            FuzzCheck.require(!token.isEmpty, "auth parsed with an empty token")
            self.token(token)
        case .subscribe(let subscription):
            FuzzCheck.require(subscription.room.utf8.count <= ClientMessage.maxRoomBytes, "room over the limit")
            FuzzCheck.require((subscription.since ?? 0) >= 0, "negative since")
            FuzzCheck.require((subscription.types?.count ?? 0) <= ClientMessage.maxTypes, "too many types")
            room(subscription.room)
            let refusal = ServerMessage.error(.forbiddenRoom, message: "forbidden", room: subscription.room)
            FuzzCheck.requireJSONObject(refusal, "forbidden_room")
        case .unsubscribe(let name):
            room(name)
            FuzzCheck.requireJSONObject(ServerMessage.unsubscribed(room: name), "unsubscribed")
        case .ping(let id):
            FuzzCheck.requireJSONObject(ServerMessage.pong(id: id), "pong")
        }
    }

    /// A room name resolves only inside the caller's organisation, and names itself back.
    private static func room(_ name: String) {
        guard let room = Room(clientName: name, orgID: orgID, userID: userID) else { return }
        FuzzCheck.require(room.orgID == orgID, "room \(name.debugDescription) left the caller's organisation")
        FuzzCheck.require(room.clientName == name, "room \(name.debugDescription) renamed to \(room.clientName)")
        FuzzCheck.requireJSONObject(ServerMessage.subscribed(room: room, seq: 1), "subscribed")
    }

    /// A webhook body on its own; an accepted one must make a well-formed event message.
    private static func webhookBody(_ body: [UInt8]) {
        guard let event = try? PayloadValidator.validate(body) else { return }
        FuzzCheck.require(PayloadValidator.isValidIdentifier(event.orgID), "accepted a bad orgId")
        FuzzCheck.require(PayloadValidator.isValidIdentifier(event.orderID), "accepted a bad orderId")
        FuzzCheck.require(event.itemID.map(PayloadValidator.isValidIdentifier) ?? true, "accepted a bad itemId")
        FuzzCheck.require(event.occurredAt.map(RFC3339.isValid) ?? true, "accepted a bad occurredAt")
        let stored = StoredEvent(
            eventID: "evt_1",
            sourceID: "src",
            webhookID: "msg_1",
            seq: 1,
            receivedAtMillis: now * 1000,
            event: event
        )
        FuzzCheck.requireJSONObject(ServerMessage.event(stored, room: .org(orgID: event.orgID)), "event")
    }

    /// Signature headers and body as the ingest pipeline checks them.
    private static func delivery(_ delivery: CarvedDelivery) {
        do {
            try fixedVerifier.verify(
                id: delivery.id,
                timestamp: delivery.timestamp,
                signature: delivery.signature,
                body: delivery.body,
                now: now
            )
        } catch {
            _ = try? realVerifier.verify(
                id: delivery.id,
                timestamp: delivery.timestamp,
                signature: delivery.signature,
                body: delivery.body,
                now: now
            )
            return
        }
        // The headers passed every check but the MAC: the real verifier must accept its own signature.
        guard let id = delivery.id, let timestamp = delivery.timestamp else {
            return FuzzCheck.require(false, "accepted a delivery with a missing header")
        }
        let signature = realVerifier.sign(id: id, timestamp: timestamp, body: delivery.body)
        let accepted: Bool
        do {
            try realVerifier.verify(id: id, timestamp: timestamp, signature: signature, body: delivery.body, now: now)
            accepted = true
        } catch {
            accepted = false
        }
        FuzzCheck.require(accepted, "real verifier refused its own signature")
        webhookBody(delivery.body)
    }

    /// A presence report from the broker: an accepted one survives encode and decode, and
    /// taking it in keeps every count within the bounds the wire format promises.
    private static func presence(_ bytes: [UInt8]) {
        guard let report = try? PresenceWireFormat.decode(bytes) else { return }
        let again = try? PresenceWireFormat.decode(PresenceWireFormat.encode(report))
        FuzzCheck.require(again == report, "presence report does not survive encode and decode")
        var cluster = ClusterPresence(localInstanceID: "local")
        cluster.apply(report, now: 0)
        cluster.apply(report, now: 1)
        let bound = PresenceWireFormat.maxCount
        FuzzCheck.require((0...bound).contains(cluster.remoteConnections), "remote connections out of bounds")
        for entry in report.users {
            FuzzCheck.require(cluster.remoteCount(entry.user) == entry.count, "a report heard twice counted twice")
        }
        cluster.expire(now: 1 + ClusterPresence.expirySeconds + 1)
        FuzzCheck.require(cluster.remoteInstances == 0 && cluster.remoteConnections == 0, "expiry left counts behind")
    }

    /// A token from an `auth` message or an `access_token` query argument.
    private static func token(_ token: String) {
        _ = try? realJWT.verify(token, now: now)
        guard let claims = try? fixedJWT.verify(token, now: now) else { return }
        FuzzCheck.require(claims.expiresAt > now, "accepted an expired token")
        FuzzCheck.require(PayloadValidator.isValidIdentifier(claims.orgID), "accepted a bad org claim")
        FuzzCheck.require(PayloadValidator.isValidIdentifier(claims.subject), "accepted a bad sub claim")
        let again = try? fixedJWT.verify(fixedJWT.sign(claims), now: now)
        FuzzCheck.require(again == claims, "claims do not survive sign and verify")
    }

    /// An `Origin` header: a normalised origin is canonical, and normalising it again keeps it.
    private static func origin(_ text: String) {
        guard let normalised = Origin.normalise(text) else { return }
        let canonical = normalised.hasPrefix("http://") || normalised.hasPrefix("https://")
        FuzzCheck.require(canonical && normalised == normalised.lowercased(), "origin \(normalised) not canonical")
        FuzzCheck.notice(
            Origin.normalise(normalised) == normalised,
            "origin-not-idempotent",
            "\(text.debugDescription) -> \(normalised.debugDescription) -> "
                + "\(Origin.normalise(normalised).debugDescription)"
        )
    }
}
