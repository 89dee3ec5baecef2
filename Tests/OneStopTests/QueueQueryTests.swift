import Directory
import Fluent
import Foundation
import Kernel
import OneStop
import Testing
import TestSupport
import Vapor
import WebUI

/// The queues and the search read indexes in pieces (ranges merged, counts summed, trigrams);
/// these tests hold them to the plain definition, computed here over every dossier.
@Suite("Queues and search: the same dossiers as their plain definition")
struct QueueQueryTests {
    static let now = Date(timeIntervalSince1970: 1_795_000_000)

    /// 300 dossiers across the desk, a department and two communes, every status, ties in
    /// submission time, due dates on the queue boundaries.
    static func seed(_ app: Application, desk: String, finance: String, communes: [String]) async throws {
        let dues: [TimeInterval?] = [nil, -86_400, -1, 0, 1, 86_400, 2 * 86_400 - 1, 2 * 86_400, 5 * 86_400]
        try await app.db.transaction { db in
            for i in 0..<300 {
                let d = Dossier()
                // Received by the desk and decided by the department, by a commune alone, or (rarely)
                // received by the department itself: each viewer's two ranges overlap somewhere.
                let (receiving, deciding) = switch i % 5 {
                case 0, 1: (desk, finance)
                case 2: (communes[0], communes[0])
                case 3: (communes[1], i % 2 == 0 ? communes[1] : finance)
                default: (finance, finance)
                }
                d.code = "\(receiving)-991231-\(String(format: "%04d", i))"
                d.procedureCode = i % 7 == 0 ? "1.000123" : "2.001610"; d.procedureVersion = 1; d.procedureName = "Thủ tục \(i)"
                d.fieldCode = "F"; d.channel = 1; d.status = 1 + i % 10
                d.applicantName = "Người nộp \(i)"; d.applicantIdentity = "02509\(String(format: "%07d", i % 40))"
                d.applicantPhone = ""; d.applicantEmail = ""; d.summary = ""; d.formData = "{}"
                d.receivingAgency = receiving; d.decidingAgency = deciding; d.processingHours = 8
                d.submittedAt = now.addingTimeInterval(-Double(i / 3) * 3_600)  // three at each instant
                d.dueAt = dues[i % dues.count].map { now.addingTimeInterval($0) }
                d.revision = 1; d.source = "counter"; d.vneidVerified = false
                try await d.create(on: db)
            }
        }
    }

    static func expected(_ queue: DossierQueries.Queue, _ d: Dossier) -> Bool {
        let running = [2, 4, 6].contains(d.status)
        switch queue {
        case .toReceive: return d.status == 1
        case .inProgress: return running
        case .waitingSupplement: return d.status == 5
        case .dueSoon: return running && d.dueAt.map { $0 >= now && $0 < now.addingTimeInterval(2 * 86_400) } ?? false
        case .overdue: return running && d.dueAt.map { $0 < now } ?? false
        case .toReturn: return d.status == 9
        }
    }

    @Test func everyQueueAndSearchMatchesItsDefinitionOnEveryPage() async throws {
        try await withApp { app async throws in
            func code(_ name: String) async throws -> Agency {
                try #require(try await Agency.query(on: app.db).all().first { $0.shortName.contains(name) || $0.name.contains(name) })
            }
            let desk = try await code("Trung tâm Phục vụ hành chính công"), finance = try await code("Sở Tài chính")
            let communes = try await Agency.query(on: app.db).filter(\.$level == .commune).sort(\.$code).range(..<2).all()
            try await Self.seed(app, desk: desk.code, finance: finance.code, communes: communes.map(\.code))
            let all = try await Dossier.query(on: app.db).all()
            func viewer(_ agencies: [Agency]) -> Viewer {
                Viewer(userID: UUID(), displayName: "Cán bộ", kind: .official, grants: agencies.map { .init(role: "specialist", agencyID: $0.id) })
            }
            let viewers = [[desk], [finance], [communes[0]], [communes[1], finance], [desk, finance, communes[1]], []]
            // Newest first; equal times by id, as the database orders UUIDs (byte order = uppercase hex order).
            func ordered(_ ds: [Dossier]) -> [String] {
                ds.sorted { ($0.submittedAt, $0.id!.uuidString) > ($1.submittedAt, $1.id!.uuidString) }.map(\.code)
            }
            for agencies in viewers {
                let v = viewer(agencies), codes = Set(agencies.map(\.code))
                let mine = all.filter { codes.contains($0.receivingAgency) || codes.contains($0.decidingAgency) }
                for queue in DossierQueries.Queue.allCases {
                    let want = ordered(mine.filter { Self.expected(queue, $0) })
                    for page in 1...(want.count / 7 + 2) {
                        let got = try await DossierQueries.queue(queue, for: v, now: Self.now, page: Paging(page: page, per: 7), on: app.db)
                        #expect(got.total == want.count, "\(queue) \(codes) page \(page)")
                        #expect(got.items.map(\.code) == Array(want.dropFirst((page - 1) * 7).prefix(7)), "\(queue) \(codes) page \(page)")
                    }
                }
                let sample = try #require(all.first { $0.receivingAgency == finance.code })
                for needle in [String(sample.code.suffix(9)), sample.applicantIdentity, "2.001610", "1.000123", "0025", "99", "9", "h42.3", "khong-co"] {
                    let want = ordered(mine.filter {
                        $0.code.contains(needle.uppercased()) || $0.applicantIdentity.contains(needle.uppercased()) || $0.procedureCode == needle.uppercased()
                    })
                    for page in [1, 2, want.count / 7 + 2] {
                        let got = try await DossierQueries.search(needle, for: v, page: Paging(page: page, per: 7), on: app.db)
                        #expect(got.total == want.count, "search \(needle) \(codes) page \(page)")
                        #expect(got.items.map(\.code) == Array(want.dropFirst((page - 1) * 7).prefix(7)), "search \(needle) \(codes) page \(page)")
                    }
                }
            }
        }
    }
}
