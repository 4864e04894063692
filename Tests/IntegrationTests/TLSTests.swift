// Issue 7, acceptance 3: with TLS_CERT_FILE and TLS_KEY_FILE the bridge serves https:// webhooks
// and wss:// subscribers as it serves plain ones; a certificate file it cannot read stops it.

import BridgeCore
import Foundation
import Testing

extension OperabilityTests {
    /// TLS termination with a self-signed certificate for 127.0.0.1.
    @Suite
    struct TLSTests {
        @Test(arguments: CurlClient.HTTPVersion.allCases)
        func webhookOverHTTPSReachesASubscriberOverWSS(_ version: CurlClient.HTTPVersion) throws {
            let directory = try Self.scratchDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let certificate = try SelfSignedCertificate(in: directory)
            let caFile = certificate.certificatePath
            let server = try BridgeProcess.start(
                ["TLS_CERT_FILE": certificate.certificatePath, "TLS_KEY_FILE": certificate.keyPath],
                isUp: { port in (try? CurlClient(port: port, caFile: caFile).get("/api/health"))?.status == 200 }
            )
            defer { server.stop() }
            let https = CurlClient(port: server.port, caFile: caFile, version: version)

            let subscriber = try SecureSubscriber(
                port: server.port,
                caFile: caFile,
                token: TestJWT.make(sub: "secure"),
                events: 1,
                directory: directory,
                within: .seconds(10)
            )
            #expect(subscriber.waitUntilSubscribed(), "no subscription over wss:\n\(server.logTail())")
            let webhook = SignedWebhook(.order(order: "ord_tls"))
            let accepted = try https.send(webhook)
            try #require(accepted.status == 202, "webhook over https (\(version)): \(accepted)")
            let answer = try JSONDecoder().decode(JSONValue.self, from: Data(accepted.body.utf8))
            let again = try https.send(webhook)
            #expect(again.status == 200 && again.body.contains(#""duplicate":true"#), "resent over https: \(again)")
            var forged = webhook.headers()
            forged.removeAll { $0.0 == "webhook-signature" }
            forged.append(("webhook-signature", "v1," + Data(repeating: 1, count: 32).base64EncodedString()))
            let refused = try https.request("POST", "/webhooks/shop", headers: forged, body: webhook.body)
            #expect(refused.status == 401 && refused.body.contains("bad_signature"), "forged over https: \(refused)")

            let (result, messages) = subscriber.finish()
            #expect(result.status == 0, "wss client: \(result.stderr.suffix(500))")
            let events = messages.filter { $0["eventId"] != nil }
            #expect(events.count == 1, "wss client received \(messages)")
            #expect(events.first?["eventId"]?.stringValue == answer["eventId"]?.stringValue)
            #expect(events.first?["seq"]?.integerValue == answer["seq"]?.integerValue)
            #expect(events.first?["orderId"]?.stringValue == "ord_tls")
            #expect(events.first?["type"]?.stringValue == "order_update")
        }

        @Test(arguments: ["TLS_CERT_FILE", "TLS_KEY_FILE"])
        func anUnreadableCertificateFileStopsStartUpNamingTheVariable(_ variable: String) throws {
            let directory = try Self.scratchDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let certificate = try SelfSignedCertificate(in: directory)
            var environment = try Self.environment(
                in: directory,
                certificate: certificate.certificatePath,
                key: certificate.keyPath
            )
            let missing = directory.appendingPathComponent("missing.pem").path
            environment[variable] = missing

            let run = try CLIResult.run(["serve"], environment: environment, in: directory, timeout: .seconds(10))
            #expect(run.status != nil, "serve did not stop with \(variable) unreadable")
            #expect(run.status != 0, "serve exited 0 with \(variable) unreadable")
            let output = run.stdout + run.stderr
            #expect(output.contains(variable) && output.contains(missing), "no clear message: \(output.suffix(500))")
        }

        @Test
        func aKeyOfAnotherCertificateStopsStartUpSayingSo() throws {
            let directory = try Self.scratchDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let other = directory.appendingPathComponent("other", isDirectory: true)
            try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
            let certificate = try SelfSignedCertificate(in: directory)
            let stranger = try SelfSignedCertificate(in: other)
            let environment = try Self.environment(
                in: directory,
                certificate: certificate.certificatePath,
                key: stranger.keyPath
            )

            let run = try CLIResult.run(["serve"], environment: environment, in: directory, timeout: .seconds(10))
            #expect(run.status != nil && run.status != 0, "serve started with a mismatched key")
            let output = run.stdout + run.stderr
            #expect(output.contains("TLS_KEY_FILE") && output.contains("does not belong"), "\(output.suffix(500))")
        }

        @Test
        func sighupLoadsANewCertificateAndABrokenOneKeepsTheCurrent() throws {
            let directory = try Self.scratchDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let files = FileManager.default
            var pairs: [SelfSignedCertificate] = []
            for name in ["first", "second", "live"] {
                let folder = directory.appendingPathComponent(name, isDirectory: true)
                try files.createDirectory(at: folder, withIntermediateDirectories: true)
                pairs.append(try SelfSignedCertificate(in: folder))
            }
            let (first, second, live) = (pairs[0], pairs[1], pairs[2])
            func install(_ pair: SelfSignedCertificate) throws {
                for (from, to) in [(pair.certificatePath, live.certificatePath), (pair.keyPath, live.keyPath)] {
                    try files.removeItem(atPath: to)
                    try files.copyItem(atPath: from, toPath: to)
                }
            }
            try install(first)
            let server = try BridgeProcess.start(
                ["TLS_CERT_FILE": live.certificatePath, "TLS_KEY_FILE": live.keyPath],
                isUp: { port in
                    (try? CurlClient(port: port, caFile: first.certificatePath).get("/api/health"))?.status == 200
                }
            )
            defer { server.stop() }
            func trusted(_ pair: SelfSignedCertificate) -> Bool {
                (try? CurlClient(port: server.port, caFile: pair.certificatePath).get("/api/health/live"))?.status
                    == 200
            }
            func reload(expecting line: String) throws -> Bool {
                let before = server.log.components(separatedBy: line).count
                kill(try #require(server.processIdentifier), SIGHUP)
                for _ in 0..<100 where server.log.components(separatedBy: line).count == before {
                    Thread.sleep(forTimeInterval: 0.05)
                }
                return server.log.components(separatedBy: line).count > before
            }
            #expect(trusted(first) && !trusted(second))

            try install(second)
            #expect(try reload(expecting: "certificate reloaded"), "no reload logged:\n\(server.logTail())")
            #expect(trusted(second), "new connections still get the old certificate")
            #expect(!trusted(first))

            // A file that is not a certificate: the reload fails and the current one keeps serving.
            try files.removeItem(atPath: live.certificatePath)
            try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: live.certificatePath))
            #expect(try reload(expecting: "certificate reload failed"), "no failure logged:\n\(server.logTail())")
            #expect(trusted(second), "the broken pair replaced the working one")
            // A key that belongs to another certificate is refused the same way.
            try files.removeItem(atPath: live.certificatePath)
            try files.copyItem(atPath: first.certificatePath, toPath: live.certificatePath)
            #expect(try reload(expecting: "does not belong"), "no mismatch logged:\n\(server.logTail())")
            #expect(trusted(second))
        }

        /// A new temporary directory for certificates and client scripts.
        private static func scratchDirectory() throws -> URL {
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("bridge-tls-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            return directory
        }

        /// A server environment with its database in `directory` and the given TLS files.
        private static func environment(in directory: URL, certificate: String, key: String) throws -> [String: String]
        {
            var environment = try plainEnvironment()
            environment["DATABASE_URL"] = "sqlite:\(directory.path)/bridge.sqlite3"
            environment["HOME"] = directory.path
            environment["TLS_CERT_FILE"] = certificate
            environment["TLS_KEY_FILE"] = key
            return environment
        }

        /// The environment a plain test server runs with, taken from one that is then stopped, so
        /// that its port is free again (its directory goes with it: point `DATABASE_URL` elsewhere).
        private static func plainEnvironment() throws -> [String: String] {
            let plain = try BridgeProcess.start()
            plain.stop()
            return plain.environment
        }
    }
}
