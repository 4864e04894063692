// The lws context's creation settings, kept alive for as long as the context lives.

import BridgeCore
import CLibWebSockets

/// Owns the C memory lws reads for the context's whole life: the protocol table, the
/// heartbeat policy and the interface string.
final class VhostSettings {
    private let protocols: UnsafeMutablePointer<lws_protocols>
    private let retryPolicy: UnsafeMutablePointer<lws_retry_bo_t>
    private let protocolName: UnsafeMutablePointer<CChar>
    private let interface: UnsafeMutablePointer<CChar>
    private let certificate: UnsafeMutablePointer<CChar>?
    private let privateKey: UnsafeMutablePointer<CChar>?
    private let alpn: UnsafeMutablePointer<CChar>?
    private let port: Int

    init(config: BridgeConfiguration) throws(ServerError) {
        guard let name = strdup("bridge"), let interface = strdup(config.host) else {
            throw ServerError("out of memory")
        }
        protocolName = name
        self.interface = interface
        port = config.port
        certificate = config.tlsCertFile.flatMap { strdup($0) }
        privateKey = config.tlsKeyFile.flatMap { strdup($0) }
        alpn = strdup("http/1.1")
        protocols = .allocate(capacity: 2)
        protocols.initialize(repeating: lws_protocols(), count: 2)
        protocols[0].name = UnsafePointer(name)
        protocols[0].callback = bridgeLWSCallback
        protocols[0].per_session_data_size = 0
        // Per-connection receive buffer, allocated for every open socket: client messages are
        // small, and a longer one arrives in pieces that the receive handler reassembles. 1 KiB
        // instead of 16 KiB took an idle connection from 13 KiB to 3.3 KiB (docs/benchmarks.md).
        protocols[0].rx_buffer_size = 1024
        // Left at 0, the send size would follow the receive buffer and split every coalesced
        // write into 1 KiB system calls. 16 KiB measured fewer calls per delivery than 256 KiB,
        // whose larger sends the kernel took only in part.
        protocols[0].tx_packet_size = 16 * 1024
        retryPolicy = .allocate(capacity: 1)
        retryPolicy.initialize(to: lws_retry_bo_t())
        // Both periods zero turn lws's own heartbeat off: it keeps one timer per connection in
        // a sorted list (a linear insert per connect and per pong, a fifth of the CPU with
        // 10,000 idle clients). The server's once-a-second sweep pings and hangs up instead.
        retryPolicy.pointee.secs_since_valid_ping = 0
        retryPolicy.pointee.secs_since_valid_hangup = 0
    }

    deinit {
        protocols.deallocate()
        retryPolicy.deallocate()
        free(protocolName)
        free(interface)
        free(certificate)
        free(privateKey)
        free(alpn)
    }

    /// Creates the context and its listening vhost; nil when lws cannot bind.
    func createContext(user: UnsafeMutableRawPointer) -> OpaquePointer? {
        var info = lws_context_creation_info()
        info.port = Int32(port)
        info.iface = UnsafePointer(interface)
        info.protocols = UnsafePointer(protocols)
        info.user = user
        info.retry_and_idle_policy = UnsafePointer(retryPolicy)
        info.max_http_header_data = 8192
        info.timeout_secs = 20
        // Without FAIL_UPON_UNABLE_TO_BIND, a HOST naming no local address or interface is
        // only logged, and the server would run listening on nothing.
        info.options =
            UInt64(LWS_SERVER_OPTION_DISABLE_IPV6)
            | UInt64(LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE)
            | UInt64(LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND)
        if let certificate, let privateKey {
            info.ssl_cert_filepath = UnsafePointer(certificate)
            info.ssl_private_key_filepath = UnsafePointer(privateKey)
            info.options |= UInt64(LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT)
            // HTTP/1.1 only: over h2, lws 4.1 does not hand custom headers (webhook-id, …) to
            // lws_hdr_custom_copy, so h2 clients would fail signature checks.
            if let alpn { info.alpn = UnsafePointer(alpn) }
        }
        if interface.pointee == 0 || String(cString: interface).contains(":") {
            info.options &= ~UInt64(LWS_SERVER_OPTION_DISABLE_IPV6)
        }
        return lws_create_context(&info)
    }

    /// The port lws bound (differs from the configured one when that was 0).
    func listeningPort(_ context: OpaquePointer) -> Int? {
        guard let vhost = lws_get_vhost_by_name(context, "default") else { return nil }
        let port = Int(lws_get_vhost_listen_port(vhost))
        return port > 0 ? port : nil
    }
}
