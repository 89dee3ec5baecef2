import Directory
import Foundation

/// The scores of TT 01/2018/TT-VPCP art. 13–15 (đánh giá việc giải quyết TTHC): six indices
/// scored 2/1/0 for every dossier and averaged over a unit's dossiers ended in the period, and
/// three indices of the unit; out of 18, graded xuất sắc ≥ 15, tốt ≥ 12, khá ≥ 9, trung bình ≥ 6,
/// yếu below. Quarterly and yearly are periods like any other.
public struct UnitScore: Sendable, Codable {
    public enum Grade: String, Codable, Sendable {
        case excellent = "xuat-sac", good = "tot", fair = "kha", average = "trung-binh", weak = "yeu"
        public var label: String {
            switch self {
            case .excellent: "Xuất sắc"
            case .good: "Tốt"
            case .fair: "Khá"
            case .average: "Trung bình"
            case .weak: "Yếu"
            }
        }
        static func of(_ total: Double) -> Grade {
            total >= 15 ? .excellent : total >= 12 ? .good : total >= 9 ? .fair : total >= 6 ? .average : .weak
        }
    }

    public struct Index: Sendable, Codable {
        public var number: Int
        public var name: String
        /// 0…2, one decimal.
        public var score: Double
        /// How it was measured, where it departs from the text.
        public var note: String?
    }

    /// Dossiers ended in the period: what the per-dossier indices are averaged over.
    public var dossiers: Int64
    public var indices: [Index]
    public var total: Double
    public var grade: Grade

    /// The indices scored for every dossier (art. 13); the unit's are their averages.
    public static let dossierIndexNumbers = [1, 2, 3, 4, 6, 7]

    /// One ended dossier's scores on `dossierIndexNumbers`, by the same rules `compute` averages
    /// from the aggregates; nil while it is open. `complete`: its procedure is fully published.
    public static func dossierScores(_ f: DossierFact, complete: Bool) -> [Int]? {
        guard f.endDay != nil, f.endKind != nil else { return nil }
        let time = switch f.timeliness ?? .onTime { case .early: 2; case .onTime: 1; case .late: 0 }
        let asked = f.supplementEpisodes.count
        let content = f.rating != 1
        let attitude = content && f.timeliness == .early ? 2 : content && f.timeliness == .onTime ? 1 : 0
        return [time, time, asked == 0 ? 2 : asked == 1 ? 1 : 0, f.channel == 2 ? 2 : 1, complete ? 2 : 1, attitude]
    }

    /// Nil when the unit ended no dossier in the period (nothing to score). `procedures`: the
    /// unit's own (index 9); `published`: the codes of every procedure fully published (index 6,
    /// a property of the procedure, whoever decided the dossier).
    public static func compute(_ s: Statistics, procedures: [CatalogProcedure], published: Set<String>, endedByProcedure: [String: Int64]) -> UnitScore? {
        let n = s.ended
        guard n > 0 else { return nil }
        func avg(_ points: Int64) -> Double { (Double(points) / Double(n) * 10).rounded() / 10 }
        let early = s.flow(.endedEarly), onTime = s.flow(.endedOnTime)
        let one = s.flow(.endedAfterOneSupplement), more = s.flow(.endedAfterSupplements)
        let online = s.flow(.endedOnline)
        let publication = endedByProcedure.reduce(Int64(0)) { $0 + $1.value * (published.contains($1.key) ? 2 : 1) }
        let onlineProcedures = procedures.isEmpty ? 0 : Double(procedures.filter { $0.onlineLevel != .none }.count) / Double(procedures.count)
        let onlineDossiers = s.received == 0 ? 0 : Double(s.flow(.receivedOnline)) / Double(s.received)
        let dvc: Double = onlineProcedures >= 0.2 && onlineDossiers >= 0.3 && s.flow(.endedLate) == 0 ? 2 : onlineDossiers >= 0.15 ? 1 : 0
        let indices = [
            Index(number: 1, name: "Tổng thời gian giải quyết so với quy định", score: avg(2 * early + onTime), note: nil),
            Index(number: 2, name: "Thời gian thực hiện của từng cơ quan so với quy định", score: avg(2 * early + onTime),
                  note: "Tính theo thời gian của cả hồ sơ: thời gian từng bước chưa được tổng hợp"),
            Index(number: 3, name: "Số lần liên hệ để hoàn thiện hồ sơ", score: avg(2 * (n - one - more) + one), note: "Theo số lần yêu cầu bổ sung"),
            Index(number: 4, name: "Số cơ quan phải liên hệ", score: avg(2 * online + (n - online)),
                  note: "Nộp trực tuyến: không phải đến cơ quan nào; trực tiếp, bưu chính: chỉ bộ phận một cửa"),
            Index(number: 5, name: "Tỷ lệ TTHC giải quyết tại bộ phận một cửa", score: 2,
                  note: "Mọi TTHC trên hệ thống đều tiếp nhận và trả kết quả qua bộ phận một cửa"),
            Index(number: 6, name: "Công khai TTHC", score: avg(publication), note: "Đủ bộ phận cấu thành trên danh mục điện tử: 2; thiếu: 1"),
            Index(number: 7, name: "Thái độ của cán bộ", score: avg(2 * s.flow(.endedEarlyContent) + s.flow(.endedOnTimeContent)),
                  note: "Trước hạn và không phản ánh: 2; đúng hạn và không phản ánh: 1; người nộp không hài lòng: 0"),
            Index(number: 8, name: "Tiếp nhận, xử lý phản ánh, kiến nghị đúng hạn", score: 2,
                  note: "Chưa có phản ánh, kiến nghị nào trên hệ thống (chưa có phân hệ PAKN)"),
            Index(number: 9, name: "Cung cấp dịch vụ công trực tuyến", score: dvc,
                  note: String(format: "%.0f%% TTHC trực tuyến, %.0f%% hồ sơ trực tuyến", onlineProcedures * 100, onlineDossiers * 100)),
        ]
        let total = (indices.reduce(0) { $0 + $1.score } * 10).rounded() / 10
        return UnitScore(dossiers: n, indices: indices, total: total, grade: .of(total))
    }
}
