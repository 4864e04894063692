// A libcurl multi handle: many transfers on one thread, each on its own clock, sharing connections.

import CCurl
import Synchronization

/// Runs transfers side by side, so a slow or hanging receiver holds up only its own
/// transfers, and keeps finished connections open for reuse by the next transfer to the same
/// host. Only `wake()` may be called from other threads; the rest belongs to one thread.
final class CurlMulti: @unchecked Sendable {
    /// Idle connections kept open for reuse.
    static let maxCachedConnections = 32

    private let handle: UnsafeMutableRawPointer
    // The handle as `wake()` sees it: nil once `close()` has run, so no wake-up reaches a freed handle.
    private let wakeable: Mutex<UnsafeMutableRawPointer?>

    /// A new multi handle; nil when libcurl cannot make one.
    init?() {
        guard CurlMulti.globalInit, let handle = curl_multi_init() else {
            return nil
        }
        _ = bridge_curl_multi_setopt_long(handle, CURLMOPT_MAXCONNECTS, Self.maxCachedConnections)
        self.handle = handle
        wakeable = Mutex(handle)
    }

    /// Starts `transfer`; false when libcurl refuses it.
    func add(_ transfer: CurlTransfer) -> Bool {
        curl_multi_add_handle(handle, transfer.handle) == CURLM_OK
    }

    /// Stops `transfer`, finished or not.
    func remove(_ transfer: CurlTransfer) {
        _ = curl_multi_remove_handle(handle, transfer.handle)
    }

    /// Moves every transfer along as far as it can go without waiting.
    func perform() {
        var running: Int32 = 0
        _ = curl_multi_perform(handle, &running)
    }

    /// The transfers that finished since the last call, by easy handle, with their result codes.
    func finished() -> [(handle: UnsafeMutableRawPointer, code: CURLcode)] {
        var done: [(UnsafeMutableRawPointer, CURLcode)] = []
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(handle, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            done.append((easy, bridge_curl_message_result(message)))
        }
        return done
    }

    /// Waits until a transfer can move, `wake()` is called, or `timeoutMillis` pass.
    func poll(timeoutMillis: Int) {
        var ready: Int32 = 0
        _ = curl_multi_poll(handle, nil, 0, Int32(clamping: max(0, timeoutMillis)), &ready)
    }

    /// Ends a `poll` early; safe from any thread, and a no-op after `close()`.
    func wake() {
        wakeable.withLock { handle in
            if let handle {
                _ = curl_multi_wakeup(handle)
            }
        }
    }

    /// Frees the multi handle and its connections; every transfer must have been removed.
    func close() {
        wakeable.withLock { $0 = nil }
        _ = curl_multi_cleanup(handle)
    }

    /// libcurl's process-wide set-up, done once before the first handle.
    private static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
}
