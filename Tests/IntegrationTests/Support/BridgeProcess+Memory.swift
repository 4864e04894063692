// The server's memory as the kernel reports it, for tests that bound it.

import Foundation

extension BridgeProcess {
    /// `VmHWM` from `/proc/<pid>/status`: the most resident memory the server has used so far,
    /// in bytes; nil when the process is gone or the line is missing.
    func peakResidentBytes() -> Int? {
        guard let pid = processIdentifier,
            let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            // The line reads `VmHWM:     36512 kB`.
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kibibytes = Int(fields[1]) else { return nil }
            return kibibytes.multipliedReportingOverflow(by: 1024).overflow ? nil : kibibytes * 1024
        }
        return nil
    }
}
