// Reading DATABASE_URL values into a `StoreLocation`, and keeping passwords out of text.

import BridgeCore
import BridgeStore
import Testing

@Suite("Store location")
struct StoreLocationTests {
    @Test(
        "Accepted database URLs",
        arguments: [
            ("sqlite:./data/bridge.sqlite3", StoreLocation.sqlite(path: "./data/bridge.sqlite3")),
            ("sqlite:/var/lib/bridge/bridge.sqlite3", .sqlite(path: "/var/lib/bridge/bridge.sqlite3")),
            ("sqlite:relative.sqlite3", .sqlite(path: "relative.sqlite3")),
            ("sqlite:///var/lib/bridge.sqlite3", .sqlite(path: "/var/lib/bridge.sqlite3")),
            ("SQLite:data/bridge.sqlite3", .sqlite(path: "data/bridge.sqlite3")),
            (
                "postgres://bridge:pw@127.0.0.1:5432/bridge",
                .postgres(url: "postgres://bridge:pw@127.0.0.1:5432/bridge")
            ),
            ("postgresql://127.0.0.1/bridge", .postgres(url: "postgresql://127.0.0.1/bridge")),
        ]
    )
    func acceptedURLs(url: String, expected: StoreLocation) throws {
        #expect(try StoreLocation.parse(url) == expected)
    }

    @Test(
        "Refused database URLs never repeat the password",
        arguments: [
            "",
            "hunter2",
            "./data/bridge.sqlite3",
            "mysql://admin:hunter2@127.0.0.1/bridge",
            "http://admin:hunter2@127.0.0.1/",
            "postgres:admin:hunter2@127.0.0.1",
            "postgres://",
            "sqlite:",
            "sqlite://admin:hunter2@host/bridge.sqlite3",
            "sqlite::memory:",
            "sqlite:./bridge.sqlite3?mode=ro&password=hunter2",
            "sqlite:bad\0path",
            "1sqlite:./bridge.sqlite3",
            " sqlite:./bridge.sqlite3",
        ]
    )
    func refusedURLs(url: String) {
        let error = #expect(throws: StoreError.self) {
            try StoreLocation.parse(url)
        }
        #expect(error?.code == .configuration)
        #expect(error.map { !String(describing: $0).contains("hunter2") } == true)
    }

    @Test(
        "Descriptions hide PostgreSQL passwords",
        arguments: [
            ("postgres://bridge:hunter2@127.0.0.1:5432/db", "postgres://bridge:***@127.0.0.1:5432/db"),
            ("postgres://bridge@127.0.0.1/db", "postgres://bridge@127.0.0.1/db"),
            (
                "postgres://127.0.0.1/db?user=bridge&password=hunter2",
                "postgres://127.0.0.1/db?user=bridge&password=***"
            ),
            ("postgresql://a:b:c@h/db?PASSWORD=hunter2", "postgresql://a:***@h/db?password=***"),
            ("postgres://bridge@h/db?sslpassword=hunter2&x=1", "postgres://bridge@h/db?sslpassword=***&x=1"),
            // A password with an unescaped / ? or # is a broken URL, shown by `config check` all the same.
            ("postgres://bridge:hun/ter2@h/db", "postgres://bridge:***@h/db"),
            ("postgres://bridge:hunter2#x@h/db", "postgres://bridge:***@h/db"),
        ]
    )
    func descriptionsHidePasswords(url: String, shown: String) throws {
        let location = try StoreLocation.parse(url)
        #expect(location.description == shown)
        #expect(!location.description.contains("hunter2"))
    }

    @Test("An SQLite location describes itself as its URL")
    func sqliteDescription() throws {
        #expect(try StoreLocation.parse("sqlite:./data/bridge.sqlite3").description == "sqlite:./data/bridge.sqlite3")
    }
}
