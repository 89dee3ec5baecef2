import Identity
import Testing

@Suite("Identity numbers")
struct IdentityNumberTests {
    @Test func cccd() {
        #expect(IdentityNumber.cccdProblem("025090000001", currentYear: 2026) == nil)
        #expect(IdentityNumber.cccdProblem("001305012345", currentYear: 2026) == nil)  // female, born 2005
        #expect(IdentityNumber.cccdProblem("12345", currentYear: 2026) == .wrongLength)
        #expect(IdentityNumber.cccdProblem("02509000000a", currentYear: 2026) == .notDigits)
        #expect(IdentityNumber.cccdProblem("003090000001", currentYear: 2026) == .unknownProvince)  // 003 is no province
        #expect(IdentityNumber.cccdProblem("025590000001", currentYear: 2026) == .badCentury)
        #expect(IdentityNumber.cccdProblem("025290000001", currentYear: 2026) == .futureBirthYear)  // 2090
    }

    @Test func taxCode() {
        #expect(IdentityNumber.taxCodeProblem("0100112437") == nil)
        #expect(IdentityNumber.taxCodeProblem("0101248141") == nil)
        #expect(IdentityNumber.taxCodeProblem("0101248141-001") == nil)
        #expect(IdentityNumber.taxCodeProblem("0100112438") == .badChecksum)
        #expect(IdentityNumber.taxCodeProblem("01001124") == .wrongLength)
        #expect(IdentityNumber.normalized("0101248141001") == "0101248141-001")
        #expect(IdentityNumber.normalized(" 025 090 000 001 ") == "025090000001")
    }
}
