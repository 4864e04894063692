// The connection's pipeline: answers in order, one round trip, and a usable connection after a failure.

import BridgeCore
import Testing

@testable import BridgeStore

@Suite(
    "PostgreSQL pipeline",
    .needsPostgres,
    .timeLimit(.minutes(1))
)
struct PostgresPipelineTests {
    @Test("Statements sent together answer in order, in one round trip")
    func answersInOrder() throws {
        try PostgresTestDatabase.withFreshConnection { connection in
            let before = connection.roundTrips
            let results = try connection.pipeline(
                (1...50).map { PostgresConnection.Statement("SELECT $1::bigint * 2", [.integer(Int64($0))]) }
            )
            #expect(connection.roundTrips == before + 1)
            #expect(try results.map { try $0.int64(row: 0, column: 0) } == (1...50).map { Int64($0 * 2) })
            #expect(try connection.pipeline([]).isEmpty)
        }
    }

    @Test("A statement is prepared on its first pipelined use, in the same round trip, and reused after")
    func statementsArePreparedOnce() throws {
        try PostgresTestDatabase.withFreshConnection { connection in
            let double = PostgresConnection.Statement("SELECT $1::bigint * 2", [.integer(21)])
            let before = connection.roundTrips
            let first = try connection.pipeline([double, double])
            #expect(connection.roundTrips == before + 1)
            #expect(connection.preparedNames.count == 1)
            #expect(try first.map { try $0.int64(row: 0, column: 0) } == [42, 42])
            _ = try connection.pipeline([double])
            #expect(connection.preparedNames.count == 1)
            let count = try connection.execute("SELECT count(*) FROM pg_prepared_statements").int64(row: 0, column: 0)
            #expect(count == 1)
        }
    }

    @Test("SQL that cannot be prepared reports its own error, stays unprepared, and the connection works on")
    func failedPrepareReportsItsCause() throws {
        try PostgresTestDatabase.withFreshConnection { connection in
            let good = PostgresConnection.Statement("SELECT $1::bigint + 1", [.integer(1)])
            let broken = PostgresConnection.Statement("SELEC nonsense")
            let error = #expect(throws: PostgresFailure.self) {
                try connection.pipeline([good, broken, good])
            }
            #expect(error?.sqlState == "42601")
            #expect(connection.preparedNames.keys.sorted() == [good.sql])
            let again = try connection.pipeline([good])
            #expect(try again.first?.int64(row: 0, column: 0) == 2)
        }
    }

    @Test("Past the prepared-statement limit, statements still run, unprepared")
    func preparedStatementsAreBounded() throws {
        try PostgresTestDatabase.withFreshConnection { connection in
            let limit = PostgresConnection.maxPreparedStatements
            let statements = (0...limit).map { PostgresConnection.Statement("SELECT \($0)::bigint") }
            let results = try connection.pipeline(statements)
            #expect(try results.map { try $0.int64(row: 0, column: 0) } == (0...limit).map(Int64.init))
            #expect(connection.preparedNames.count == limit)
        }
    }

    @Test("A failing statement in the middle throws its own error, skips the rest, and leaves the connection usable")
    func failureInTheMiddle() throws {
        try PostgresTestDatabase.withFreshConnection { connection in
            try connection.executeScript("CREATE TABLE marks (n integer NOT NULL)")
            let statements = [
                PostgresConnection.Statement("INSERT INTO marks VALUES (1)"),
                PostgresConnection.Statement("SELECT 1 / $1::integer", [.integer(0)]),
                PostgresConnection.Statement("INSERT INTO marks VALUES (3)"),
            ]
            let error = #expect(throws: PostgresFailure.self) {
                try connection.pipeline(statements)
            }
            #expect(error?.sqlState == "22012")
            #expect(error?.connectionLost == false)

            #expect(connection.isHealthy)
            #expect(!connection.isOutOfStep)
            // Outside a transaction the statements up to the sync were one implicit transaction.
            #expect(try connection.execute("SELECT count(*) FROM marks").int64(row: 0, column: 0) == 0)
            #expect(try connection.pipeline([statements[0], statements[2]]).count == 2)
            #expect(try connection.execute("SELECT sum(n) FROM marks").int64(row: 0, column: 0) == 4)
        }
    }

    @Test("A failure in a transaction's opening pipeline rolls it back and the next transaction works")
    func failureInOpeningPipeline() throws {
        try PostgresTestDatabase.withFreshConnection { connection in
            try connection.executeScript("CREATE TABLE marks (n integer PRIMARY KEY)")
            #expect(throws: PostgresFailure.self) {
                try connection.transaction(
                    openingWith: [
                        PostgresConnection.Statement("INSERT INTO marks VALUES (1)"),
                        PostgresConnection.Statement("INSERT INTO marks VALUES (1)"),
                    ]
                ) { _ in }
            }
            #expect(try connection.execute("SELECT count(*) FROM marks").int64(row: 0, column: 0) == 0)

            let inserted = try connection.transaction(
                openingWith: [PostgresConnection.Statement("INSERT INTO marks VALUES (2) RETURNING n")]
            ) { results in
                try results.first?.int64(row: 0, column: 0)
            }
            #expect(inserted == 2)
            #expect(try connection.execute("SELECT count(*) FROM marks").int64(row: 0, column: 0) == 1)
        }
    }

    @Test("A value libpq cannot carry is refused before anything is sent")
    func badValueSendsNothing() throws {
        try PostgresTestDatabase.withFreshConnection { connection in
            try connection.executeScript("CREATE TABLE marks (t text NOT NULL)")
            let before = connection.roundTrips
            #expect(throws: PostgresFailure.self) {
                try connection.pipeline([
                    PostgresConnection.Statement("INSERT INTO marks VALUES ($1)", [.text("fine")]),
                    PostgresConnection.Statement("INSERT INTO marks VALUES ($1)", [.text("nul\0here")]),
                ])
            }
            #expect(connection.roundTrips == before)
            #expect(try connection.execute("SELECT count(*) FROM marks").int64(row: 0, column: 0) == 0)
        }
    }

    @Test("A connection that breaks mid-pipeline is reported lost and reopened on its next use")
    func brokenConnection() throws {
        try PostgresTestDatabase.withFreshConnection { connection in
            let pid = try connection.execute("SELECT pg_backend_pid()").int64(row: 0, column: 0)
            let error = #expect(throws: PostgresFailure.self) {
                try connection.pipeline([
                    PostgresConnection.Statement("SELECT 1"),
                    PostgresConnection.Statement(
                        "SELECT pg_terminate_backend($1::integer), pg_sleep(5)",
                        [.integer(pid)]
                    ),
                    PostgresConnection.Statement("SELECT 3"),
                ])
            }
            #expect(error?.connectionLost == true)
            #expect(!connection.isHealthy)

            try connection.reconnectIfNeeded()
            #expect(try connection.execute("SELECT 4").int64(row: 0, column: 0) == 4)
        }
    }
}
