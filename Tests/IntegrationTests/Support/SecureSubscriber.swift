// A WebSocket subscriber over wss:// for the TLS tests: Python's standard ssl and socket modules
// run the handshake and the framing, since the raw test client speaks plain TCP only.

import BridgeCore
import Foundation

/// A `python3` child that connects to `wss://127.0.0.1:port/ws`, verifies the server against a CA
/// file, subscribes to `org`, and prints every text message it receives, one per line, until it
/// has seen `events` order events. A marker file tells the test when the subscription is active.
final class SecureSubscriber {
    private let running: ExternalTool.Running
    private let marker: URL

    /// Starts the client; it gives up after `bound`.
    init(
        port: UInt16,
        caFile: String,
        token: String,
        events: Int,
        directory: URL,
        within bound: Duration = .seconds(20)
    ) throws {
        marker = directory.appendingPathComponent("wss-subscribed-\(UUID().uuidString)")
        let script = directory.appendingPathComponent("wss_subscriber.py")
        try Data(Self.script.utf8).write(to: script)
        running = try ExternalTool.python().start([
            script.path, String(port), caFile, token, BridgeProcess.allowedOrigin, marker.path, String(events),
            String(bound.components.seconds),
        ])
    }

    /// Polls (every 20 ms, at most `bound`) until the server confirmed the subscription.
    func waitUntilSubscribed(within bound: Duration = .seconds(10)) -> Bool {
        let deadline = ContinuousClock.now + bound
        while !FileManager.default.fileExists(atPath: marker.path) {
            guard ContinuousClock.now < deadline, running.process.isRunning else {
                return FileManager.default.fileExists(atPath: marker.path)
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return true
    }

    /// Waits (at most `bound`) for the client to finish; returns its exit result and every
    /// message it printed.
    func finish(within bound: Duration = .seconds(20)) -> (result: CLIResult, messages: [JSONValue]) {
        let result = running.finish(within: bound)
        let messages = result.stdout.split(separator: "\n").compactMap { line in
            try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8))
        }
        return (result, messages)
    }

    /// The client. Arguments: port, CA file, token, origin, marker path, events wanted, seconds.
    private static let script = #"""
        import base64, hashlib, json, os, socket, ssl, struct, sys, time

        port, ca_file, token, origin, marker, wanted, seconds = sys.argv[1:8]
        deadline = time.monotonic() + float(seconds)
        context = ssl.create_default_context(cafile=ca_file)
        tls = context.wrap_socket(
            socket.create_connection(("127.0.0.1", int(port)), timeout=5), server_hostname="127.0.0.1"
        )
        key = base64.b64encode(os.urandom(16)).decode()
        tls.sendall((
            f"GET /ws?access_token={token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n"
        ).encode())
        buffer = b""
        while b"\r\n\r\n" not in buffer and len(buffer) < 65536:
            chunk = tls.recv(4096)
            if not chunk:
                sys.exit("the server closed during the handshake")
            buffer += chunk
        head, _, buffer = buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        if lines[0].split(" ")[1:2] != ["101"]:
            sys.exit("upgrade refused: " + lines[0])
        accept = base64.b64encode(
            hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()
        ).decode()
        headers = {n.strip().lower(): v.strip() for n, _, v in (l.partition(":") for l in lines[1:])}
        if headers.get("sec-websocket-accept") != accept:
            sys.exit("wrong Sec-WebSocket-Accept")


        def send(opcode, payload):
            mask = os.urandom(4)
            size = len(payload)
            if size < 126:
                header = bytes([0x80 | opcode, 0x80 | size])
            else:
                header = bytes([0x80 | opcode, 0x80 | 126]) + struct.pack("!H", size)
            tls.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


        def read(count):
            global buffer
            while len(buffer) < count:
                tls.settimeout(max(0.01, deadline - time.monotonic()))
                chunk = tls.recv(65536)
                if not chunk:
                    raise EOFError("the server closed the connection")
                buffer += chunk
            data, buffer = buffer[:count], buffer[count:]
            return data


        def frame():
            first, second = read(2)
            size = second & 0x7F
            if size == 126:
                size = struct.unpack("!H", read(2))[0]
            elif size == 127:
                size = struct.unpack("!Q", read(8))[0]
            if not first & 0x80:
                sys.exit("fragmented frames are not expected from the bridge")
            return first & 0x0F, read(size)


        send(1, json.dumps({"type": "subscribe", "room": "org"}).encode())
        events = 0
        while events < int(wanted):
            opcode, payload = frame()
            if opcode == 9:
                send(10, payload)
                continue
            if opcode == 8:
                sys.exit("closed by the server")
            if opcode != 1:
                continue
            text = payload.decode("utf-8")
            print(text, flush=True)
            message = json.loads(text)
            if message.get("type") == "subscribed":
                open(marker, "w").close()
            elif "eventId" in message:
                events += 1
        send(8, struct.pack("!H", 1000))
        """#
}
