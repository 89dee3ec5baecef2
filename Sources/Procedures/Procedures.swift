import Fluent
import Foundation
import Vapor

/// The procedure catalog (Thủ tục hành chính).
public enum Procedures {
    public static var migrations: [any Migration] { [CreateProcedureSchema()] }

    public static func routes(pages: any RoutesBuilder, api: any RoutesBuilder) throws {
        try pages.register(collection: ProcedurePages())
        try pages.register(collection: ProcedureAdminPages())
        try api.register(collection: ProceduresAPI())
    }

    /// Loads the demo catalog. The demo file names agencies by key (`so-tu-phap`, or `commune`
    /// for the commune People's Committee); `agencyCodes` maps keys to electronic identifiers.
    public static func seedDemo(agencyCodes: [String: String], now: Date, on db: any Database) async throws -> Int {
        struct File: Decodable { var procedures: [Entry] }
        struct Entry: Decodable {
            var code, name, field: String
            var levels: [String]
            var receivingAgency, decidingAgency: String
            var processingTime: ProcedureDefinition.ProcessingTime
            var processingNote: String?
            var fees: [ProcedureDefinition.Fee]
            var legalBasis: [String]
            var applicants, steps: String
            var documents: [ProcedureDefinition.RequiredDocument]
            var form: [ProcedureDefinition.FormField]
            var onlineLevel: ProcedureDefinition.OnlineLevel
            var result: String
            var workflow: [ProcedureDefinition.WorkflowStep]
        }
        guard let url = Bundle.module.url(forResource: "demo-procedures", withExtension: "json", subdirectory: "Resources")
            ?? Bundle.module.url(forResource: "demo-procedures", withExtension: "json")
        else { throw CocoaError(.fileNoSuchFile) }
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        func agency(_ key: String) -> String? { key == "commune" ? nil : agencyCodes[key] }
        for e in file.procedures {
            let d = ProcedureDefinition(
                code: e.code, name: e.name, field: e.field, levels: e.levels,
                receivingAgency: agency(e.receivingAgency), decidingAgency: agency(e.decidingAgency),
                processingTime: e.processingTime, processingNote: e.processingNote, fees: e.fees, legalBasis: e.legalBasis,
                applicants: e.applicants, steps: e.steps, documents: e.documents, form: e.form, onlineLevel: e.onlineLevel,
                result: e.result, workflow: e.workflow.map { step in
                    var step = step
                    if !["receiving", "deciding"].contains(step.agency) { step.agency = agencyCodes[step.agency] ?? step.agency }
                    return step
                })
            try await ProcedureCatalog.save(d, by: nil, now: now, on: db)
        }
        return file.procedures.count
    }
}
