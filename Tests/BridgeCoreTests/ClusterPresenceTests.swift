// The other instances' counts: absolute reports replace what they name, totals stay exact,
// silence expires, a final report forgets at once, and the bounds hold against a flood.

import BridgeCore
import Testing

private let local = "00000000-0000-4000-8000-000000000000"
private let first = "11111111-1111-4111-8111-111111111111"
private let second = "22222222-2222-4222-8222-222222222222"
private let alice = PresenceReport.userKey(orgID: "acme", subject: "alice")
private let bob = PresenceReport.userKey(orgID: "acme", subject: "bob")

private func report(_ instance: String, connections: Int, _ users: [(String, Int)]) -> PresenceReport {
    PresenceReport(instanceID: instance, connections: connections, users: users.map { .init(user: $0.0, count: $0.1) })
}

@Suite
struct ClusterPresenceTests {
    @Test
    func countsAddUpOverInstancesAndALaterReportReplacesAnEarlierOne() {
        var presence = ClusterPresence(localInstanceID: local)
        presence.apply(report(first, connections: 3, [(alice, 2), (bob, 1)]), now: 0)
        presence.apply(report(second, connections: 4, [(alice, 1)]), now: 0)
        #expect(presence.remoteCount(alice) == 3)
        #expect(presence.remoteCount(bob) == 1)
        #expect(presence.remoteConnections == 7)
        #expect(presence.remoteInstances == 2)

        // Absolute counts: the same report heard twice changes nothing; a new count replaces.
        presence.apply(report(second, connections: 4, [(alice, 1)]), now: 1)
        presence.apply(report(first, connections: 1, [(alice, 1), (bob, 0)]), now: 1)
        #expect(presence.remoteCount(alice) == 2)
        #expect(presence.remoteCount(bob) == 0)
        #expect(presence.remoteConnections == 5)
    }

    @Test
    func aReportThatDoesNotNameAUserLeavesItsCountAlone() {
        var presence = ClusterPresence(localInstanceID: local)
        presence.apply(report(first, connections: 2, [(alice, 2)]), now: 0)
        presence.apply(report(first, connections: 3, [(bob, 1)]), now: 1)
        #expect(presence.remoteCount(alice) == 2)
        #expect(presence.remoteCount(bob) == 1)
    }

    @Test
    func thisInstancesOwnReportIsIgnored() {
        var presence = ClusterPresence(localInstanceID: local)
        let outcome = presence.apply(report(local, connections: 9, [(alice, 9)]), now: 0)
        #expect(outcome == .own)
        #expect(presence.remoteCount(alice) == 0)
        #expect(presence.remoteInstances == 0)
    }

    @Test
    func aSilentInstanceIsForgottenAfterTheExpiry() {
        var presence = ClusterPresence(localInstanceID: local)
        presence.apply(report(first, connections: 2, [(alice, 2)]), now: 0)
        presence.apply(report(second, connections: 1, [(alice, 1)]), now: 30)
        presence.expire(now: ClusterPresence.expirySeconds - 1)
        #expect(presence.remoteCount(alice) == 3)
        presence.expire(now: ClusterPresence.expirySeconds + 1)
        #expect(presence.remoteCount(alice) == 1)
        #expect(presence.remoteConnections == 1)
        #expect(presence.remoteInstances == 1)
        #expect(!presence.knows(first))
    }

    @Test
    func aUserNotRefreshedExpiresWhileItsInstanceLivesOn() {
        // The lost zero: the instance goes on reporting, but never names alice again.
        var presence = ClusterPresence(localInstanceID: local)
        presence.apply(report(first, connections: 2, [(alice, 1), (bob, 1)]), now: 0)
        for time in stride(from: 10.0, through: 40, by: 10) {
            presence.apply(report(first, connections: 1, [(bob, 1)]), now: time)
        }
        presence.expire(now: 40)
        #expect(presence.remoteCount(alice) == 0)
        #expect(presence.remoteCount(bob) == 1)
        #expect(presence.remoteInstances == 1)
    }

    @Test
    func aFinalReportForgetsItsInstanceAtOnce() {
        var presence = ClusterPresence(localInstanceID: local)
        presence.apply(report(first, connections: 2, [(alice, 2)]), now: 0)
        let goodbye = PresenceReport(instanceID: first, connections: 0, users: [], isFinal: true)
        let outcome = presence.apply(goodbye, now: 1)
        #expect(outcome == .applied)
        #expect(presence.remoteCount(alice) == 0)
        #expect(presence.remoteConnections == 0)
        #expect(presence.remoteInstances == 0)
    }

    @Test
    func instancesPastTheBoundAreRefused() {
        var presence = ClusterPresence(localInstanceID: local)
        for index in 0..<ClusterPresence.maxInstances {
            presence.apply(report("instance-\(index)", connections: 1, [(alice, 1)]), now: 0)
        }
        let refused = presence.apply(report(first, connections: 1, [(alice, 1)]), now: 0)
        #expect(refused == .overLimit)
        #expect(presence.remoteCount(alice) == ClusterPresence.maxInstances)
        // A known instance is still heard.
        let known = presence.apply(report("instance-0", connections: 1, [(alice, 0)]), now: 1)
        #expect(known == .applied)
        #expect(presence.remoteCount(alice) == ClusterPresence.maxInstances - 1)
    }

    @Test
    func usersPastTheBoundOfOneInstanceAreRefusedButKnownOnesStillChange() {
        var presence = ClusterPresence(localInstanceID: local)
        let users = (0..<ClusterPresence.maxUsersPerInstance).map { ("u\($0)", 1) }
        for start in stride(from: 0, to: users.count, by: 10_000) {
            presence.apply(report(first, connections: 1, Array(users[start..<(start + 10_000)])), now: 0)
        }
        let outcome = presence.apply(report(first, connections: 1, [(alice, 1), ("u0", 5)]), now: 1)
        #expect(outcome == .overLimit)
        #expect(presence.remoteCount(alice) == 0)
        #expect(presence.remoteCount("u0") == 5)
    }

    @Test
    func countsOutsideTheWireBoundsAreClampedNotTrusted() {
        var presence = ClusterPresence(localInstanceID: local)
        presence.apply(report(first, connections: Int.max, [(alice, Int.max), (bob, -5)]), now: 0)
        presence.apply(report(second, connections: Int.max, [(alice, Int.max)]), now: 0)
        #expect(presence.remoteCount(alice) == 2 * PresenceWireFormat.maxCount)
        #expect(presence.remoteCount(bob) == 0)
        #expect(presence.remoteConnections == 2 * PresenceWireFormat.maxCount)
    }

    @Test
    func entriesPastTheBoundOverAllInstancesAreRefusedUntilSomeExpire() {
        var presence = ClusterPresence(localInstanceID: local)
        let perInstance = ClusterPresence.maxUsersPerInstance
        let instances = ClusterPresence.maxTrackedEntries / perInstance
        for index in 0..<instances {
            let id = String(format: "%08x-0000-4000-8000-000000000000", index + 16)
            let users = (0..<perInstance).map { ("i\(index)u\($0)", 1) }
            for start in stride(from: 0, to: users.count, by: 10_000) {
                presence.apply(report(id, connections: 1, Array(users[start..<(start + 10_000)])), now: Double(index))
            }
        }
        #expect(presence.apply(report(first, connections: 1, [(alice, 1)]), now: 10) == .overLimit)
        #expect(presence.remoteCount(alice) == 0)
        // Once the oldest instance has gone quiet past the expiry, its entries make room.
        presence.expire(now: ClusterPresence.expirySeconds + 0.5)
        #expect(presence.apply(report(first, connections: 1, [(alice, 1)]), now: 36) == .applied)
        #expect(presence.remoteCount(alice) == 1)
    }
}
