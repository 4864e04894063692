// Why the audit chain is broken, and at which row.

/// The first row at which the audit chain does not hold. `description` names the row and the
/// reason, and never repeats the row's content.
public struct AuditChainBreak: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with the row.
    public enum Reason: Sendable, Equatable {
        /// `prev_hash` is not the hash of the row before it (given by id, nil when this is the
        /// first row): a row before it was deleted, or the row before was rewritten.
        case previousHashMismatch(previousRowID: Int64?)
        /// `hash` does not match `prev_hash` and `record`: the row was edited.
        case contentHashMismatch
        /// A column copied out of the record (`event`, `outcome`, `org_id`, `at`) says
        /// something else than the hashed record: the column was edited.
        case columnMismatch(String)
        /// `record` is not a JSON object with the fields every record has.
        case unreadableRecord
    }

    /// The id of the first broken row.
    public var rowID: Int64
    /// Why it is broken.
    public var reason: Reason

    /// A break at `rowID` for `reason`.
    public init(rowID: Int64, reason: Reason) {
        self.rowID = rowID
        self.reason = reason
    }

    /// `row 17: …`, one line.
    public var description: String {
        switch reason {
        case .previousHashMismatch(let previous?):
            return "row \(rowID): prev_hash does not match the hash of row \(previous) before it "
                + "(a row between them was deleted, or row \(previous) was rewritten)"
        case .previousHashMismatch(nil):
            return "row \(rowID): prev_hash of the first row is not the genesis hash "
                + "(earlier rows were deleted, or the row was rewritten)"
        case .contentHashMismatch:
            return "row \(rowID): hash does not match the row's content (the row was edited)"
        case .columnMismatch(let column):
            return "row \(rowID): column \(column) differs from the hashed record (the column was edited)"
        case .unreadableRecord:
            return "row \(rowID): record is not a readable audit record (the row was edited)"
        }
    }
}
