// A fresh database for one test, of whichever engine a `StoreFactory` makes.

/// One empty database of one engine, which a test may open, close and open again.
protocol TestDatabase {
    /// Opens (and migrates) a store on this database.
    func open() throws -> any StoreUnderTest
    /// Removes the database and everything it left behind.
    func destroy()
}
