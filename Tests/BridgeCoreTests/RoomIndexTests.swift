// The subscription table behind fan-out: once per connection, the most specific room, filters and caps.

import BridgeCore
import Testing

private let acmeOrg = Room.org(orgID: "acme")
private let acmeOrder = Room.order(orgID: "acme", orderID: "ord_1")
private let acmeOtherOrder = Room.order(orgID: "acme", orderID: "ord_2")
private let acmeUser = Room.user(orgID: "acme", userID: "bob")
private let globexOrg = Room.org(orgID: "globex")
private let globexOrder = Room.order(orgID: "globex", orderID: "ord_1")

/// Where an `order_update` for acme's `ord_1` goes.
private let acmeEventRooms = [acmeOrg, acmeOrder]

/// Subscriptions of connection 1, and the room an `order_update` for acme's `ord_1` must reach it through.
struct FanOutCase: Sendable, CustomTestStringConvertible {
    var name: String
    var subscriptions: [RoomSubscription]
    var expected: Room?
    var testDescription: String { name }
}

private func all(_ room: Room) -> RoomSubscription { RoomSubscription(room: room, types: nil) }

private func only(_ room: Room, _ types: Set<String>) -> RoomSubscription {
    RoomSubscription(room: room, types: types)
}

private let fanOutCases = [
    FanOutCase(name: "org room", subscriptions: [all(acmeOrg)], expected: acmeOrg),
    FanOutCase(name: "order room", subscriptions: [all(acmeOrder)], expected: acmeOrder),
    FanOutCase(
        name: "org and order: once, via order",
        subscriptions: [all(acmeOrg), all(acmeOrder)],
        expected: acmeOrder
    ),
    FanOutCase(name: "order then org: order wins", subscriptions: [all(acmeOrder), all(acmeOrg)], expected: acmeOrder),
    FanOutCase(name: "another order only", subscriptions: [all(acmeOtherOrder)], expected: nil),
    FanOutCase(name: "user room only", subscriptions: [all(acmeUser)], expected: nil),
    FanOutCase(name: "other organisation's org", subscriptions: [all(globexOrg)], expected: nil),
    FanOutCase(name: "other organisation's same order id", subscriptions: [all(globexOrder)], expected: nil),
    FanOutCase(
        name: "org filtered to items",
        subscriptions: [only(acmeOrg, ["order_item_update"])],
        expected: nil
    ),
    FanOutCase(
        name: "org filtered to orders",
        subscriptions: [only(acmeOrg, ["order_update"])],
        expected: acmeOrg
    ),
    FanOutCase(name: "empty filter hears nothing", subscriptions: [only(acmeOrg, [])], expected: nil),
    FanOutCase(
        name: "order filtered out, org still hears",
        subscriptions: [all(acmeOrg), only(acmeOrder, ["order_item_update"])],
        expected: acmeOrg
    ),
    FanOutCase(
        name: "org filtered out, order hears",
        subscriptions: [only(acmeOrg, ["notification"]), all(acmeOrder)],
        expected: acmeOrder
    ),
    FanOutCase(
        name: "both filtered out",
        subscriptions: [only(acmeOrg, ["notification"]), only(acmeOrder, ["order_item_update"])],
        expected: nil
    ),
    FanOutCase(
        name: "resubscribe replaces the filter",
        subscriptions: [only(acmeOrg, ["notification"]), all(acmeOrg)],
        expected: acmeOrg
    ),
    FanOutCase(
        name: "resubscribe can narrow the filter",
        subscriptions: [all(acmeOrg), only(acmeOrg, ["notification"])],
        expected: nil
    ),
]

@Suite struct RoomIndexTests {
    @Test(arguments: fanOutCases)
    func connectionHearsAnEventOnceThroughItsMostSpecificRoom(_ entry: FanOutCase) {
        var index = RoomIndex()
        for subscription in entry.subscriptions {
            let added = index.subscribe(1, to: subscription)
            #expect(added)
        }
        let recipients = index.recipients(of: "order_update", in: acmeEventRooms)
        #expect(recipients == (entry.expected.map { [1: $0] } ?? [:]))
    }

    @Test func manyConnectionsEachHearOnce() {
        var index = RoomIndex()
        index.subscribe(1, to: all(acmeOrg))
        index.subscribe(2, to: all(acmeOrder))
        index.subscribe(3, to: all(acmeOrg))
        index.subscribe(3, to: all(acmeOrder))
        index.subscribe(4, to: all(globexOrg))
        index.subscribe(5, to: all(acmeOtherOrder))
        let recipients = index.recipients(of: "order_update", in: acmeEventRooms)
        #expect(recipients == [1: acmeOrg, 2: acmeOrder, 3: acmeOrder])
    }

    @Test func groupsNameEachRoomOnceAndEachConnectionOnce() {
        var index = RoomIndex()
        index.subscribe(1, to: all(acmeOrg))
        index.subscribe(2, to: all(acmeOrder))
        index.subscribe(3, to: all(acmeOrg))
        index.subscribe(3, to: all(acmeOrder))
        let groups = index.recipientGroups(of: "order_update", in: acmeEventRooms)
        #expect(groups.count == 2)
        #expect(Set(groups.map(\.room)) == [acmeOrg, acmeOrder])
        let heard = groups.flatMap(\.connections)
        #expect(heard.sorted() == [1, 2, 3])
        #expect(groups.first { $0.room == acmeOrder }?.connections.sorted() == [2, 3])
    }

    @Test func oneOccupiedRoomStillHonoursTypeFilters() {
        var index = RoomIndex()
        index.subscribe(1, to: all(acmeOrg))
        index.subscribe(2, to: RoomSubscription(room: acmeOrg, types: ["order_item_update"]))
        index.subscribe(3, to: RoomSubscription(room: acmeOrg, types: ["order_update"]))
        let groups = index.recipientGroups(of: "order_update", in: acmeEventRooms)
        #expect(groups.count == 1)
        #expect(groups.first?.room == acmeOrg)
        #expect(groups.first?.connections.sorted() == [1, 3])
        #expect(RoomIndex().recipientGroups(of: "order_update", in: acmeEventRooms).isEmpty)
        index.unsubscribe(1, from: acmeOrg)
        index.unsubscribe(3, from: acmeOrg)
        #expect(index.recipientGroups(of: "order_update", in: acmeEventRooms).isEmpty)
    }

    @Test func eventsInNoRoomReachNobody() {
        var index = RoomIndex()
        index.subscribe(1, to: all(acmeOrg))
        #expect(index.recipients(of: "order_update", in: []).isEmpty)
        #expect(RoomIndex().recipients(of: "order_update", in: acmeEventRooms).isEmpty)
    }

    @Test func userRoomOutranksTheOthers() {
        var index = RoomIndex()
        index.subscribe(1, to: all(acmeOrg))
        index.subscribe(1, to: all(acmeUser))
        index.subscribe(1, to: all(acmeOrder))
        #expect(index.recipients(of: "notification", in: [acmeOrg, acmeOrder, acmeUser]) == [1: acmeUser])
    }

    @Test func unsubscribeStopsDeliveryAndForgetsEmptyRooms() {
        var index = RoomIndex()
        index.subscribe(1, to: all(acmeOrg))
        index.subscribe(2, to: all(acmeOrg))
        index.subscribe(1, to: all(acmeOrder))
        #expect(index.roomCount == 2)
        #expect(index.subscriptionCount == 3)

        let removedOrder = index.unsubscribe(1, from: acmeOrder)
        #expect(removedOrder)
        let removedAgain = index.unsubscribe(1, from: acmeOrder)
        #expect(!removedAgain)
        let removedUnknown = index.unsubscribe(9, from: acmeOrg)
        #expect(!removedUnknown)
        #expect(index.roomCount == 1)
        #expect(index.recipients(of: "order_update", in: acmeEventRooms) == [1: acmeOrg, 2: acmeOrg])

        let removedFirst = index.unsubscribe(1, from: acmeOrg)
        #expect(removedFirst)
        let removedSecond = index.unsubscribe(2, from: acmeOrg)
        #expect(removedSecond)
        #expect(index.roomCount == 0)
        #expect(index.subscriptionCount == 0)
        #expect(index.rooms(of: 1).isEmpty)
    }

    @Test func removeForgetsEveryRoomOfAConnection() {
        var index = RoomIndex()
        for room in [acmeOrg, acmeOrder, acmeUser] { index.subscribe(7, to: all(room)) }
        index.subscribe(8, to: all(acmeOrg))
        index.remove(7)
        index.remove(7)
        index.remove(99)
        #expect(index.rooms(of: 7).isEmpty)
        #expect(index.subscription(of: 7, to: acmeOrg) == nil)
        #expect(index.roomCount == 1)
        #expect(index.subscriptionCount == 1)
        #expect(index.recipients(of: "order_update", in: acmeEventRooms) == [8: acmeOrg])
    }

    @Test func resubscribingReplacesInsteadOfAdding() {
        var index = RoomIndex()
        index.subscribe(1, to: all(acmeOrg))
        index.subscribe(1, to: only(acmeOrg, ["order_update"]))
        #expect(index.subscriptionCount == 1)
        #expect(index.subscription(of: 1, to: acmeOrg) == only(acmeOrg, ["order_update"]))
        #expect(index.rooms(of: 1) == [acmeOrg])
    }

    @Test func connectionIsCappedAtItsRoomLimit() {
        var index = RoomIndex()
        let limit = RoomIndex.maxRoomsPerConnection
        #expect(limit == 100)
        for number in 0..<limit {
            let joined = index.subscribe(1, to: all(.order(orgID: "acme", orderID: "o\(number)")))
            #expect(joined)
        }
        let extra = Room.order(orgID: "acme", orderID: "one-too-many")
        let joinedOverCap = index.subscribe(1, to: all(extra))
        #expect(!joinedOverCap)
        #expect(index.subscription(of: 1, to: extra) == nil)
        #expect(index.recipients(of: "order_update", in: [extra]).isEmpty)
        #expect(index.rooms(of: 1).count == limit)

        // At the cap, an existing room may still change its filter, and a freed slot can be reused.
        let refiltered = index.subscribe(1, to: only(.order(orgID: "acme", orderID: "o0"), ["order_update"]))
        #expect(refiltered)
        let freed = index.unsubscribe(1, from: .order(orgID: "acme", orderID: "o1"))
        #expect(freed)
        let reused = index.subscribe(1, to: all(extra))
        #expect(reused)
        #expect(index.rooms(of: 1).count == limit)

        // The cap is per connection.
        let otherJoined = index.subscribe(2, to: all(extra))
        #expect(otherJoined)
    }

    @Test(arguments: [
        (Set<String>?.none, "anything", true),
        (Set(["order_update"]), "order_update", true),
        (Set(["order_update"]), "order_item_update", false),
        (Set(["order_update"]), "ORDER_UPDATE", false),
        (Set<String>(), "order_update", false),
    ])
    func subscriptionFilterAcceptsOnlyItsTypes(_ types: Set<String>?, _ type: String, _ accepted: Bool) {
        #expect(RoomSubscription(room: acmeOrg, types: types).accepts(type: type) == accepted)
    }
}
