import Foundation
import NIOConcurrencyHelpers
import PostgresNIO
import SQLKit
import SQLiteNIO
import Vapor

/// A value in one of the few kinds tinhso stores, stored as Fluent stores it (a UUID as its text
/// in SQLite and as `uuid` in PostgreSQL, a date as seconds since 1970 in SQLite).
public enum SQLCell: Sendable, Equatable {
    case null, int(Int), real(Double), text(String), bool(Bool), uuid(UUID), date(Date)
}

public protocol SQLCellValue: Sendable { var cell: SQLCell { get } }
extension Int: SQLCellValue { public var cell: SQLCell { .int(self) } }
extension Int64: SQLCellValue { public var cell: SQLCell { .int(Int(self)) } }
extension Double: SQLCellValue { public var cell: SQLCell { .real(self) } }
extension String: SQLCellValue { public var cell: SQLCell { .text(self) } }
extension Bool: SQLCellValue { public var cell: SQLCell { .bool(self) } }
extension UUID: SQLCellValue { public var cell: SQLCell { .uuid(self) } }
extension Date: SQLCellValue { public var cell: SQLCell { .date(self) } }
extension Optional: SQLCellValue where Wrapped: SQLCellValue { public var cell: SQLCell { self?.cell ?? .null } }

/// A row: each column's name with its value.
public typealias SQLCells = [(String, any SQLCellValue)]

/// Multi-row INSERTs whose values go to the driver as they are. On the paths that write rows by
/// the thousand (the intake's batches, the import of a province's history) SQLKit's serializer
/// and its `Encodable` binds cost more than the database did; here a row is one switch per value.
public enum BulkInsert {
    /// Bound values per statement: under SQLite's 32,766 (PostgreSQL allows 65,535).
    public static let valuesPerStatement = 30_000

    /// Writes `rows` (all with the columns of the first, in its order) into `table`. With
    /// `addingOnConflict`, a row whose `keys` are already there adds its `counters` to that row's.
    public static func rows(_ rows: [SQLCells], into table: String, addingOnConflict: (keys: [String], counters: [String])? = nil,
                            on db: any SQLDatabase) async throws {
        guard let first = rows.first else { return }
        var cells: [SQLCell] = []
        cells.reserveCapacity(rows.count * first.count)
        for row in rows { for (_, value) in row { cells.append(value.cell) } }
        try await self.rows(columns: first.map(\.0), cells: cells, into: table, addingOnConflict: addingOnConflict, on: db)
    }

    /// The same, with the rows' values one after the other in `cells` (`columns.count` a row):
    /// the aggregates build their wide rows this way, without a name beside every value.
    public static func rows(columns: [String], cells: [SQLCell], into table: String,
                            addingOnConflict: (keys: [String], counters: [String])? = nil, on db: any SQLDatabase) async throws {
        guard !columns.isEmpty, !cells.isEmpty else { return }
        precondition(cells.count % columns.count == 0, "BulkInsert: \(cells.count) values for rows of \(columns.count) columns")
        let perStatement = max(1, valuesPerStatement / columns.count)
        let rowCount = cells.count / columns.count
        for start in stride(from: 0, to: rowCount, by: perStatement) {
            let rows = min(rowCount, start + perStatement) - start
            let chunk = cells[(start * columns.count)..<((start + rows) * columns.count)]
            if let sqlite = db as? any SQLiteDatabase {
                var binds: [SQLiteData] = []
                binds.reserveCapacity(chunk.count)
                for cell in chunk { binds.append(sqlite: cell) }
                _ = try await sqlite.query(statement(table, columns, rows: rows, addingOnConflict, numbered: false), binds)
            } else if let postgres = db as? any PostgresDatabase {
                var binds = PostgresBindings(capacity: chunk.count)
                for cell in chunk { try binds.append(postgres: cell) }
                let query = PostgresQuery(unsafeSQL: statement(table, columns, rows: rows, addingOnConflict, numbered: true), binds: binds)
                let logger = db.logger
                try await postgres.withConnection { connection in
                    connection.eventLoop.makeFutureWithTask { _ = try await connection.query(query, logger: logger) }
                }.get()
            } else {
                throw Abort(.internalServerError, reason: "BulkInsert supports SQLite and PostgreSQL, not \(db.dialect.name)")
            }
        }
    }

    /// The texts of the statements already made, by shape. A batch's rows go mostly through
    /// full-size statements of a few shapes; building their thousands of placeholders took 4 % of
    /// an import's CPU, on the write queue. Only those of full size are kept, so the cache stays small.
    private static let made = NIOLockedValueBox<[String: String]>([:])

    /// The statement for `rows` rows, with `?` placeholders or PostgreSQL's numbered ones.
    static func statement(_ table: String, _ columns: [String], rows: Int, _ conflict: (keys: [String], counters: [String])?,
                          numbered: Bool) -> String {
        let full = rows == max(1, valuesPerStatement / columns.count)
        let key = full ? "\(numbered) \(table) \(columns) \(conflict.map { "\($0.keys) \($0.counters)" } ?? "")" : ""
        if full, let known = made.withLockedValue({ $0[key] }) { return known }
        let text = statement(table, columns, rows: rows, conflict, placeholder: numbered ? { "$\($0)" } : { _ in "?" })
        if full { made.withLockedValue { $0[key] = text } }
        return text
    }

    static func statement(_ table: String, _ columns: [String], rows: Int, _ conflict: (keys: [String], counters: [String])?,
                          placeholder: (Int) -> String) -> String {
        var sql = "INSERT INTO \"\(table)\" (" + columns.map { "\"\($0)\"" }.joined(separator: ", ") + ") VALUES "
        sql.reserveCapacity(sql.utf8.count + rows * columns.count * 7)
        var n = 0
        for r in 0..<rows {
            sql += r == 0 ? "(" : ", ("
            for c in 0..<columns.count {
                n += 1
                if c > 0 { sql += ", " }
                sql += placeholder(n)
            }
            sql += ")"
        }
        if let conflict {
            sql += " ON CONFLICT (" + conflict.keys.map { "\"\($0)\"" }.joined(separator: ", ") + ") DO UPDATE SET "
            sql += conflict.counters.map { "\"\($0)\" = \"\(table)\".\"\($0)\" + excluded.\"\($0)\"" }.joined(separator: ", ")
        }
        return sql
    }
}

extension Array where Element == SQLiteData {
    mutating func append(sqlite cell: SQLCell) {
        switch cell {
        case .null: append(.null)
        case .int(let v): append(.integer(v))
        case .real(let v): append(.float(v))
        case .text(let v): append(.text(v))
        case .bool(let v): append(.integer(v ? 1 : 0))
        case .uuid(let v): append(.text(v.uuidString))
        case .date(let v): append(.float(v.timeIntervalSince1970))
        }
    }
}

extension PostgresBindings {
    mutating func append(postgres cell: SQLCell) throws {
        switch cell {
        case .null: appendNull()
        case .int(let v): append(v)
        case .real(let v): append(v)
        case .text(let v): append(v)
        case .bool(let v): append(v)
        case .uuid(let v): append(v)
        case .date(let v): append(v)
        }
    }
}

/// Rows for one `BulkInsert`, their values already flat: a writer of many rows makes them beside
/// the write queue, so that only the statements run on it.
public struct BulkRows: Sendable {
    public let table: String
    public private(set) var columns: [String] = []
    public private(set) var cells: [SQLCell] = []

    public init(into table: String) { self.table = table }

    /// Adds a row; every row has the columns of the first, in its order.
    public mutating func append(_ row: SQLCells) {
        if columns.isEmpty { columns = row.map(\.0) }
        precondition(row.count == columns.count, "BulkRows: a row of \(row.count) values for \(columns.count) columns")
        for (_, value) in row { cells.append(value.cell) }
    }

    public func insert(on db: any SQLDatabase) async throws {
        try await BulkInsert.rows(columns: columns, cells: cells, into: table, on: db)
    }
}
