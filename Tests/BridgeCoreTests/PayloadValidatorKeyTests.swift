// Keys spelled with escapes: the validator must see the same members a decoder does.

import BridgeCore
import Testing

@Suite struct PayloadValidatorKeyTests {
    /// A decoder keeps the first of two equal keys, JavaScript's `JSON.parse` the last; a body
    /// with both would route to one tenant here and look like another to the sender's tools.
    @Test(arguments: [
        (#"org\u0049d"#, "orgId"), (#"\u006frderId"#, "orderId"), (#"entity\u0054ype"#, "entityType"),
        (#"d\u0061ta"#, "data"), (#"version"#, "version"),
    ])
    func aKeyRepeatedWithEscapesIsADuplicate(_ spelling: String, _ field: String) {
        let second = field == "data" ? "{}" : #""evil""#
        let body = WebhookBody(members: [("\(spelling)", second)] + WebhookBody.order.members)
        let error = #expect(throws: PayloadError.self) { try PayloadValidator.validate(body.bytes) }
        #expect(error?.field == field)
        #expect(error?.message.contains("more than once") == true)
    }

    @Test func twoObjectsUnderOneDataKeyAreRefused() {
        // Both pass the shape check; which one subscribers get must not depend on the reader.
        let body = WebhookBody.order.setting(#"d\u0061ta"#, #"{"other":true}"#)
        let error = #expect(throws: PayloadError.self) { try PayloadValidator.validate(body.bytes) }
        #expect(error?.field == "data")
    }

    @Test func escapedKeysCountAsTheFieldTheySpell() throws {
        let body = WebhookBody.order.removing("orgId").removing("data")
            .setting(#"org\u0049d"#, #""acme""#)
            .setting(#"d\u0061ta"#, #"{ "k" : "a b" }"#)
        let event = try PayloadValidator.validate(body.bytes)
        #expect(event.orgID == "acme")
        #expect(event.dataJSON == #"{"k":"a b"}"#)
    }

    @Test(arguments: [#"a\x"#, #"a\u12"#, #"\ud800"#])
    func aKeyWithABadEscapeIsNotJSON(_ spelling: String) {
        let body = WebhookBody.order.setting(spelling, "1")
        let error = #expect(throws: PayloadError.self) { try PayloadValidator.validate(body.bytes) }
        #expect(error?.field == nil)
    }
}
