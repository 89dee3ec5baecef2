import Directory
import Fluent
import Foundation
import Procedures
import Vapor
import VNCalendar
import WebUI

/// Processing inside the deciding agencies (NĐ 118/2025 art. 19): the steps of the procedure's
/// workflow template, assignment, appraisal proposals, consultations, inter-agency steps in
/// sequence or in parallel, and the leader's approval or sending back.
///
/// The one-stop steps of the template (receipt and return) are the dossier's own actions; the
/// clerk's step (numbering and issuing the result) is part of the leader's approval here.
enum Processing {
    /// The roles whose template steps become dossier steps.
    static let stepRoles: Set<String> = ["specialist", "leader"]
    /// Actions taken on an open step rather than on the dossier as a whole.
    static let stepActions: Set<DossierAction> = [.assign, .propose, .consult, .reply, .approve, .sendBack, .requestPayment]

    /// The steps a dossier starts processing with, all waiting; the caller activates the first group.
    static func plan(_ workflow: [ProcedureDefinition.WorkflowStep], dossier d: Dossier, agencyNames: [String: String]) throws -> [DossierStep] {
        var steps: [DossierStep] = []
        var group = 0
        for template in workflow where stepRoles.contains(template.role) {
            if !template.runsInParallel || group == 0 { group += 1 }
            let code = switch template.agency {
            case "receiving": d.receivingAgency
            case "deciding": d.decidingAgency
            default: template.agency
            }
            steps.append(DossierStep(dossierID: try d.requireID(), seq: steps.count + 1, group: group, name: template.name, role: template.role,
                                     agencyCode: code, agencyName: agencyNames[code] ?? code, lead: !steps.contains { $0.group == group },
                                     workingHours: template.workingHours))
        }
        // A template without processing steps still needs someone to appraise and approve.
        if steps.isEmpty {
            for (i, (role, name)) in [("specialist", "Thẩm định hồ sơ"), ("leader", "Xem xét, ký duyệt")].enumerated() {
                steps.append(DossierStep(dossierID: try d.requireID(), seq: i + 1, group: i + 1, name: name, role: role, agencyCode: d.decidingAgency,
                                         agencyName: agencyNames[d.decidingAgency] ?? d.decidingAgency, lead: true, workingHours: 8))
            }
        }
        return steps
    }

    static func steps(of dossierID: UUID, on db: any Database) async throws -> [DossierStep] {
        try await DossierStep.query(on: db).filter(\.$dossierID == dossierID).sort(\.$seq).all()
    }

    /// The process steps currently open.
    static func activeGroup(_ steps: [DossierStep]) -> [DossierStep] {
        steps.filter { $0.isActive && $0.currentKind == .process }
    }

    static func nextWaitingGroup(_ steps: [DossierStep]) -> Int? {
        steps.filter { $0.currentStatus == .waiting }.map(\.group).min()
    }

    /// Opens the steps of `group`, each with its deadline from its own agency's working calendar.
    static func activate(group: Int, in steps: [DossierStep], at now: Date, on req: Request) async throws {
        for step in steps where step.group == group && step.currentStatus == .waiting {
            step.status = DossierStep.Status.active.rawValue
            step.startedAt = now
            step.dueAt = try await due(step, from: now, on: req)
        }
    }

    static func due(_ step: DossierStep, from start: Date, on req: Request) async throws -> Date {
        let calculator = try await req.application.workCalendar.calculator(agencyCode: step.agencyCode, on: req.db)
        let hours = Int(step.workingHours.rounded(.up))
        let limit: TimeLimit = hours % 8 == 0 ? .workingDays(max(hours / 8, 1)) : .workingHours(max(hours, 1))
        return try calculator.deadline(receivedAt: start, limit: limit).due
    }

    /// Whether `viewer` holds `role` in the step's agency, and is the assignee when the step is assigned
    /// (a leader of the agency may act on any of its steps).
    static func mayWork(_ step: DossierStep, role: String, _ viewer: Viewer, agencyIDs: [String: UUID]) -> Bool {
        guard step.role == role || step.currentKind == .consult, let agencyID = agencyIDs[step.agencyCode] else { return false }
        let holds = viewer.grants.contains { $0.role == role && $0.agencyID == agencyID }
        guard holds else { return false }
        if role == "specialist", let assignee = step.assigneeID { return assignee == viewer.userID }
        return true
    }

    /// The step an action acts on for `viewer`, or nil when the viewer has none.
    static func step(for action: DossierAction, _ viewer: Viewer, in steps: [DossierStep], agencyIDs: [String: UUID]) -> DossierStep? {
        let open = steps.filter(\.isActive)
        switch action {
        case .assign:
            return open.first { step in
                guard step.role == "specialist", step.currentKind == .process, let agencyID = agencyIDs[step.agencyCode] else { return false }
                return viewer.grants.contains { $0.role == "leader" && $0.agencyID == agencyID }
            }
        case .propose, .consult, .requestSupplement, .requestPayment:
            return open.first { $0.currentKind == .process && mayWork($0, role: "specialist", viewer, agencyIDs: agencyIDs) }
        case .reply:
            return open.first { $0.currentKind == .consult && mayWork($0, role: "specialist", viewer, agencyIDs: agencyIDs) }
        case .approve, .sendBack:
            return open.first { $0.role == "leader" && $0.currentKind == .process && mayWork($0, role: "leader", viewer, agencyIDs: agencyIDs) }
        default:
            return nil
        }
    }

    /// Why a step action cannot be taken now, in words for the official.
    static func unavailable(_ action: DossierAction, steps: [DossierStep]) -> String {
        let open = activeGroup(steps)
        guard !open.isEmpty else { return "hồ sơ chưa được chuyển xử lý" }
        return "hồ sơ đang ở bước “" + open.map { "\($0.name) — \($0.agencyName)" }.joined(separator: "”, “") + "”"
    }

    /// After `step` finished: if its whole group is done, opens the next group. Returns whether
    /// any process step is still open or waiting.
    static func advance(after step: DossierStep, steps: [DossierStep], at now: Date, on req: Request) async throws -> Bool {
        let group = steps.filter { $0.group == step.group && $0.currentKind == .process }
        if group.allSatisfy({ $0.currentStatus != .active }), let next = nextWaitingGroup(steps) {
            try await activate(group: next, in: steps, at: now, on: req)
        }
        return steps.contains { $0.currentKind == .process && [.active, .waiting].contains($0.currentStatus) }
    }

    /// The leader sends the dossier back: the group before the leader's step is redone, then the
    /// leader's step again. The returned steps stay as history.
    static func sendBack(_ leaderStep: DossierStep, steps: [DossierStep], at now: Date, on req: Request) async throws -> [DossierStep] {
        leaderStep.status = DossierStep.Status.returned.rawValue
        leaderStep.finishedAt = now
        let previousGroup = steps.filter { $0.group < leaderStep.group && $0.currentKind == .process }.map(\.group).max()
        let redo = steps.filter { $0.group == previousGroup && $0.currentKind == .process && $0.currentStatus == .done }
        // Later groups move two places back to make room for the redone group and the repeated approval.
        for later in steps where later.group > leaderStep.group { later.group += 2 }
        var seq = (steps.map(\.seq).max() ?? 0)
        var added: [DossierStep] = []
        for (source, group) in redo.map({ ($0, leaderStep.group + 1) }) + [(leaderStep, leaderStep.group + 2)] {
            seq += 1
            let copy = DossierStep(dossierID: source.dossierID, seq: seq, group: group, kind: source.currentKind, name: source.name, role: source.role,
                                   agencyCode: source.agencyCode, agencyName: source.agencyName, lead: source.lead, workingHours: source.workingHours)
            copy.assigneeID = source.assigneeID
            copy.assigneeName = source.assigneeName
            added.append(copy)
        }
        let all = steps + added
        try await activate(group: leaderStep.group + 1, in: all, at: now, on: req)
        return added
    }

    /// The lead agency's latest proposal: what the leader's approval decides.
    static func leadProposal(_ steps: [DossierStep]) -> Proposal? {
        steps.filter { $0.lead && $0.role == "specialist" && $0.currentStatus == .done && $0.currentKind == .process }
            .max { $0.seq < $1.seq }?.proposal.flatMap(Proposal.init(rawValue:))
    }

    /// A consultation of another unit, with a deadline in working days of that unit.
    static func consultation(of agency: Agency, question: String, workingDays: Int, dossierID: UUID, seq: Int, at now: Date,
                             on req: Request) async throws -> DossierStep {
        let step = DossierStep(dossierID: dossierID, seq: seq, group: 0, kind: .consult, name: "Lấy ý kiến", role: "specialist",
                               agencyCode: agency.code, agencyName: agency.name, lead: false, workingHours: Double(workingDays * 8))
        step.status = DossierStep.Status.active.rawValue
        step.startedAt = now
        step.question = question
        step.dueAt = try await due(step, from: now, on: req)
        return step
    }

    /// Closes every open or waiting step: the dossier was refused, stopped or withdrawn.
    static func cancelOpen(_ steps: [DossierStep], at now: Date) {
        for s in steps where [.active, .waiting].contains(s.currentStatus) {
            s.status = DossierStep.Status.cancelled.rawValue
            s.finishedAt = now
        }
    }
}
