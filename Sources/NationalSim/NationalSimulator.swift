import Foundation
import Kernel
import Vapor

/// Mô phỏng hệ thống quốc gia: realistic test data behind the API shapes of the national
/// databases the one-stop consults — population (CSDLQG về dân cư), business registration,
/// civil status and judicial records — since the real ones are not reachable outside the
/// government network. Records are derived from the identifier itself (same number, same
/// person), so no data set is shipped; a few fixed records match the demo's accounts.
public struct NationalSimulator: RouteCollection, Sendable {
    /// Fixed records: the demo citizen, so that the prefilled form matches the account.
    public static let fixedCitizens: [String: Citizen] = [
        "025090000001": Citizen(SoDinhDanh: "025090000001", HoVaTen: "Nguyễn Văn An", NgaySinh: "1990-05-14", GioiTinh: "Nam",
                                QuocTich: "Việt Nam", DanToc: "Kinh", QueQuan: "Xã Phù Ninh, tỉnh Phú Thọ",
                                NoiThuongTru: "Phường Việt Trì, tỉnh Phú Thọ", SoDienThoai: "0912000001", TinhTrangHonNhan: "Đã kết hôn"),
    ]

    public init() {}

    public func boot(routes: any RoutesBuilder) throws {
        routes.get("dan-cu", "cong-dan", ":id", use: citizen)
        routes.get("dang-ky-kinh-doanh", "doanh-nghiep", ":taxCode", use: business)
        routes.get("ho-tich", "khai-sinh", ":id", use: birth)
        routes.get("ly-lich-tu-phap", ":id", use: judicialRecord)
    }

    public struct Citizen: Content, Sendable, Equatable {
        public var SoDinhDanh: String
        public var HoVaTen: String
        public var NgaySinh: String
        public var GioiTinh: String
        public var QuocTich: String
        public var DanToc: String
        public var QueQuan: String
        public var NoiThuongTru: String
        public var SoDienThoai: String
        public var TinhTrangHonNhan: String
    }

    public struct Business: Content, Sendable {
        public var MaSoDoanhNghiep: String
        public var TenDoanhNghiep: String
        public var LoaiHinh: String
        public var NgayThanhLap: String
        public var DiaChiTruSo: String
        public var NguoiDaiDienTheoPhapLuat: String
        public var TinhTrang: String
        public var VonDieuLe: Int
    }

    struct Birth: Content {
        var SoDinhDanh: String
        var HoVaTen: String
        var NgaySinh: String
        var NoiDangKy: String
        var SoDangKy: String
        var HoTenCha: String
        var HoTenMe: String
    }

    struct JudicialRecord: Content {
        var SoDinhDanh: String
        var HoVaTen: String
        var TinhTrangAnTich: String
        var CamDamNhiemChucVu: String
        var NgayCap: String
    }

    struct Problem: Content { var type: String; var message: String }

    /// Birth provinces of the first three digits of a CCCD (Thông tư 59/2021/TT-BCA), those the demo meets.
    static let provinces: [String: String] = [
        "001": "Hà Nội", "017": "Hoà Bình", "025": "Phú Thọ", "026": "Vĩnh Phúc", "031": "Hải Phòng", "038": "Thanh Hoá",
        "040": "Nghệ An", "048": "Đà Nẵng", "079": "Thành phố Hồ Chí Minh", "092": "Cần Thơ",
    ]
    static let surnames = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
    static let maleMiddle = ["Văn", "Hữu", "Đức", "Minh", "Quang", "Thành"], femaleMiddle = ["Thị", "Thu", "Ngọc", "Thanh", "Minh", "Phương"]
    static let maleGiven = ["An", "Bình", "Dũng", "Hải", "Hùng", "Long", "Nam", "Quân", "Sơn", "Tuấn", "Khánh", "Phúc"]
    static let femaleGiven = ["Chi", "Hà", "Hoa", "Lan", "Linh", "Mai", "Phương", "Trang", "Yến", "Hương", "Thảo", "Ngân"]
    static let communes = ["Phường Việt Trì", "Phường Phú Thọ", "Xã Phù Ninh", "Xã Lâm Thao", "Xã Thanh Ba", "Phường Hoà Bình", "Phường Vĩnh Yên"]

    /// The person a CCCD number stands for, or why there is none.
    public static func citizen(_ id: String) -> Result<Citizen, Abort> {
        guard id.count == 12, id.allSatisfy(\.isASCIIDigitCharacter) else { return .failure(Abort(.badRequest, reason: "Số định danh cá nhân gồm 12 chữ số.")) }
        if let fixed = fixedCitizens[id] { return .success(fixed) }
        let digits = Array(id)
        guard let province = provinces[String(digits[0..<3])], let g = digits[3].wholeNumberValue, g <= 3 else {
            return .failure(Abort(.notFound, reason: "Không tìm thấy công dân có số định danh \(id)."))
        }
        var rng = SeededRandom(seed: UInt64(id)!)
        let female = g % 2 == 1
        let year = (g < 2 ? 1900 : 2000) + Int(String(digits[4...5]))!
        let name = [surnames.randomElement(using: &rng)!, (female ? femaleMiddle : maleMiddle).randomElement(using: &rng)!,
                    (female ? femaleGiven : maleGiven).randomElement(using: &rng)!].joined(separator: " ")
        let month = Int(rng.next() % 12) + 1, day = Int(rng.next() % 28) + 1
        return .success(Citizen(SoDinhDanh: id, HoVaTen: name, NgaySinh: String(format: "%04d-%02d-%02d", year, month, day), GioiTinh: female ? "Nữ" : "Nam",
                                QuocTich: "Việt Nam", DanToc: "Kinh", QueQuan: province,
                                NoiThuongTru: "\(communes.randomElement(using: &rng)!), tỉnh Phú Thọ",
                                SoDienThoai: "09" + String(format: "%08d", Int(rng.next() % 100_000_000)),
                                TinhTrangHonNhan: year > 2000 ? "Chưa kết hôn" : ["Đã kết hôn", "Chưa kết hôn"].randomElement(using: &rng)!))
    }

    @Sendable func citizen(_ req: Request) async throws -> Response {
        try Self.answer(Self.citizen(req.parameters.get("id") ?? ""))
    }

    @Sendable func business(_ req: Request) async throws -> Response {
        let code = req.parameters.get("taxCode") ?? ""
        guard [10, 13].contains(code.count) || (code.count == 14 && code.dropFirst(10).first == "-"),
              code.allSatisfy({ $0.isASCIIDigitCharacter || $0 == "-" }) else {
            return try Self.answer(.failure(Abort(.badRequest, reason: "Mã số doanh nghiệp gồm 10 chữ số (hoặc 13, đơn vị phụ thuộc).")) as Result<Business, Abort>)
        }
        var rng = SeededRandom(seed: UInt64(code.filter(\.isASCIIDigitCharacter))!)
        let trade = ["Thương mại Hùng Vương", "Xây dựng Đất Tổ", "Nông sản Phú Thọ", "Du lịch Đền Hùng", "Chè Thanh Sơn", "Vận tải Việt Trì"]
        let kind = ["Công ty TNHH một thành viên", "Công ty TNHH hai thành viên trở lên", "Công ty cổ phần"].randomElement(using: &rng)!
        guard case .success(let owner) = Self.citizen("0250" + String(format: "%02d", Int(rng.next() % 40) + 60) + String(format: "%06d", Int(rng.next() % 1_000_000)))
        else { throw Abort(.internalServerError) }
        return try Self.answer(.success(Business(
            MaSoDoanhNghiep: code, TenDoanhNghiep: "\(kind) \(trade.randomElement(using: &rng)!)", LoaiHinh: kind,
            NgayThanhLap: String(format: "%04d-%02d-%02d", 2005 + Int(rng.next() % 20), Int(rng.next() % 12) + 1, Int(rng.next() % 28) + 1),
            DiaChiTruSo: "\(Self.communes.randomElement(using: &rng)!), tỉnh Phú Thọ", NguoiDaiDienTheoPhapLuat: owner.HoVaTen,
            TinhTrang: rng.next() % 10 == 0 ? "Tạm ngừng kinh doanh" : "Đang hoạt động", VonDieuLe: Int(rng.next() % 500 + 1) * 100_000_000)) as Result<Business, Abort>)
    }

    @Sendable func birth(_ req: Request) async throws -> Response {
        try Self.answer(Self.citizen(req.parameters.get("id") ?? "").map { c in
            var rng = SeededRandom(seed: UInt64(c.SoDinhDanh)! &+ 1)
            let father = [c.HoVaTen.split(separator: " ").first.map(String.init) ?? "Nguyễn", Self.maleMiddle.randomElement(using: &rng)!,
                          Self.maleGiven.randomElement(using: &rng)!].joined(separator: " ")
            let mother = [Self.surnames.randomElement(using: &rng)!, "Thị", Self.femaleGiven.randomElement(using: &rng)!].joined(separator: " ")
            return Birth(SoDinhDanh: c.SoDinhDanh, HoVaTen: c.HoVaTen, NgaySinh: c.NgaySinh, NoiDangKy: "UBND \(c.QueQuan)",
                         SoDangKy: "\(Int(rng.next() % 300) + 1)/\(c.NgaySinh.prefix(4))", HoTenCha: father, HoTenMe: mother)
        })
    }

    @Sendable func judicialRecord(_ req: Request) async throws -> Response {
        try Self.answer(Self.citizen(req.parameters.get("id") ?? "").map { c in
            let clean = (UInt64(c.SoDinhDanh)! % 50) != 7
            return JudicialRecord(SoDinhDanh: c.SoDinhDanh, HoVaTen: c.HoVaTen, TinhTrangAnTich: clean ? "Không có án tích" : "Có án tích (đã được xoá)",
                                  CamDamNhiemChucVu: "Không bị cấm", NgayCap: VietnamTime.isoDay(VietnamTime.dayNumber(req.application.clock.now())))
        })
    }

    static func answer<T: Content>(_ result: Result<T, Abort>) throws -> Response {
        let (status, data): (HTTPResponseStatus, Data)
        switch result {
        case .success(let value): (status, data) = (.ok, try JSONEncoder().encode(value))
        case .failure(let e): (status, data) = (e.status, try JSONEncoder().encode(Problem(type: e.status == .notFound ? "not-found" : "bad-request", message: e.reason)))
        }
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: status, headers: headers, body: .init(data: data))
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
