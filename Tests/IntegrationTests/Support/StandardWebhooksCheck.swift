// Verifies a received acknowledgement with an independent implementation: PyPI's `standardwebhooks`.

import Foundation

/// Runs Python's `standardwebhooks.Webhook.verify` on a request the receiver recorded.
/// `scripts/setup.sh` installs the package; tests never download anything.
enum StandardWebhooksCheck {
    /// Reads the secret, headers and body from the environment, verifies, prints `verified`.
    private static let script = """
        import os, sys
        from standardwebhooks.webhooks import Webhook
        headers = {name: os.environ["ACK_" + name.replace("-", "_").upper()] for name in
                   ("webhook-id", "webhook-timestamp", "webhook-signature")}
        Webhook(os.environ["ACK_SECRET"]).verify(os.environ["ACK_BODY"].encode(), headers)
        print("verified")
        """

    /// What the check said: `verified`, or Python's error.
    static func verify(_ request: AckReceiver.Request, secret: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory
        let output = directory.appendingPathComponent("swh-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }

        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        child.arguments = ["python3", "-c", script]
        child.environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": ProcessInfo.processInfo.environment["HOME"] ?? directory.path,
            "ACK_SECRET": secret,
            "ACK_BODY": String(decoding: request.body, as: UTF8.self),
            "ACK_WEBHOOK_ID": request.headers["webhook-id"] ?? "",
            "ACK_WEBHOOK_TIMESTAMP": request.headers["webhook-timestamp"] ?? "",
            "ACK_WEBHOOK_SIGNATURE": request.headers["webhook-signature"] ?? "",
        ]
        let handle = try FileHandle(forWritingTo: output)
        child.standardOutput = handle
        child.standardError = handle
        child.standardInput = FileHandle.nullDevice
        try child.run()
        if !BridgeProcess.waitForExit(child, within: .seconds(20)) {
            child.terminate()
            _ = BridgeProcess.waitForExit(child, within: .seconds(5))
        }
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
