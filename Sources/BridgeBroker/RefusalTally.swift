// Keeps a flood of bad broker messages from becoming a flood of log lines.

/// Counts refused broker messages between log lines.
struct RefusalTally {
    private var count = 0
    private var lastLogged: Double?

    /// Counts one; returns the count to log (and starts over) when a line is due.
    mutating func record(now: Double, every interval: Double) -> Int? {
        count += 1
        if let lastLogged, now - lastLogged < interval { return nil }
        lastLogged = now
        defer { count = 0 }
        return count
    }
}
