import CSQLite
import Foundation

/// An SQLite error with the message SQLite gave.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    public var code: Int32
    public var message: String
    public var description: String { "SQLite error \(code): \(message)" }
}

/// A thin wrapper over one SQLite connection: open, execute, prepare/bind/step, transactions.
///
/// The catalogue database is small and read-mostly, so a wrapper of this size is all the
/// project needs (decided in docs/ARCHITECTURE.md instead of a library dependency).
public final class SQLiteDatabase {
    private var handle: OpaquePointer?
    public let path: String

    /// SQLITE_TRANSIENT: SQLite copies bound text before `bind` returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let rc = sqlite3_open_v2(path, &handle, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            handle = nil
            throw SQLiteError(code: rc, message: "\(message) (\(path))")
        }
        sqlite3_busy_timeout(handle, 5000)
    }

    deinit { sqlite3_close(handle) }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? "unknown"
            sqlite3_free(error)
            throw SQLiteError(code: rc, message: message)
        }
    }

    /// Runs `body` inside a transaction, rolled back if it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Prepares one statement.
    public func prepare(_ sql: String) throws -> Statement {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw lastError(rc) }
        return Statement(statement: statement, database: self)
    }

    /// Runs a statement with bound values, returning no rows.
    public func run(_ sql: String, _ values: [SQLiteValue]) throws {
        let statement = try prepare(sql)
        try statement.bind(values)
        while try statement.step() {}
    }

    /// Runs a query and maps each row.
    public func query<T>(_ sql: String, _ values: [SQLiteValue] = [], row: (Statement) throws -> T) throws -> [T] {
        let statement = try prepare(sql)
        try statement.bind(values)
        var rows: [T] = []
        while try statement.step() { rows.append(try row(statement)) }
        return rows
    }

    public var userVersion: Int {
        get { (try? query("PRAGMA user_version") { $0.int(0) }.first) ?? 0 }
    }

    func lastError(_ rc: Int32) -> SQLiteError {
        SQLiteError(code: rc, message: handle.map { String(cString: sqlite3_errmsg($0)) } ?? "unknown")
    }

    /// A prepared statement.
    public final class Statement {
        let statement: OpaquePointer
        let database: SQLiteDatabase

        init(statement: OpaquePointer, database: SQLiteDatabase) {
            self.statement = statement
            self.database = database
        }

        deinit { sqlite3_finalize(statement) }

        public func bind(_ values: [SQLiteValue]) throws {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
            for (offset, value) in values.enumerated() {
                let i = Int32(offset + 1)
                let rc: Int32
                switch value {
                case .null: rc = sqlite3_bind_null(statement, i)
                case .int(let v): rc = sqlite3_bind_int64(statement, i, Int64(v))
                case .double(let v): rc = sqlite3_bind_double(statement, i, v)
                case .text(let v): rc = sqlite3_bind_text(statement, i, v, -1, SQLiteDatabase.transient)
                }
                guard rc == SQLITE_OK else { throw database.lastError(rc) }
            }
        }

        /// Advances; `true` while there is a row.
        public func step() throws -> Bool {
            let rc = sqlite3_step(statement)
            switch rc {
            case SQLITE_ROW: return true
            case SQLITE_DONE: return false
            default: throw database.lastError(rc)
            }
        }

        public func text(_ column: Int32) -> String {
            guard let c = sqlite3_column_text(statement, column) else { return "" }
            return String(cString: c)
        }

        public func optionalText(_ column: Int32) -> String? {
            sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : text(column)
        }

        public func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(statement, column)) }
        public func double(_ column: Int32) -> Double { sqlite3_column_double(statement, column) }
    }
}

/// A value bound to a statement parameter.
public enum SQLiteValue: Sendable {
    case null, int(Int), double(Double), text(String)
}
