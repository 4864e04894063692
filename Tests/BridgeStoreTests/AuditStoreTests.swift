// The shared suite for the audit log: chained appends, an organisation's pages, and tampering found.

import BridgeCore
import Dispatch
import Foundation
import Synchronization
import Testing

@testable import BridgeStore

@Suite("Audit log")
struct AuditStoreTests {
    let chain: AuditChain

    init() {
        chain = AuditChain(crypto: AuditTestCrypto())
    }

    @Test("The chain hashes with SHA-256 (FIPS 180-4 examples)")
    func chainHashIsSHA256() {
        #expect(
            chain.hash(previous: "a", record: "bc")
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        )
        let twoBlocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        #expect(
            chain.hash(previous: "", record: twoBlocks)
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        )
    }

    /// A record of `org`'s admin at `millis`.
    static func record(_ index: Int, org: String? = "acme", at millis: Int64 = 1_700_000_000_000) -> AuditRecord {
        let event = SecurityEvent(
            name: index % 2 == 0 ? "NOTIFICATION_CREATED" : "NOTIFICATION_DENIED",
            outcome: index % 2 == 0 ? "allowed" : "denied",
            actor: org.map { SecurityActor(userID: "admin-\(index)", orgID: $0, role: "admin") },
            metadata: ["titleLength": String(index)],
            clientIP: "127.0.0.1",
            userAgent: "agent \"\(index)\"\r\n\u{2028}",
            requestID: "req-\(index)"
        )
        return AuditRecord(event: event, atMillis: millis + Int64(index))
    }

    /// Runs raw SQL on the test database, behind the store's back, as an attacker with file or
    /// database access would.
    static func tamper(_ database: any TestDatabase, sqlite: String, postgres: String) throws {
        switch database {
        case let file as SQLiteTestDatabase:
            let connection = try SQLiteConnection(path: file.path, role: .writer)
            defer { connection.close() }
            try connection.execute(sqlite)
        case let server as PostgresTestDatabase:
            try server.withConnection { try $0.executeScript(postgres) }
        default:
            Issue.record("no way to tamper with \(type(of: database))")
        }
    }

    @Test("Appends link each row to the one before, across calls", arguments: StoreFactory.all)
    func appendsFormOneChain(factory: StoreFactory) throws {
        try factory.withStore { store in
            let first = try store.appendAudit([Self.record(0), Self.record(1)], chain: chain)
            let second = try store.appendAudit([Self.record(2, org: nil)], chain: chain)
            #expect(try store.appendAudit([], chain: chain) == [])

            #expect(first.first?.prevHash == AuditChain.genesisHash)
            #expect(first.last?.prevHash == first.first?.hash)
            #expect(second.first?.prevHash == first.last?.hash)
            #expect(second.first?.orgID == nil)
            let stored = try store.auditChain(afterID: 0, limit: 10)
            #expect(stored == first + second)
            #expect(
                stored.map(\.record) == [Self.record(0), Self.record(1), Self.record(2, org: nil)].map(\.canonicalJSON)
            )
            #expect(try AuditChainVerifier.verify(store, chain: chain) == 3)
        }
    }

    @Test("An organisation's rows come newest first, page by page, and no other's", arguments: StoreFactory.all)
    func organisationPages(factory: StoreFactory) throws {
        try factory.withStore { store in
            let records = (0..<9).map { Self.record($0, org: $0 % 3 == 0 ? "globex" : "acme") }
            let stored = try store.appendAudit(records, chain: chain)
            let acme = stored.filter { $0.orgID == "acme" }.map(\.id).reversed()

            let firstPage = try store.auditEntries(orgID: "acme", beforeID: nil, limit: 4)
            let secondPage = try store.auditEntries(orgID: "acme", beforeID: firstPage.last?.id, limit: 4)
            #expect((firstPage + secondPage).map(\.id) == Array(acme))
            #expect(secondPage.count == 2)
            #expect(try store.auditEntries(orgID: "initech", beforeID: nil, limit: 4) == [])
            #expect(try store.auditEntries(orgID: "acme", beforeID: nil, limit: 0) == [])
            #expect(throws: StoreError.self) { try store.auditEntries(orgID: "acme", beforeID: nil, limit: -1) }
        }
    }

    @Test("Verification walks a log longer than one page", arguments: StoreFactory.all)
    func longLogIsVerifiedPageByPage(factory: StoreFactory) throws {
        try factory.withStore { store in
            let total = AuditChainVerifier.pageSize + 17
            for start in stride(from: 0, to: total, by: 500) {
                _ = try store.appendAudit((start..<min(total, start + 500)).map { Self.record($0) }, chain: chain)
            }
            #expect(try AuditChainVerifier.verify(store, chain: chain) == total)
        }
    }

    @Test("An edited record is found at its row", arguments: StoreFactory.all)
    func editedRecordIsFound(factory: StoreFactory) throws {
        try factory.withDatabase { database in
            let store = try database.open()
            defer { store.close() }
            _ = try store.appendAudit((0..<5).map { Self.record($0) }, chain: chain)
            let sql = "UPDATE audit_log SET record = replace(record, 'admin-2', 'admin-9') WHERE id = 3"
            try Self.tamper(database, sqlite: sql, postgres: sql)
            let broken = #expect(throws: AuditChainBreak.self) { try AuditChainVerifier.verify(store, chain: chain) }
            #expect(broken == AuditChainBreak(rowID: 3, reason: .contentHashMismatch))
        }
    }

    @Test("An edited column is found at its row", arguments: StoreFactory.all)
    func editedColumnIsFound(factory: StoreFactory) throws {
        try factory.withDatabase { database in
            let store = try database.open()
            defer { store.close() }
            _ = try store.appendAudit((0..<5).map { Self.record($0) }, chain: chain)
            let sql = "UPDATE audit_log SET outcome = 'allowed' WHERE id = 2"
            try Self.tamper(database, sqlite: sql, postgres: sql)
            let broken = #expect(throws: AuditChainBreak.self) { try AuditChainVerifier.verify(store, chain: chain) }
            #expect(broken == AuditChainBreak(rowID: 2, reason: .columnMismatch("outcome")))
        }
    }

    @Test("A deleted row is found at the row after it", arguments: StoreFactory.all)
    func deletedRowIsFound(factory: StoreFactory) throws {
        try factory.withDatabase { database in
            let store = try database.open()
            defer { store.close() }
            _ = try store.appendAudit((0..<5).map { Self.record($0) }, chain: chain)
            let sql = "DELETE FROM audit_log WHERE id = 3"
            try Self.tamper(database, sqlite: sql, postgres: sql)
            let broken = #expect(throws: AuditChainBreak.self) { try AuditChainVerifier.verify(store, chain: chain) }
            #expect(broken == AuditChainBreak(rowID: 4, reason: .previousHashMismatch(previousRowID: 2)))
        }
    }

    @Test("Appends racing from many threads and two store instances never fork the chain", arguments: StoreFactory.all)
    func concurrentAppendsKeepOneChain(factory: StoreFactory) throws {
        try factory.withDatabase { database in
            let stores = [try database.open(), try database.open()]
            defer {
                for store in stores { store.close() }
            }
            let failures = Mutex<[String]>([])
            let chain = self.chain
            DispatchQueue.concurrentPerform(iterations: 8) { worker in
                for round in 0..<10 {
                    do {
                        _ = try stores[worker % 2].appendAudit(
                            [Self.record(worker * 100 + round), Self.record(worker * 100 + round + 50)],
                            chain: chain
                        )
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
            }
            #expect(failures.withLock { $0 } == [])
            #expect(try AuditChainVerifier.verify(stores[0], chain: chain) == 160)
        }
    }
}
