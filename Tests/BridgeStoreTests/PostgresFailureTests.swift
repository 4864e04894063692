// What the PostgreSQL store does with bad configuration and errors; no server needed.

import BridgeCore
import Foundation
import Testing

@testable import BridgeStore

@Suite("PostgreSQL failures")
struct PostgresFailureTests {
    @Test(
        "A server that cannot be reached fails opening as unavailable, fast, without the password",
        .timeLimit(.minutes(1))
    )
    func unreachableServerIsUnavailable() {
        // Port 1 on loopback refuses at once; the timeout only bounds the worst case.
        let url = "postgres://bridge:hunter2@127.0.0.1:1/bridge?connect_timeout=2"
        let error = #expect(throws: StoreError.self) {
            try PostgresStore(url: url)
        }
        #expect(error?.code == .unavailable)
        #expect(error.map { !String(describing: $0).contains("hunter2") } == true)
        #expect(error.map { String(describing: $0).contains("cannot connect") } == true)
    }

    @Test(
        "URLs libpq cannot read are configuration errors that do not repeat the URL",
        arguments: [
            "postgres://bridge:hunter2@127.0.0.1/bridge?no_such_option=hunter2",
            "postgres://bridge:hunter2@[127.0.0.1/bridge",
            "postgres://bridge:hunter2@127.0.0.1/bridge\0",
            "host=127.0.0.1 password='hunter2",
        ]
    )
    func unreadableURLsAreRefused(url: String) {
        let error = #expect(throws: StoreError.self) {
            try PostgresStore(url: url)
        }
        #expect(error?.code == .configuration)
        #expect(error.map { !String(describing: $0).contains("hunter2") } == true)
    }

    @Test("A pool needs at least one connection", arguments: [0, -1])
    func poolSizeBelowOneIsRefused(size: Int) {
        let error = #expect(throws: StoreError.self) {
            try PostgresStore(url: "postgres://127.0.0.1:1/bridge", poolSize: size)
        }
        #expect(error?.code == .configuration)
    }

    /// SQLSTATEs and the kind of error each becomes.
    static let stateKinds: [(state: String?, kind: StoreError.Code)] = [
        ("08006", .unavailable),  // connection failure
        ("08001", .unavailable),  // cannot establish a connection
        ("53300", .unavailable),  // too many connections
        ("57P01", .unavailable),  // administrator shutdown
        ("57P03", .unavailable),  // cannot connect now (starting up)
        ("40001", .unavailable),  // serialization failure, after the retries
        ("40P01", .unavailable),  // deadlock, after the retries
        ("55P03", .unavailable),  // lock not available
        ("57014", .unavailable),  // statement timeout
        ("23505", .failed),  // unique violation
        ("23514", .failed),  // check violation
        ("22P02", .failed),  // invalid text representation
        ("42P01", .failed),  // undefined table
        (nil, .failed),
    ]

    @Test("SQLSTATEs map to retryable or not", arguments: stateKinds)
    func sqlStateKinds(state: String?, kind: StoreError.Code) {
        #expect(PostgresFailure.kind(ofSQLState: state) == kind)
    }

    @Test("Only lost races and broken connections before COMMIT are run again")
    func retryableFailures() {
        let race = PostgresFailure(sqlState: "40P01", message: "deadlock detected", context: "x")
        let unique = PostgresFailure(sqlState: "23505", message: "duplicate key", context: "x")
        let lost = PostgresFailure(connectionLostWith: "server closed the connection", context: "x")
        var lostInCommit = lost
        lostInCommit.duringCommit = true

        #expect(race.isRetryable)
        #expect(!unique.isRetryable)
        #expect(lost.isRetryable)
        #expect(!lostInCommit.isRetryable)
        #expect(lostInCommit.storeError.code == .unavailable)
    }

    @Test(
        "libpq messages become one line and lose everything from the word password on",
        arguments: [
            (
                "connection to server at \"db\", port 5432 failed: FATAL:  password authentication failed for user \"x\"\n",
                "connection to server at \"db\", port 5432 failed: FATAL:  password (details withheld)"
            ),
            (
                "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\n",
                "server closed the connection unexpectedly; This probably means the server terminated abnormally"
            ),
            ("invalid PASSWORD=hunter2", "invalid password (details withheld)"),
            ("\n \n", "no details from libpq"),
        ]
    )
    func messagesAreMadeSafe(raw: String, safe: String) {
        #expect(PostgresFailure.safeMessage(raw) == safe)
    }

    @Test("Text with a NUL character is refused before it reaches libpq, which would cut it short")
    func nulInTextIsRefused() throws {
        let error = #expect(throws: PostgresFailure.self) {
            try PostgresConnection.Value.text("wh\0-1").textForm()
        }
        #expect(error?.storeError.code == .failed)
        #expect(try PostgresConnection.Value.integer(-42).textForm() == "-42")
        #expect(try PostgresConnection.Value.boolean(true).textForm() == "true")
        #expect(try PostgresConnection.Value.text(nil).textForm() == nil)
    }
}
