// The shared suite for notifications: who sees what, newest first, pages, and per-user read state.

import BridgeCore
import BridgeStore
import Testing

@Suite("Notifications")
struct NotificationStoreTests {
    /// A notification of `org` at `millis`, for `targets` (empty: the whole organisation).
    static func notification(
        _ id: String,
        org: String = "acme",
        targets: [String] = [],
        at millis: Int64 = 1_000,
        title: String = "Title"
    ) -> NotificationRecord {
        NotificationRecord(
            id: id,
            orgID: org,
            targetUserIDs: targets,
            title: title,
            body: "Body of \(id)",
            dataJSON: #"{"n":1}"#,
            createdBy: "alice",
            createdAtMillis: millis
        )
    }

    @Test(
        "A user sees what is addressed to them or to their whole organisation, newest first",
        arguments: StoreFactory.all
    )
    func userSeesTheirOwnAndTheirOrganisations(factory: StoreFactory) throws {
        try factory.withStore { store in
            try store.insertNotification(Self.notification("n1", targets: ["bob"], at: 1_000))
            try store.insertNotification(Self.notification("n2", at: 2_000))
            try store.insertNotification(Self.notification("n3", targets: ["carol"], at: 3_000))
            try store.insertNotification(Self.notification("n4", targets: ["carol", "bob"], at: 4_000))
            try store.insertNotification(Self.notification("n5", org: "globex", targets: ["bob"], at: 5_000))
            try store.insertNotification(Self.notification("n6", org: "globex", at: 6_000))

            let ids = { (org: String, user: String) in
                try store.notifications(orgID: org, userID: user, after: nil, limit: 50).map(\.notification.id)
            }
            #expect(try ids("acme", "bob") == ["n4", "n2", "n1"])
            #expect(try ids("acme", "carol") == ["n4", "n3", "n2"])
            #expect(try ids("acme", "dave") == ["n2"])
            #expect(try ids("globex", "bob") == ["n6", "n5"])
            #expect(try ids("initech", "bob") == [])
        }
    }

    @Test("Notifications come back exactly as stored", arguments: StoreFactory.all)
    func notificationRoundTrips(factory: StoreFactory) throws {
        try factory.withStore { store in
            let stored = NotificationRecord(
                id: "8d7c5a52-6b1e-4f0a-9c3d-2e1f0a9b8c7d",
                orgID: "acme",
                targetUserIDs: ["bob", "carol:ext", "d.e_f-g"],
                title: "Quotes \" and \\ and\nnew lines\r\u{2028} and é😀",
                body: String(repeating: "b", count: 4_000),
                dataJSON: #"{"a":{"b":[1,2.5,true,null,"x"]}}"#,
                createdBy: "alice",
                createdAtMillis: 1_710_408_067_123
            )
            try store.insertNotification(stored)
            let listing = try #require(
                try store.notifications(orgID: "acme", userID: "bob", after: nil, limit: 1).first
            )
            var read = listing.notification
            // PostgreSQL keeps `data` as jsonb, which spaces its text; the value is the same.
            #expect(read.dataJSON.filter { $0 != " " } == stored.dataJSON)
            read.dataJSON = stored.dataJSON
            #expect(read == stored)
            #expect(listing.readAtMillis == nil)
        }
    }

    @Test("Pages follow newest-first order, ties broken by id, without repeats or gaps", arguments: StoreFactory.all)
    func cursorPagesThroughEverything(factory: StoreFactory) throws {
        try factory.withStore { store in
            // Five share one millisecond, so the id must order them.
            for index in 0..<12 {
                let millis = index < 5 ? Int64(7_000) : Int64(1_000 + index)
                let targets = index % 3 == 0 ? [] : ["bob"]
                try store.insertNotification(Self.notification("n\(index + 10)", targets: targets, at: millis))
            }
            var seen: [String] = []
            var cursor: NotificationCursor?
            for _ in 0..<10 {
                let page = try store.notifications(orgID: "acme", userID: "bob", after: cursor, limit: 5)
                seen += page.map(\.notification.id)
                guard page.count == 5, let last = page.last else { break }
                cursor = NotificationCursor(after: last.notification)
            }
            #expect(seen == ["n14", "n13", "n12", "n11", "n10", "n21", "n20", "n19", "n18", "n17", "n16", "n15"])
        }
    }

    @Test("Read state is per user and the first read time is kept", arguments: StoreFactory.all)
    func readStateIsPerUser(factory: StoreFactory) throws {
        try factory.withStore { store in
            try store.insertNotification(Self.notification("all", at: 1_000))
            try store.insertNotification(Self.notification("bobs", targets: ["bob"], at: 2_000))

            let first = try store.markNotificationRead(id: "all", orgID: "acme", userID: "bob", atMillis: 5_000)
            #expect(first?.readAtMillis == 5_000)
            #expect(first?.notification.id == "all")
            let again = try store.markNotificationRead(id: "all", orgID: "acme", userID: "bob", atMillis: 9_000)
            #expect(again?.readAtMillis == 5_000)

            let bobs = try store.notifications(orgID: "acme", userID: "bob", after: nil, limit: 10)
            #expect(bobs.map(\.readAtMillis) == [nil, 5_000])
            let carols = try store.notifications(orgID: "acme", userID: "carol", after: nil, limit: 10)
            #expect(carols.map(\.readAtMillis) == [nil])
        }
    }

    @Test("Marking read what is not the user's finds nothing and changes nothing", arguments: StoreFactory.all)
    func othersNotificationsCannotBeMarked(factory: StoreFactory) throws {
        try factory.withStore { store in
            try store.insertNotification(Self.notification("bobs", targets: ["bob"]))
            try store.insertNotification(Self.notification("globex-all", org: "globex"))

            #expect(try store.markNotificationRead(id: "bobs", orgID: "acme", userID: "carol", atMillis: 1) == nil)
            #expect(try store.markNotificationRead(id: "bobs", orgID: "globex", userID: "bob", atMillis: 1) == nil)
            #expect(try store.markNotificationRead(id: "globex-all", orgID: "acme", userID: "bob", atMillis: 1) == nil)
            #expect(try store.markNotificationRead(id: "missing", orgID: "acme", userID: "bob", atMillis: 1) == nil)
            let bobs = try store.notifications(orgID: "acme", userID: "bob", after: nil, limit: 10)
            #expect(bobs.map(\.readAtMillis) == [nil])
        }
    }

    @Test("A zero limit reads nothing and a negative one is refused", arguments: StoreFactory.all)
    func limitsAreChecked(factory: StoreFactory) throws {
        try factory.withStore { store in
            try store.insertNotification(Self.notification("n1"))
            #expect(try store.notifications(orgID: "acme", userID: "bob", after: nil, limit: 0) == [])
            #expect(throws: StoreError.self) {
                try store.notifications(orgID: "acme", userID: "bob", after: nil, limit: -1)
            }
        }
    }

    @Test("A repeated id is refused and leaves the first notification alone", arguments: StoreFactory.all)
    func duplicateIDIsRefused(factory: StoreFactory) throws {
        try factory.withStore { store in
            try store.insertNotification(Self.notification("n1", targets: ["bob"]))
            #expect(throws: StoreError.self) {
                try store.insertNotification(Self.notification("n1", title: "Other"))
            }
            let all = try store.notifications(orgID: "acme", userID: "carol", after: nil, limit: 10)
            #expect(all == [])
        }
    }
}
