// Builds the process logger from configuration: JSON when not at a terminal, text when it is.

import BridgeCore
import Foundation

enum LoggerFactory {
    static func make(_ config: BridgeConfiguration) -> Logger {
        let format = config.logFormat ?? (isatty(STDERR_FILENO) != 0 ? .text : .json)
        return Logger(
            level: config.logLevel,
            format: format,
            clock: { Date().timeIntervalSince1970 },
            sink: { line in FileHandleOutput.standardError(line) }
        )
    }
}
