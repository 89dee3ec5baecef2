import Foundation

/// The service index of QĐ 766/QĐ-TTg (Bộ chỉ số chỉ đạo, điều hành và đánh giá chất lượng phục vụ
/// người dân, doanh nghiệp), as the national portal's scoreboard scores it: six groups,
/// 18/20/12/10/22/18 = 100 points (research notes §6). Computed from the same statistics the
/// officials see, for any period and any group of agencies.
public struct ServiceIndex: Sendable, Codable {
    public struct Indicator: Sendable, Codable {
        /// As numbered in the decision: "2.1".
        public var id: String
        public var group: Int
        public var name: String
        public var formula: String
        public var numerator: Int64?
        public var denominator: Int64?
        /// 0…1, rounded to 4 decimals (2 in percent); nil when the denominator is 0 or nothing is measured.
        public var rate: Double?
        /// Above it the indicator earns every point; below, points = rate × max ÷ target.
        public var target: Double?
        public var maxPoints: Double
        public var points: Double
        /// Why it is not measured, when it is not.
        public var unmeasured: String?
        /// The drill-down figure whose dossiers cost points, when there is one.
        public var lossFigure: String?

        /// Points still to be won: the gap to the target.
        public var gap: Double { maxPoints - points }
    }

    public static let groups: [(Int, String, Double)] = [
        (1, "Công khai, minh bạch", 18), (2, "Tiến độ giải quyết", 20), (3, "Dịch vụ công trực tuyến", 12),
        (4, "Thanh toán trực tuyến", 10), (5, "Số hóa hồ sơ", 22), (6, "Mức độ hài lòng", 18),
    ]

    public var indicators: [Indicator]
    public var total: Double { (indicators.reduce(0) { $0 + $1.points } * 100).rounded() / 100 }
    public var measuredMax: Double { indicators.filter { $0.unmeasured == nil }.reduce(0) { $0 + $1.maxPoints } }

    public func points(group: Int) -> Double {
        (indicators.filter { $0.group == group }.reduce(0) { $0 + $1.points } * 100).rounded() / 100
    }

    /// The index of the dossiers in `table` (already filtered to the unit) and the unit's procedures.
    public static func compute(_ table: StatisticsTable, procedures: [CatalogProcedure]) -> ServiceIndex {
        let s = table.total
        let byProcedure = table.byProcedure
        let catalog = Dictionary(procedures.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        func sum(_ where: (CatalogProcedure) -> Bool, _ value: (Statistics) -> Int64) -> Int64 {
            byProcedure.reduce(0) { acc, e in catalog[e.key].map(`where`) == true ? acc + value(e.value) : acc }
        }
        func withDossiers(_ where: (CatalogProcedure) -> Bool, _ value: (Statistics) -> Int64) -> Int64 {
            Int64(procedures.filter { p in `where`(p) && (byProcedure[p.code].map(value) ?? 0) > 0 }.count)
        }
        let fullEligible: (CatalogProcedure) -> Bool = { $0.onlineLevel == .full }
        let feed: (CatalogProcedure) -> Bool = { $0.hasFees }
        let ended = s.ended
        let onTimeEnded = s.flow(.endedEarly) + s.flow(.endedOnTime)

        var list: [Indicator] = []
        func add(_ id: String, _ group: Int, _ name: String, _ formula: String, _ num: Int64?, _ den: Int64?, target: Double? = nil,
                 max: Double, unmeasured: String? = nil, loss: String? = nil, rate override: Double? = nil) {
            var rate: Double? = override
            if rate == nil, unmeasured == nil, let num, let den, den > 0 { rate = Double(num) / Double(den) }
            rate = rate.map { ($0 * 10_000).rounded() / 10_000 }
            var points = 0.0
            if let rate {
                points = target.map { rate >= $0 ? max : rate * max / $0 } ?? rate * max
                points = (Swift.max(0, Swift.min(max, points)) * 100).rounded() / 100
            }
            list.append(Indicator(id: id, group: group, name: name, formula: formula, numerator: unmeasured == nil ? num : nil,
                                  denominator: unmeasured == nil ? den : nil, rate: rate, target: target, maxPoints: max, points: points,
                                  unmeasured: unmeasured ?? (rate == nil ? "Không có hồ sơ hoặc thủ tục để tính (mẫu số bằng 0)" : nil),
                                  lossFigure: loss))
        }
        let noPublication = "Danh mục chưa ghi ngày quyết định công bố và ngày công khai trên CSDL quốc gia"
        add("1.1", 1, "TTHC được công bố đúng hạn", "TTHC công bố đúng hạn / TTHC công bố trong kỳ", nil, nil, max: 6, unmeasured: noPublication)
        add("1.2", 1, "TTHC được cập nhật, công khai đúng hạn trên CSDL quốc gia", "TTHC công khai trong 5 ngày làm việc / TTHC phải công khai",
            nil, nil, max: 4, unmeasured: noPublication)
        add("1.3", 1, "TTHC công khai đầy đủ bộ phận cấu thành", "TTHC đủ tên, trình tự, cách thức, thành phần, thời hạn, đối tượng, cơ quan / TTHC công khai",
            Int64(procedures.filter(\.complete).count), Int64(procedures.count), max: 2)
        add("1.4", 1, "Hồ sơ đồng bộ lên Cổng DVC quốc gia", "Hồ sơ đã đồng bộ / hồ sơ tiếp nhận", nil, nil, max: 6,
            unmeasured: "Chưa tính: trạng thái đồng bộ chưa được đưa vào số liệu tổng hợp")

        add("2.1", 2, "Hồ sơ xử lý trước hạn, đúng hạn",
            "(Hồ sơ kết thúc trước hạn, đúng hạn + hồ sơ đang xử lý trong hạn cuối kỳ) / (hồ sơ kết thúc trong kỳ + hồ sơ đang xử lý cuối kỳ)",
            onTimeEnded + s.notYetDueAtEnd, ended + s.openAtEnd, max: 20, loss: "late")

        add("3.3", 3, "Hồ sơ trực tuyến toàn trình", "Hồ sơ trực tuyến toàn trình / hồ sơ của TTHC đủ điều kiện toàn trình",
            sum(fullEligible) { $0.flow(.onlineFull) }, sum(fullEligible) { $0.received }, max: 12, loss: "not-online")
        add("3.1", 3, "TTHC cung cấp dịch vụ công trực tuyến", "TTHC trực tuyến (một phần, toàn trình) / TTHC thuộc thẩm quyền",
            Int64(procedures.filter { $0.onlineLevel != .none }.count), Int64(procedures.count), target: 0.8, max: 0)
        add("3.2", 3, "Dịch vụ công trực tuyến có phát sinh hồ sơ", "DVCTT có ít nhất 1 hồ sơ trực tuyến / DVCTT",
            withDossiers({ $0.onlineLevel != .none }) { $0.flow(.receivedOnline) }, Int64(procedures.filter { $0.onlineLevel != .none }.count), max: 0)

        add("3.5", 4, "TTHC có nghĩa vụ tài chính được tích hợp thanh toán", "TTHC có phí có hồ sơ ghi nhận phí / TTHC có phí",
            withDossiers(feed) { $0.flow(.withFees) }, Int64(procedures.filter(feed).count), target: 0.8, max: 2)
        add("3.5b", 4, "TTHC có giao dịch thanh toán trực tuyến", "TTHC có phí có hồ sơ thanh toán trực tuyến / TTHC có phí",
            withDossiers(feed) { $0.flow(.paidOnline) }, Int64(procedures.filter(feed).count), max: 2)
        add("3.6", 4, "Hồ sơ thanh toán trực tuyến", "Hồ sơ thanh toán trực tuyến / hồ sơ có nghĩa vụ tài chính",
            s.flow(.paidOnline), s.flow(.withFees), max: 6, loss: "unpaid-online")

        add("4.1", 5, "Hồ sơ có kết quả điện tử", "Hồ sơ giải quyết có kết quả điện tử / hồ sơ giải quyết có kết quả",
            s.flow(.electronicResult), s.flow(.granted), max: 6, loss: "no-eresult")
        add("4.2", 5, "Hồ sơ thực hiện số hóa", "Hồ sơ có thành phần số hóa (và kết quả điện tử) / hồ sơ tiếp nhận",
            s.flow(.digitised), s.received, target: 0.8, max: 4, loss: "not-digitised")
        add("4.2b", 5, "Dịch vụ chứng thực bản sao điện tử từ bản chính", "—", nil, nil, max: 2,
            unmeasured: "Chưa có dịch vụ chứng thực điện tử trong hệ thống")
        add("4.3", 5, "Khai thác, sử dụng lại dữ liệu số hóa", "Hồ sơ có thành phần được tái sử dụng / hồ sơ tiếp nhận",
            s.flow(.reused), s.received, target: 0.8, max: 2, loss: "not-reused")
        add("4.4", 5, "Hồ sơ số hóa kết nối, chia sẻ để tái sử dụng", "Hồ sơ lấy giấy tờ từ Kho hoặc có kết quả đưa vào Kho / hồ sơ tiếp nhận",
            s.flow(.personalStore), s.received, max: 4)
        add("4.5a", 5, "TTHC kết nối dữ liệu dân cư", "TTHC có hồ sơ xác thực VNeID / TTHC có hồ sơ",
            withDossiers({ _ in true }) { $0.flow(.vneid) }, withDossiers({ _ in true }) { $0.received }, max: 2)
        add("4.5b", 5, "Hồ sơ sử dụng dữ liệu CSDL dân cư", "Hồ sơ xác thực VNeID / hồ sơ tiếp nhận", s.flow(.vneid), s.received, max: 2)

        let feedback = "Chưa có phân hệ phản ánh, kiến nghị (PAKN)"
        add("5.2", 6, "PAKN được xử lý đúng hạn", "PAKN xử lý đúng hạn / PAKN tiếp nhận", nil, nil, max: 6, unmeasured: feedback)
        add("5.3", 6, "Hài lòng về xử lý PAKN", "PAKN được hài lòng / PAKN tiếp nhận", nil, nil, max: 6, unmeasured: feedback)
        // 100% − (late rate + dislike rate); late among the dossiers ended, dislikes among those received.
        let lateRate = ended == 0 ? nil : Double(s.flow(.endedLate)) / Double(ended)
        let dislikeRate = s.received == 0 ? nil : Double(s.flow(.ratedUnsatisfied)) / Double(s.received)
        let satisfaction = lateRate.map { late in Swift.max(0, 1 - late - (dislikeRate ?? 0)) }
        add("5.4", 6, "Hài lòng trong tiếp nhận, giải quyết TTHC", "100% − (tỷ lệ hồ sơ trễ hạn + tỷ lệ hồ sơ không hài lòng)",
            nil, nil, target: 0.9, max: 6, loss: "unsatisfied", rate: satisfaction)
        return ServiceIndex(indicators: list)
    }
}
