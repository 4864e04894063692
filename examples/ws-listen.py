#!/usr/bin/env python3
"""Prints the bridge's live messages in a terminal, with nothing but the Python standard library.

    python3 examples/ws-listen.py --token "$(.build/release/bridge token --sub alice --org acme --role admin)"
    python3 examples/ws-listen.py --token "$TOKEN" --room org --room order:ord_10045 --since 12

Each server message is printed as one line of JSON. Stop with Ctrl-C.
"""

import argparse
import base64
import hashlib
import json
import os
import socket
import ssl
import struct
import sys
import urllib.parse

HANDSHAKE_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
MAX_HEADER_BYTES = 16 * 1024

OP_CONTINUATION, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA


class ClosedByServer(Exception):
    """The server sent a close frame or dropped the connection."""


def parse_args():
    port = os.environ.get("PORT", "8080")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=f"ws://127.0.0.1:{port}/ws", help="WebSocket URL (default: %(default)s)")
    parser.add_argument("--token", default=os.environ.get("BRIDGE_TOKEN"), help="JWT (or set BRIDGE_TOKEN)")
    parser.add_argument("--room", action="append", help="room to subscribe to; repeatable (default: org)")
    parser.add_argument("--since", type=int, help="replay events after this seq")
    parser.add_argument("--origin", help="Origin header to send (default: none)")
    parser.add_argument(
        "--auth-message",
        action="store_true",
        help="send the token as a first `auth` message instead of in the URL",
    )
    args = parser.parse_args()
    if not args.token:
        parser.error("a token is required: --token or BRIDGE_TOKEN")
    return args


def connect(url, token, origin, token_in_query):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("ws", "wss"):
        raise SystemExit(f"ws-listen: unsupported scheme {parts.scheme!r}; use ws:// or wss://")
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (443 if parts.scheme == "wss" else 80)
    path = parts.path or "/"
    query = urllib.parse.parse_qsl(parts.query)
    if token_in_query:
        query.append(("access_token", token))
    if query:
        path += "?" + urllib.parse.urlencode(query)

    sock = socket.create_connection((host, port), timeout=10)
    if parts.scheme == "wss":
        sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)

    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {parts.netloc}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    if origin:
        lines.append(f"Origin: {origin}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())

    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1024)
        if not chunk or len(head) > MAX_HEADER_BYTES:
            raise SystemExit("ws-listen: the server closed the connection during the handshake")
        head += chunk
    head, _, rest = head.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    if " 101 " not in f"{status_line} ":
        raise SystemExit(f"ws-listen: handshake refused: {status_line}")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    expected = base64.b64encode(hashlib.sha1((key + HANDSHAKE_GUID).encode()).digest()).decode()
    if headers.get("sec-websocket-accept") != expected:
        raise SystemExit("ws-listen: bad Sec-WebSocket-Accept in the handshake answer")
    sock.settimeout(None)
    return sock, bytearray(rest)


class Connection:
    """A client WebSocket over a connected socket: masked sends, reassembled receives."""

    def __init__(self, sock, buffered):
        self.sock = sock
        self.buffer = buffered

    def send(self, opcode, payload):
        header = bytearray([0x80 | opcode])
        length = len(payload)
        if length < 126:
            header.append(0x80 | length)
        elif length < 1 << 16:
            header.append(0x80 | 126)
            header += struct.pack("!H", length)
        else:
            header.append(0x80 | 127)
            header += struct.pack("!Q", length)
        mask = os.urandom(4)
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        self.sock.sendall(bytes(header) + mask + masked)

    def send_json(self, message):
        self.send(OP_TEXT, json.dumps(message).encode())

    def read_exact(self, count):
        while len(self.buffer) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ClosedByServer("connection dropped without a close frame")
            self.buffer += chunk
        data = bytes(self.buffer[:count])
        del self.buffer[:count]
        return data

    def read_frame(self):
        first, second = self.read_exact(2)
        fin, opcode, length = first & 0x80, first & 0x0F, second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self.read_exact(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self.read_exact(8))
        if length > MAX_MESSAGE_BYTES:
            raise ClosedByServer(f"frame of {length} bytes is over this client's limit")
        mask = self.read_exact(4) if second & 0x80 else None
        payload = self.read_exact(length)
        if mask:
            payload = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        return bool(fin), opcode, payload

    def read_message(self):
        """Returns the next text message; answers pings and raises on close."""
        parts = []
        size = 0
        while True:
            fin, opcode, payload = self.read_frame()
            if opcode == OP_PING:
                self.send(OP_PONG, payload)
                continue
            if opcode == OP_PONG:
                continue
            if opcode == OP_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                reason = payload[2:].decode("utf-8", "replace")
                self.send(OP_CLOSE, payload[:2])
                raise ClosedByServer(f"closed by server: {code} {reason}".rstrip())
            if opcode in (OP_TEXT, OP_BINARY, OP_CONTINUATION):
                parts.append(payload)
                size += len(payload)
                if size > MAX_MESSAGE_BYTES:
                    raise ClosedByServer("message over this client's limit")
                if fin:
                    return b"".join(parts).decode("utf-8", "replace")


def main():
    args = parse_args()
    try:
        sock, buffered = connect(args.url, args.token, args.origin, token_in_query=not args.auth_message)
    except OSError as error:
        print(f"ws-listen: cannot reach {args.url}: {error.strerror or error} (is the bridge running? check PORT)",
              file=sys.stderr)
        return 1
    connection = Connection(sock, buffered)
    if args.auth_message:
        connection.send_json({"type": "auth", "token": args.token})
    for room in args.room or ["org"]:
        subscribe = {"type": "subscribe", "room": room}
        if args.since is not None:
            subscribe["since"] = args.since
        connection.send_json(subscribe)
    print(f"ws-listen: connected to {args.url.split('?')[0]}", file=sys.stderr)
    try:
        while True:
            print(connection.read_message(), flush=True)
    except ClosedByServer as closed:
        print(f"ws-listen: {closed}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        connection.send(OP_CLOSE, struct.pack("!H", 1000))
        return 0
    finally:
        sock.close()


if __name__ == "__main__":
    sys.exit(main())
