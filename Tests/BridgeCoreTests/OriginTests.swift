// Origin normalisation for the allowlist: the exact canonical form, and everything that is not an origin.

import BridgeCore
import Testing

/// An origin as written and its canonical form.
struct NormalisedOrigin: Sendable, CustomTestStringConvertible {
    var text: String
    var canonical: String
    var testDescription: String { text }
}

private let normalised = [
    NormalisedOrigin(text: "http://example.com", canonical: "http://example.com"),
    NormalisedOrigin(text: "https://example.com", canonical: "https://example.com"),
    NormalisedOrigin(text: "HTTP://EXAMPLE.COM", canonical: "http://example.com"),
    NormalisedOrigin(text: "HtTpS://App.Example.COM", canonical: "https://app.example.com"),
    NormalisedOrigin(text: "http://example.com/", canonical: "http://example.com"),
    NormalisedOrigin(text: "http://example.com:80", canonical: "http://example.com"),
    NormalisedOrigin(text: "http://example.com:80/", canonical: "http://example.com"),
    NormalisedOrigin(text: "https://example.com:443", canonical: "https://example.com"),
    NormalisedOrigin(text: "https://example.com:80", canonical: "https://example.com:80"),
    NormalisedOrigin(text: "http://example.com:443", canonical: "http://example.com:443"),
    NormalisedOrigin(text: "http://127.0.0.1:8081", canonical: "http://127.0.0.1:8081"),
    NormalisedOrigin(text: "http://localhost:8080/", canonical: "http://localhost:8080"),
    NormalisedOrigin(text: "http://[::1]:8080", canonical: "http://[::1]:8080"),
    NormalisedOrigin(text: "http://[::1]", canonical: "http://[::1]"),
    NormalisedOrigin(text: "HTTP://[::1]:80/", canonical: "http://[::1]"),
    NormalisedOrigin(text: "https://app-1.eu.example.com:8443", canonical: "https://app-1.eu.example.com:8443"),
    NormalisedOrigin(text: "http://xn--bcher-kva.example", canonical: "http://xn--bcher-kva.example"),
    NormalisedOrigin(text: "http://example.com:1", canonical: "http://example.com:1"),
    NormalisedOrigin(text: "http://example.com:65535", canonical: "http://example.com:65535"),
]

private let refused = [
    "", "null", "NULL", "Null", "http://", "https://", "http:///", "http://:8080", "http:// ",
    "ws://example.com", "wss://example.com", "ftp://example.com", "file:///tmp/page.html", "file://",
    "javascript:alert(1)", "data:text/html,x", "chrome-extension://abcdef", "example.com", "//example.com",
    "http:/example.com", "http:example.com", "http//example.com", "httpx://example.com", " http://example.com",
    "http://example.com ", "http://example.com/app", "http://example.com/app/", "http://example.com//",
    "http://example.com/?", "http://example.com?x=1", "http://example.com#top", "http://example.com/#",
    "http://user@example.com", "http://user:pass@example.com", "http://@example.com",
    "http://example.com:0", "http://example.com:65536", "http://example.com:99999", "http://example.com:-1",
    "http://example.com:", "http://example.com:http", "http://example.com:8080:", "http://example.com:8 0",
    "http://exa mple.com", "http://example.com\t", "http://example.com\r\nX-Injected: 1", "http://example.com\u{0}",
    "http://*.example.com", "http://example.com%2F", "http://ex%61mple.com", "http://exämple.com",
    "http://ехample.com", "http://example。com", "http://ｅｘａｍｐｌｅ.com", "http://example.com\u{200B}",
    "http://" + String(repeating: "a", count: 300) + ".com", "http://example.com\\@evil.com",
    "http://::1", "http://a:b:8080", "http://[::1", "http://[::1]:", "http://example.com[",
]

/// Brackets outside an IPv6 literal: `]` alone, after a name, or around something that is not an address.
private let malformedHosts = ["http://]", "http://example.com]", "http://[example.com]", "http://[]"]

/// Non-ASCII characters whose lower-case form is ASCII, so a look-alike becomes a real host name.
private let asciiLookAlikes = [
    ("http://\u{212A}iosk.example", "http://kiosk.example"),
    ("https://\u{212A}.example:8443", "https://k.example:8443"),
]

@Suite struct OriginTests {
    @Test(arguments: normalised)
    func originIsNormalisedExactly(_ entry: NormalisedOrigin) {
        #expect(Origin.normalise(entry.text) == entry.canonical)
    }

    @Test(arguments: normalised)
    func normalisingIsIdempotent(_ entry: NormalisedOrigin) {
        #expect(Origin.normalise(entry.canonical) == entry.canonical)
    }

    @Test(arguments: refused)
    func nonOriginIsRefused(_ text: String) {
        #expect(Origin.normalise(text) == nil)
    }

    @Test(arguments: malformedHosts)
    func malformedHostIsRefused(_ text: String) throws {
        do {
            #expect(Origin.normalise(text) == nil)
        }
    }

    @Test(arguments: asciiLookAlikes)
    func nonASCIIHostIsRefusedEvenWhenItLowerCasesToASCII(_ text: String, _ lookAlike: String) throws {
        // KELVIN SIGN (U+212A) lower-cases to "k": the check for ASCII runs after lower-casing.
        do {
            #expect(Origin.normalise(text) == nil, "became \(String(describing: Origin.normalise(text)))")
        }
        #expect(Origin.normalise(lookAlike) == lookAlike)
    }

    @Test func originsThatDifferInAnyPartStayDifferent() {
        let variants = [
            "http://example.com", "https://example.com", "http://example.com:8080", "http://www.example.com",
            "http://example.com.evil.com", "http://evil-example.com", "http://example.co", "http://127.0.0.1",
            "http://localhost", "http://[::1]",
        ]
        let canonical = variants.compactMap(Origin.normalise)
        #expect(canonical.count == variants.count)
        #expect(Set(canonical).count == variants.count)
    }
}
