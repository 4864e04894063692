// The message budget: a token bucket that can charge more than one token, and a user's budget
// shared out over the instances that user is connected to.

import BridgeCore
import Testing

@Suite
struct MessageBudgetTests {
    @Test
    func aBucketChargesTheCostAndRefillsAtItsRate() {
        var bucket = TokenBucket(capacity: 10, windowSeconds: 10, now: 0)
        let taken = [
            bucket.take(now: 0, cost: 4), bucket.take(now: 0, cost: 4), bucket.take(now: 0, cost: 4),
            bucket.take(now: 0, cost: 2), bucket.take(now: 0), bucket.take(now: 1),
        ]
        #expect(taken == [true, true, false, true, false, true])
    }

    @Test
    func aCostAboveTheCapacityIsAllowedFromAFullBucketAndPaidBackBeforeTheNextAction() {
        var bucket = TokenBucket(capacity: 2, windowSeconds: 2, now: 0)
        let taken = [bucket.take(now: 0, cost: 6), bucket.take(now: 3.9, cost: 6), bucket.take(now: 7, cost: 6)]
        #expect(taken == [true, false, true])
    }

    @Test(arguments: [0.0, -3, .nan, -.infinity])
    func aCostBelowOneOrNotANumberCostsAtLeastOne(_ cost: Double) {
        var bucket = TokenBucket(capacity: 1, windowSeconds: 1, now: 0)
        let taken = [bucket.take(now: 0, cost: cost), bucket.take(now: 0, cost: cost)]
        #expect(taken == [true, false])
    }

    @Test
    func aUsersCostIsTheirClusterConnectionsOverTheirLocalOnes() {
        let table: [(local: Int, cluster: Int, cost: Double)] = [
            (1, 1, 1), (1, 2, 2), (2, 3, 1.5), (0, 4, 1), (3, 1, 1),
        ]
        for row in table {
            let cost = MessageBudget.userCost(local: row.local, cluster: row.cluster, maxConnections: 20)
            #expect(cost == row.cost, "\(row)")
        }
    }

    @Test
    func aClusterCountAboveTheCapCostsNoMoreThanTheCap() {
        let table: [(local: Int, cluster: Int, cost: Double)] = [
            (1, 1_000_001, 20), (1, 100_000_001, 20), (2, 1_000_002, 10), (25, 26, 1),
        ]
        for row in table {
            #expect(MessageBudget.userCost(local: row.local, cluster: row.cluster, maxConnections: 20) == row.cost)
        }
    }

    @Test
    func aForgedClusterCountLeavesNoDebtThatOutlivesIt() {
        // One presence report claiming a million connections for alice, then the report is gone.
        var budget = MessageBudget(messages: 100, windowSeconds: 60, closeAfterRejections: 100)
        let forged = MessageBudget.userCost(local: 1, cluster: 1_000_001, maxConnections: 20)
        let decisions = [
            budget.charge(connection: 1, user: "acme\u{0}alice", now: 0, userCost: forged),
            budget.charge(connection: 1, user: "acme\u{0}alice", now: 1, userCost: 1),
        ]
        #expect(decisions == [.allow, .allow])
    }

    @Test
    func aUserOnTwoInstancesGetsHalfTheBudgetOnEach() {
        var budget = MessageBudget(messages: 10, windowSeconds: 60, closeAfterRejections: 100)
        let cost = MessageBudget.userCost(local: 1, cluster: 2, maxConnections: 20)
        let decisions = (0..<10).map { _ in
            budget.charge(connection: 1, user: "acme\u{0}alice", now: 0, userCost: cost)
        }
        #expect(decisions.filter { $0 == .allow }.count == 5)
    }

    @Test
    func aUserOnOneInstanceKeepsTheWholeBudgetAcrossConnections() {
        var budget = MessageBudget(messages: 10, windowSeconds: 60, closeAfterRejections: 100)
        let decisions = (0..<12).map { index in
            budget.charge(connection: index % 2, user: "acme\u{0}alice", now: 0)
        }
        #expect(decisions.filter { $0 == .allow }.count == 10)
    }
}
