// Room names as clients send them: the three good forms, and every string that must not resolve.

import BridgeCore
import Testing

/// A client's room name and the room it must resolve to for user `bob` of organisation `acme`.
struct ResolvedRoomName: Sendable, CustomTestStringConvertible {
    var name: String
    var room: Room
    var testDescription: String { name }
}

private let resolvedNames = [
    ResolvedRoomName(name: "org", room: .org(orgID: "acme")),
    ResolvedRoomName(name: "user", room: .user(orgID: "acme", userID: "bob")),
    ResolvedRoomName(name: "order:ord_1", room: .order(orgID: "acme", orderID: "ord_1")),
    ResolvedRoomName(name: "order:A-1.b:c", room: .order(orgID: "acme", orderID: "A-1.b:c")),
    // Another organisation's id is just an order id inside acme: the token decides the organisation.
    ResolvedRoomName(name: "order:globex", room: .order(orgID: "acme", orderID: "globex")),
    ResolvedRoomName(name: "order:order:x", room: .order(orgID: "acme", orderID: "order:x")),
    ResolvedRoomName(name: "order:..", room: .order(orgID: "acme", orderID: "..")),
    ResolvedRoomName(
        name: "order:" + String(repeating: "9", count: 128),
        room: .order(orgID: "acme", orderID: String(repeating: "9", count: 128))
    ),
]

private let refusedNames = [
    "", " ", "ORG", "Org", " org", "org ", "org\n", "org\u{0}", "orgs", "organisation", "org:acme", "org:globex",
    "org:*", "org/globex", "globex", "acme", "*", "#", "all", "USER", "user:bob", "user:alice", "users",
    "order", "order:", "ORDER:1", "Order:1", "order:1 ", "order: 1", "order:../x", "order:a/b", "order:*",
    "order:a b", "order:a\u{0}", "order:a\n", "order:" + String(repeating: "9", count: 129),
    "\u{43E}rg", "ｏｒｇ", "org\u{200B}", "o\u{301}rg", "us\u{435}r", "order:\u{430}", "order：1", "order;1",
    "notification", "order_update", String(repeating: "org", count: 10_000),
]

@Suite struct RoomTests {
    @Test(arguments: resolvedNames)
    func goodNameResolvesInTheTokensOrganisation(_ entry: ResolvedRoomName) {
        let room = Room(clientName: entry.name, orgID: "acme", userID: "bob")
        #expect(room == entry.room)
        #expect(room?.orgID == "acme")
        #expect(room?.clientName == entry.name)
    }

    @Test(arguments: refusedNames)
    func anythingElseResolvesToNothing(_ name: String) {
        #expect(Room(clientName: name, orgID: "acme", userID: "bob") == nil)
    }

    @Test func randomStringsNeverLeaveTheTokensOrganisation() {
        var generator = RoomNameGenerator(seed: 0x5EED_2024)
        let pieces = ["org", "user", "order:", ":", "globex", "acme", "/", "..", " ", "\u{0}", "\u{43E}", "-", "1"]
        for _ in 0..<1000 {
            let count = Int(generator.next() % 5) + 1
            let name = (0..<count).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
            guard let room = Room(clientName: name, orgID: "acme", userID: "bob") else { continue }
            #expect(room.orgID == "acme", "\(name)")
            #expect(Room(clientName: room.clientName, orgID: "acme", userID: "bob") == room, "\(name)")
        }
    }

    @Test func moreSpecificRoomsRankHigher() {
        let org = Room.org(orgID: "acme")
        let order = Room.order(orgID: "acme", orderID: "1")
        let user = Room.user(orgID: "acme", userID: "bob")
        #expect(org.specificity < order.specificity)
        #expect(order.specificity < user.specificity)
    }

    @Test func sameNameInTwoOrganisationsIsTwoRooms() {
        let acme = Room(clientName: "order:1", orgID: "acme", userID: "bob")
        let globex = Room(clientName: "order:1", orgID: "globex", userID: "bob")
        #expect(acme != nil && globex != nil && acme != globex)
        #expect(Room.user(orgID: "acme", userID: "bob") != Room.user(orgID: "acme", userID: "alice"))
    }
}

/// SplitMix64: a small seeded generator so "random" cases are the same on every run.
private struct RoomNameGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
