// Reading the close code out of what a WebSocket read returned.

extension TestWebSocket.Message {
    /// The code of a close frame; nil for every other message and for a close without a code.
    var closeCode: UInt16? {
        if case .close(let code, _) = self { return code }
        return nil
    }
}
