// The session's prepared statements and the connection's list of them: they must agree through
// rollbacks, and a connection whose statements vanished on the server must recover.

import BridgeCore
import Testing

@testable import BridgeStore

@Suite(
    "PostgreSQL prepared statements",
    .needsPostgres,
    .timeLimit(.minutes(1))
)
struct PostgresPreparedStatementTests {
    @Test("A statement prepared in a transaction that then fails and rolls back stays usable")
    func preparedBeforeAFailureInATransaction() throws {
        try PostgresTestDatabase.withFreshConnection { connection in
            try connection.executeScript("CREATE TABLE marks (n integer PRIMARY KEY)")
            let insert = PostgresConnection.Statement("INSERT INTO marks VALUES ($1::integer)", [.integer(1)])
            #expect(throws: PostgresFailure.self) {
                try connection.transaction {
                    _ = try connection.pipeline([insert, insert])
                }
            }
            #expect(connection.preparedNames[insert.sql] != nil)
            _ = try connection.pipeline([insert])
            #expect(try connection.execute("SELECT count(*) FROM marks").int64(row: 0, column: 0) == 1)
        }
    }

    /// A pooler (pgbouncer's `server_reset_query`) or an operator may drop a session's
    /// statements; every later pipeline would then name a statement the server does not have.
    @Test(
        "Statements dropped on the server behind the connection's back are prepared again",
        arguments: [
            "DEALLOCATE ALL", "DISCARD ALL",
        ]
    )
    func statementsDroppedBehindTheConnection(_ drop: String) throws {
        try PostgresTestDatabase.withFreshConnection { connection in
            let double = PostgresConnection.Statement("SELECT $1::bigint * 2", [.integer(21)])
            _ = try connection.pipeline([double])
            try connection.executeScript(drop)

            let error = #expect(throws: PostgresFailure.self) { try connection.pipeline([double]) }
            #expect(error?.isRetryable == true)
            try connection.reconnectIfNeeded()
            #expect(try connection.pipeline([double]).first?.int64(row: 0, column: 0) == 42)
        }
    }

    @Test("A store whose session lost its statements appends on, through its retry")
    func storeRecoversFromDroppedStatements() throws {
        let database = try PostgresTestDatabase()
        defer { database.destroy() }
        let store = try PostgresStore(url: database.url, poolSize: 1)
        defer { store.close() }
        let first = try store.append([EventFixture.incoming(order: "o1")], outboxFor: [])
        #expect(first.first?.acceptedSeq == 1)
        try store.pool.withConnection { try $0.executeScript("DEALLOCATE ALL") }

        let second = try store.append([EventFixture.incoming(order: "o2")], outboxFor: [])
        #expect(second.first?.acceptedSeq == 2)
    }
}
