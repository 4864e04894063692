// The JSON forms of a notification, its rooms and who may see it.

import BridgeCore
import Foundation
import Testing

@Suite struct NotificationRecordTests {
    private static let targeted = NotificationRecord(
        id: "8d7c5a52-6b1e-4f0a-9c3d-2e1f0a9b8c7d",
        orgID: "acme",
        targetUserIDs: ["bob", "carol"],
        title: "Line\nbreak \"quoted\"\u{2028}",
        body: "Body",
        dataJSON: #"{"k":1}"#,
        createdBy: "alice",
        createdAtMillis: 1_710_408_067_123
    )

    private static func object(_ bytes: [UInt8]) throws -> [String: JSONValue] {
        try #require(try JSONDecoder().decode(JSONValue.self, from: Data(bytes)).objectValue)
    }

    @Test func senderSeesTheStoredNotificationWithItsTargets() throws {
        let json = try Self.object(Self.targeted.senderJSON)
        #expect(
            Set(json.keys) == [
                "id", "orgId", "audience", "targetUserIds", "title", "body", "data", "createdBy", "createdAt",
            ]
        )
        #expect(json["targetUserIds"] == .array([.string("bob"), .string("carol")]))
        #expect(json["title"] == .string(Self.targeted.title))
        #expect(json["data"] == .object(["k": .integer(1)]))
        #expect(json["audience"] == .string("users"))
        #expect(json["createdAt"] == .string("2024-03-14T09:21:07.123Z"))
        #expect(!Self.targeted.senderJSON.contains(UInt8(ascii: "\n")))
    }

    @Test func pushedMessageHasItsTypeAndHidesTheOtherRecipients() throws {
        let json = try Self.object(Self.targeted.pushMessage)
        #expect(json["type"] == .string("notification"))
        #expect(json["targetUserIds"] == nil)
        #expect(json["id"] == .string(Self.targeted.id))
    }

    @Test func readerSeesReadState() throws {
        let unread = try Self.object(NotificationListing(notification: Self.targeted, readAtMillis: nil).readerJSON)
        #expect(unread["read"] == .bool(false))
        #expect(unread["readAt"] == .null)
        let read = try Self.object(NotificationListing(notification: Self.targeted, readAtMillis: 1_000).readerJSON)
        #expect(read["read"] == .bool(true))
        #expect(read["readAt"] == .string("1970-01-01T00:00:01.000Z"))
    }

    @Test func targetedNotificationGoesToEachUserRoomAndOrgWideToTheOrgRoom() {
        #expect(Self.targeted.rooms == [.user(orgID: "acme", userID: "bob"), .user(orgID: "acme", userID: "carol")])
        var everyone = Self.targeted
        everyone.targetUserIDs = []
        #expect(everyone.rooms == [.org(orgID: "acme")])
    }

    @Test(arguments: [
        ("bob", "acme", true),
        ("dave", "acme", false),
        ("bob", "globex", false),
    ])
    func visibilityFollowsTargetsAndOrganisation(user: String, org: String, visible: Bool) {
        #expect(Self.targeted.isVisible(toUser: user, orgID: org) == visible)
        var everyone = Self.targeted
        everyone.targetUserIDs = []
        #expect(everyone.isVisible(toUser: user, orgID: org) == (org == "acme"))
    }
}
