// How the fuzz target reports a broken promise: a trap for real faults, one line for oddities.

import Foundation

/// Invariant checks for the fuzz target.
///
/// A failed `require` traps, which libFuzzer records as a crash with the input saved. A failed
/// `notice` is printed once per kind and the run goes on, for findings worth a look that are
/// not faults in themselves.
enum FuzzCheck {
    /// Kinds already printed; libFuzzer runs the target on one thread, so plain state is safe.
    nonisolated(unsafe) private static var noticed: Set<String> = []

    /// Traps with `message` when `condition` is false.
    static func require(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition {
            fatalError("fuzz invariant broken: \(message())")
        }
    }

    /// Prints `FUZZ-NOTICE kind: detail` the first time `kind` fails.
    static func notice(_ condition: Bool, _ kind: String, _ detail: @autoclosure () -> String) {
        guard !condition, noticed.insert(kind).inserted else { return }
        FileHandle.standardError.write(Data("FUZZ-NOTICE \(kind): \(detail())\n".utf8))
    }

    /// Traps unless `bytes`, something the server would send, is one well-formed JSON object.
    static func requireJSONObject(_ bytes: [UInt8], _ what: String) {
        let object = try? JSONSerialization.jsonObject(with: Data(bytes))
        require(object is [String: Any], "\(what) is not a JSON object: \(String(decoding: bytes, as: UTF8.self))")
    }
}
