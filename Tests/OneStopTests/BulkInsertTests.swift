import Fluent
import Foundation
import Kernel
import SQLKit
import Testing
import TestSupport
import Vapor

/// `BulkInsert` sends PostgreSQL many rows by COPY and a few by INSERT (`copyFromRows`); on
/// SQLite both are INSERTs. Whichever way, every value reads back as it was written.
@Suite("Bulk inserts")
struct BulkInsertTests {
    struct Probe: Decodable, Equatable {
        var k: Int
        var n: Int?
        var x: Double?
        var t: String?
        var b: Bool?
        var d: Date?
    }

    static let texts = ["tab\there", "line\nbreak", "back\\slash \\N", "carriage\rreturn", "Ủy ban nhân dân xã Đồng Tâm", "", "\\", "\\N", "a\t\\\n"]

    /// Row `k`: nulls, negative and fractional numbers, awkward text, dates before 2000 and to the microsecond.
    static func row(_ k: Int, id: UUID) -> SQLCells {
        let date = k % 2 == 0 ? Date(timeIntervalSince1970: 1_780_000_000.123456 + Double(k) * 86_400.001)
                              : Date(timeIntervalSince1970: 900_000_000.5 - Double(k) * 3_600.25)
        return [("id", id), ("k", k), ("n", k % 5 == 0 ? nil : k - 50), ("x", k % 7 == 0 ? nil : Double(k) / 3 - 10),
                ("t", k % 11 == 0 ? nil : texts[k % texts.count]), ("b", k % 13 == 0 ? nil : k % 2 == 0),
                ("d", k % 17 == 0 ? nil : date)]
    }

    static func read(_ table: String, _ sql: any SQLDatabase) async throws -> [Probe] {
        try await sql.select().columns("k", "n", "x", "t", "b", "d").from(table).orderBy("k").all(decoding: Probe.self)
    }

    @Test func everyValueReadsBackTheSameByCopyAndByInsert() async throws {
        try await withApp { app async throws in
            let sql = try #require(app.db as? any SQLDatabase)
            for table in ["probe_many", "probe_few", "probe_text"] {
                try await app.db.schema(table).id().field("k", .int, .required).field("n", .int).field("x", .double).field("t", .string)
                    .field("b", .bool).field("d", .datetime).create()
            }
            let count = BulkInsert.copyFromRows + 50
            let rows = (0..<count).map { Self.row($0, id: UUID()) }
            try await BulkInsert.rows(rows, into: "probe_many", on: sql)
            for start in stride(from: 0, to: count, by: 7) {
                try await BulkInsert.rows((start..<min(count, start + 7)).map { Self.row($0, id: UUID()) }, into: "probe_few", on: sql)
            }
            // Rows made ahead as COPY text (PostgreSQL's import batches), or as cells on SQLite.
            var made = BulkRows(into: "probe_text", asCopyText: sql.dialect.name == "postgresql")
            for k in 0..<count { made.append(Self.row(k, id: UUID())) }
            try await made.insert(on: sql)
            let many = try await Self.read("probe_many", sql), few = try await Self.read("probe_few", sql)
            #expect(try await Self.read("probe_text", sql) == many, "rows made as COPY text read back differently")
            #expect(many.count == count)
            #expect(many == few, "rows sent by COPY read back differently from those sent by INSERT")
            for probe in many {
                let written = Self.row(probe.k, id: UUID())
                #expect(probe.t == written[4].1 as? String, "text of row \(probe.k)")
                #expect(probe.n == written[2].1 as? Int)
                if let date = written[6].1 as? Date {
                    #expect(abs((probe.d ?? .distantPast).timeIntervalSince(date)) < 0.000_002, "date of row \(probe.k)")
                } else {
                    #expect(probe.d == nil)
                }
            }
        }
    }

    /// Upserts that add counters (the statistics' buckets): by COPY through a staging table, or by
    /// INSERT … ON CONFLICT, the sums come out the same, also when the same rows are upserted twice
    /// in one transaction (the staging table is emptied each time).
    @Test func upsertsAddTheSameByCopyAndByInsert() async throws {
        try await withApp { app async throws in
            let sql = try #require(app.db as? any SQLDatabase)
            for table in ["sums_many", "sums_few", "sums_outside"] {
                try await app.db.schema(table).field("key", .string, .required).field("day", .int, .required).field("n", .int, .required)
                    .unique(on: "key", "day").create()
            }
            let count = BulkInsert.copyFromRows + 50
            @Sendable func cells(_ range: Range<Int>, amount: Int) -> [SQLCell] {
                range.flatMap { k -> [SQLCell] in [.text("đơn vị \(k % 40)"), .int(k / 40), .int(amount + k)] }
            }
            let conflict = (keys: ["key", "day"], counters: ["n"])
            let columns = ["key", "day", "n"]
            try await app.groupCommit.transaction { db in
                let sql = db as! any SQLDatabase
                try await BulkInsert.rows(columns: columns, cells: cells(0..<count, amount: 1), into: "sums_many", addingOnConflict: conflict, on: sql)
                try await BulkInsert.rows(columns: columns, cells: cells(50..<(count + 50), amount: 10), into: "sums_many", addingOnConflict: conflict, on: sql)
                for (range, amount) in [(0..<count, 1), (50..<(count + 50), 10)] {
                    for start in stride(from: range.lowerBound, to: range.upperBound, by: 9) {
                        try await BulkInsert.rows(columns: columns, cells: cells(start..<min(range.upperBound, start + 9), amount: amount),
                                                  into: "sums_few", addingOnConflict: conflict, on: sql)
                    }
                }
            }
            // Outside a transaction too, where every statement may take another pooled connection:
            // the staging table is a session's, so the copy and its upsert share one.
            try await BulkInsert.rows(columns: columns, cells: cells(0..<count, amount: 1), into: "sums_outside", addingOnConflict: conflict, on: sql)
            try await BulkInsert.rows(columns: columns, cells: cells(50..<(count + 50), amount: 10), into: "sums_outside", addingOnConflict: conflict, on: sql)
            struct Sum: Decodable, Equatable { var key: String; var day: Int; var n: Int }
            func read(_ table: String) async throws -> [Sum] {
                try await sql.select().columns("key", "day", "n").from(table).orderBy("key").orderBy("day").all(decoding: Sum.self)
            }
            let many = try await read("sums_many"), few = try await read("sums_few")
            #expect(many.count == count + 50)
            #expect(many == few, "sums upserted by COPY differ from those upserted by INSERT")
            #expect(try await read("sums_outside") == many, "sums upserted outside a transaction differ")
            // Row 60 was upserted twice: 1 + 60, then 10 + 60.
            #expect(many.first { $0.key == "đơn vị 20" && $0.day == 1 }?.n == 131)
        }
    }
}
