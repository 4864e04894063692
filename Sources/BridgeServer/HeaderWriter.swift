// Adds one header to the buffer lws builds a response head in.

import CLibWebSockets

/// Appends one header to an lws header buffer.
enum HeaderWriter {
    static func add(
        _ wsi: OpaquePointer,
        name: String,
        value: String,
        cursor: inout UnsafeMutablePointer<UInt8>?,
        end: UnsafeMutablePointer<UInt8>
    ) -> Bool {
        let nameBytes = Array((name + ":").utf8) + [0]
        let valueBytes = Array(value.utf8)
        return nameBytes.withUnsafeBufferPointer { namePointer in
            valueBytes.withUnsafeBufferPointer { valuePointer in
                guard let nameBase = namePointer.baseAddress else { return false }
                return lws_add_http_header_by_name(
                    wsi,
                    nameBase,
                    valuePointer.baseAddress,
                    Int32(valuePointer.count),
                    &cursor,
                    end
                ) == 0
            }
        }
    }
}
