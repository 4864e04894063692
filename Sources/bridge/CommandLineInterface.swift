// Subcommand dispatch and the help text.

/// Parses the first argument and runs the matching command; returns the exit status.
enum CommandLineInterface {
    static let usage = """
        bridge — signed order webhooks in, organisation-scoped WebSocket rooms out

        Usage:
          bridge [serve]                       run the service (configured by environment variables)
          bridge token --sub U --org O --role admin|member [--ttl SECONDS]
                                               print a signed access token (for development)
          bridge send --source S --file F [--url URL] [--id WEBHOOK_ID]
                                               sign payload F with source S's secret and POST it
          bridge migrate                       apply database migrations and exit
          bridge deliveries list|retry ID|retry --all-failed
                                               inspect and retry delivery acknowledgements
          bridge audit verify                  check the audit log's hash chain; exit 1 naming the first broken row
          bridge config check                  validate the environment and print the effective
                                               configuration, secrets masked
          bridge --help                        show this text

        Configuration is read from the environment; see README.md for every variable.
        """

    static func run(_ arguments: [String], environment: [String: String]) -> Int32 {
        let command = arguments.first ?? "serve"
        let rest = Array(arguments.dropFirst())
        switch command {
        case "serve": return ServeCommand.run(rest, environment: environment)
        case "token": return TokenCommand.run(rest, environment: environment)
        case "send": return SendCommand.run(rest, environment: environment)
        case "migrate": return MigrateCommand.run(rest, environment: environment)
        case "deliveries": return DeliveriesCommand.run(rest, environment: environment)
        case "config": return ConfigCommand.run(rest, environment: environment)
        case "audit": return AuditCommand.run(rest, environment: environment)
        case "--help", "-h", "help":
            print(usage)
            return 0
        default:
            printError("unknown command '\(command)'\n\n\(usage)")
            return 64
        }
    }
}

/// Writes one line to standard error.
func printError(_ message: String) {
    FileHandleOutput.standardError("bridge: " + message)
}
