// What an instance reports and when: a full refresh first and every ten seconds, in between only
// the users that changed (a closed last connection as 0), chunked, and nothing when quiet.

import BridgeCore
import Testing

private let instance = "33333333-3333-4333-8333-333333333333"
private let alice = PresenceReport.userKey(orgID: "acme", subject: "alice")
private let bob = PresenceReport.userKey(orgID: "acme", subject: "bob")

private func users(_ reports: [PresenceReport]) -> [String: Int] {
    var counts: [String: Int] = [:]
    for entry in reports.flatMap(\.users) { counts[entry.user] = entry.count }
    return counts
}

@Suite
struct PresenceScheduleTests {
    @Test
    func theFirstCallSendsEveryCountEvenWithNone() {
        var schedule = PresenceSchedule(instanceID: instance)
        let reports = schedule.reports(now: 100, connections: 0, counts: [:])
        #expect(reports == [PresenceReport(instanceID: instance, connections: 0, users: [])])
        let quiet = schedule.reports(now: 100.25, connections: 0, counts: [:])
        #expect(quiet.isEmpty)
    }

    @Test
    func betweenRefreshesOnlyChangedUsersGoOutAndAClosedLastConnectionAsZero() {
        var schedule = PresenceSchedule(instanceID: instance)
        _ = schedule.reports(now: 0, connections: 3, counts: [alice: 2, bob: 1])
        schedule.userChanged(bob)
        let reports = schedule.reports(now: 0.25, connections: 2, counts: [alice: 2])
        #expect(reports.count == 1)
        #expect(reports.first?.connections == 2)
        #expect(users(reports) == [bob: 0])
        let quiet = schedule.reports(now: 0.5, connections: 2, counts: [alice: 2])
        #expect(quiet.isEmpty)
    }

    @Test
    func aChangedConnectionTotalAloneIsReported() {
        var schedule = PresenceSchedule(instanceID: instance)
        _ = schedule.reports(now: 0, connections: 0, counts: [:])
        let reports = schedule.reports(now: 0.25, connections: 1, counts: [:])
        #expect(reports == [PresenceReport(instanceID: instance, connections: 1, users: [])])
    }

    @Test
    func everyNonZeroCountIsSentAgainAtTheRefresh() {
        var schedule = PresenceSchedule(instanceID: instance)
        let period = PresenceSchedule.fullRefreshSeconds
        _ = schedule.reports(now: 0, connections: 3, counts: [alice: 2, bob: 1])
        let quiet = schedule.reports(now: period - 0.1, connections: 3, counts: [alice: 2, bob: 1])
        #expect(quiet.isEmpty)
        schedule.userChanged(bob)
        let refresh = schedule.reports(now: period, connections: 2, counts: [alice: 2])
        #expect(users(refresh) == [alice: 2, bob: 0])
    }

    @Test
    func aLargeRefreshIsSplitIntoBoundedChunks() {
        var schedule = PresenceSchedule(instanceID: instance)
        let size = PresenceWireFormat.maxUsersPerReport
        var counts: [String: Int] = [:]
        for index in 0..<(2 * size + 1) { counts["org\u{0}user\(index)"] = 1 }
        let reports = schedule.reports(now: 0, connections: counts.count, counts: counts)
        #expect(reports.map(\.users.count) == [size, size, 1])
        #expect(reports.allSatisfy { $0.connections == counts.count && $0.instanceID == instance })
        #expect(users(reports).count == counts.count)
    }

    @Test
    func refreshSoonBringsTheRefreshForwardButNotTooOften() {
        var schedule = PresenceSchedule(instanceID: instance)
        _ = schedule.reports(now: 0, connections: 1, counts: [alice: 1])
        schedule.refreshSoon()
        let quiet = schedule.reports(now: 0.5, connections: 1, counts: [alice: 1])
        #expect(quiet.isEmpty)
        let early = schedule.reports(now: PresenceSchedule.minimumRefreshGapSeconds, connections: 1, counts: [alice: 1])
        #expect(users(early) == [alice: 1])
    }

    @Test
    func theFinalReportSaysSo() {
        let schedule = PresenceSchedule(instanceID: instance)
        #expect(schedule.finalReport.isFinal)
        #expect(schedule.finalReport.instanceID == instance)
        #expect(schedule.finalReport.users.isEmpty)
    }
}
