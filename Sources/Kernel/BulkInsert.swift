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
    /// `addingOnConflict`, a row whose `keys` are already there adds its `counters` to that row's;
    /// the rows' keys must then be distinct.
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
        if rowCount >= copyFromRows, let postgres = db as? any PostgresDatabase {
            guard let conflict = addingOnConflict else {
                return try await copy(columns: columns, cells: cells, into: table, on: postgres, logger: db.logger)
            }
            return try await copyAdding(columns: columns, cells: cells, into: table, conflict, on: postgres, logger: db.logger)
        }
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

    /// From this many rows on, PostgreSQL gets them by `COPY … FROM STDIN` rather than INSERTs with
    /// binds: the server then parses no statement and plans nothing per row (an import's batch).
    /// Below it, as for most of the counter's intake batches, one INSERT is one round trip fewer.
    public static let copyFromRows = 100

    /// Sends the rows in COPY's text format.
    static func copy(columns: [String], cells: [SQLCell], into table: String, on postgres: any PostgresDatabase, logger: Logger) async throws {
        try await copy(columns: columns, text: copyText(cells, columns: columns.count), into: table, on: postgres, logger: logger)
    }

    /// Rows already in COPY's text format (`BulkRows(into:asCopyText:)`).
    static func copy(columns: [String], text: ByteBuffer, into table: String, on postgres: any PostgresDatabase, logger: Logger) async throws {
        try await postgres.withConnection { connection in
            connection.eventLoop.makeFutureWithTask { try await copy(columns: columns, text: text, into: table, on: connection, logger: logger) }
        }.get()
    }

    /// The same on `connection`, a megabyte at a time.
    static func copy(columns: [String], text: ByteBuffer, into table: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
            var rest = text
            while rest.readableBytes > 0, let piece = rest.readSlice(length: min(rest.readableBytes, 1 << 20)) {
                try await writer.write(piece)
            }
        }
    }

    /// `cells`, `columns` a row, as COPY's text.
    static func copyText(_ cells: [SQLCell], columns: Int) -> ByteBuffer {
        var text = ByteBufferAllocator().buffer(capacity: cells.count * 12)
        for start in stride(from: 0, to: cells.count, by: columns) { SQLCell.writeCopyRow(cells[start..<(start + columns)], to: &text) }
        return text
    }

    /// An upsert through the connection's staging table for `table`: the rows are copied into it,
    /// and one statement empties it into the table, adding the counters of the rows already there.
    /// All on one connection, since a temporary table is the session's. Outside a transaction a
    /// failed call can leave rows in it: they are deleted before the next copy.
    static func copyAdding(columns: [String], cells: [SQLCell], into table: String, _ conflict: (keys: [String], counters: [String]),
                           on postgres: any PostgresDatabase, logger: Logger) async throws {
        let staging = "\"staging_\(table)\"", target = "\"\(table)\""
        let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
        try await postgres.withConnection { connection in
            connection.eventLoop.makeFutureWithTask {
                _ = try await connection.query(PostgresQuery(unsafeSQL: "CREATE TEMP TABLE IF NOT EXISTS \(staging) AS SELECT \(list) FROM \(target) WITH NO DATA"), logger: logger)
                _ = try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM \(staging)"), logger: logger)
                try await copy(columns: columns, text: copyText(cells, columns: columns.count), into: "staging_" + table, on: connection, logger: logger)
                _ = try await connection.query(PostgresQuery(unsafeSQL: """
                    WITH staged AS (DELETE FROM \(staging) RETURNING \(list))
                    INSERT INTO \(target) (\(list)) SELECT \(list) FROM staged\(onConflict(table, conflict))
                    """), logger: logger)
            }
        }.get()
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
        if let conflict { sql += onConflict(table, conflict) }
        return sql
    }

    /// ` ON CONFLICT (keys) DO UPDATE SET counter = table.counter + excluded.counter, …`
    static func onConflict(_ table: String, _ conflict: (keys: [String], counters: [String])) -> String {
        " ON CONFLICT (" + conflict.keys.map { "\"\($0)\"" }.joined(separator: ", ") + ") DO UPDATE SET "
            + conflict.counters.map { "\"\($0)\" = \"\(table)\".\"\($0)\" + excluded.\"\($0)\"" }.joined(separator: ", ")
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

extension SQLCell {
    /// A row of COPY's text format: its fields separated by tabs, ended by a newline.
    static func writeCopyRow(_ row: some Sequence<SQLCell>, to buffer: inout ByteBuffer) {
        var first = true
        for cell in row {
            if !first { buffer.writeInteger(UInt8(ascii: "\t")) }
            first = false
            cell.writeCopyText(to: &buffer)
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    /// The value as a field of COPY's text format, as PostgreSQL reads it into the column's type.
    func writeCopyText(to buffer: inout ByteBuffer) {
        switch self {
        case .null: buffer.writeStaticString("\\N")
        case .int(let v): buffer.writeString(String(v))
        case .real(let v): buffer.writeString(v.description)
        case .bool(let v): buffer.writeInteger(v ? UInt8(ascii: "t") : UInt8(ascii: "f"))
        case .uuid(let v): buffer.writeString(v.uuidString)
        case .date(let v): Self.writeTimestamp(v, to: &buffer)
        case .text(let v):
            let special: (UInt8) -> Bool = { $0 == UInt8(ascii: "\\") || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
            guard v.utf8.contains(where: special) else { buffer.writeString(v); return }
            for byte in v.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case 0x09: buffer.writeStaticString("\\t")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                default: buffer.writeInteger(byte)
                }
            }
        }
    }

    /// `YYYY-MM-DD HH:MM:SS.ffffff+00`, to the microsecond PostgresNIO's binary encoding of the same
    /// date gives (truncated from 2000-01-01), so a date written either way reads back the same.
    static func writeTimestamp(_ date: Date, to buffer: inout ByteBuffer) {
        let micros = Int64(date.timeIntervalSince(Date(timeIntervalSince1970: 946_684_800)) * 1_000_000)
        let perDay: Int64 = 86_400_000_000
        var days = micros / perDay, rest = micros % perDay
        if rest < 0 { days -= 1; rest += perDay }
        let (year, month, day) = VietnamTime.civil(Int(days) + 10_957)  // days since 1970, as VietnamTime counts them
        func digits(_ value: some BinaryInteger, _ width: Int) {
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            var v = Int64(value)
            while divisor > 0 {
                buffer.writeInteger(UInt8(ascii: "0") + UInt8(v / divisor))
                v %= divisor
                divisor /= 10
            }
        }
        digits(year, 4); buffer.writeInteger(UInt8(ascii: "-")); digits(month, 2); buffer.writeInteger(UInt8(ascii: "-")); digits(day, 2)
        let seconds = rest / 1_000_000
        buffer.writeInteger(UInt8(ascii: " ")); digits(seconds / 3600, 2); buffer.writeInteger(UInt8(ascii: ":"))
        digits(seconds / 60 % 60, 2); buffer.writeInteger(UInt8(ascii: ":")); digits(seconds % 60, 2)
        buffer.writeInteger(UInt8(ascii: ".")); digits(rest % 1_000_000, 6); buffer.writeStaticString("+00")
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
/// the write queue, so that only the statements run on it. Made `asCopyText` (for PostgreSQL),
/// they are COPY's text already: encoding an import batch's rows on the write queue took some
/// 8 % of a PostgreSQL import's time, all of it on its critical path (decision 0021).
public struct BulkRows: Sendable {
    public let table: String
    public private(set) var columns: [String] = []
    private var cells: [SQLCell] = []
    private var copyText: ByteBuffer?

    public init(into table: String, asCopyText: Bool = false) {
        self.table = table
        if asCopyText { copyText = ByteBufferAllocator().buffer(capacity: 0) }
    }

    /// Adds a row; every row has the columns of the first, in its order.
    public mutating func append(_ row: SQLCells) {
        if columns.isEmpty { columns = row.map(\.0) }
        precondition(row.count == columns.count, "BulkRows: a row of \(row.count) values for \(columns.count) columns")
        guard var text = copyText else {
            for (_, value) in row { cells.append(value.cell) }
            return
        }
        copyText = nil  // `text` is then the buffer's only owner: written in place, not copied
        SQLCell.writeCopyRow(row.lazy.map { $0.1.cell }, to: &text)
        copyText = text
    }

    public func insert(on db: any SQLDatabase) async throws {
        guard let text = copyText else { return try await BulkInsert.rows(columns: columns, cells: cells, into: table, on: db) }
        guard text.readableBytes > 0 else { return }
        guard let postgres = db as? any PostgresDatabase else {
            throw Abort(.internalServerError, reason: "BulkRows made as COPY text written to \(db.dialect.name)")
        }
        try await BulkInsert.copy(columns: columns, text: text, into: table, on: postgres, logger: db.logger)
    }
}
