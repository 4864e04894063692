// `bridge migrate`: apply schema migrations and report them.

enum MigrateCommand {
    static func run(_ arguments: [String], environment: [String: String]) -> Int32 {
        let url = environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "sqlite:./data/bridge.sqlite3"
        do {
            _ = try StoreFactory.open(url, synchronous: nil)
            print("migrations applied")
            return 0
        } catch {
            printError("DATABASE_URL: \(error)")
            return 1
        }
    }
}
