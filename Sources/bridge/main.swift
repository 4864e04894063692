// The `bridge` command: reads configuration and wires the parts together, nothing more.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

let arguments = Array(CommandLine.arguments.dropFirst())
let status = CommandLineInterface.run(arguments, environment: ProcessInfo.processInfo.environment)
exit(status)
