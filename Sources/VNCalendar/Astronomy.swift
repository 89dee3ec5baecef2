import Foundation

/// Full-precision astronomy needed by the Vietnamese lunisolar calendar (thiên văn cho âm lịch).
///
/// Instants are Julian Ephemeris Days (JDE, dynamical time TT) unless a name says `UT`.
/// - True new moon: Meeus, *Astronomical Algorithms* 2nd ed., ch. 49 with every periodic
///   term and the 14 planetary-argument corrections.
/// - Apparent solar longitude: full VSOP87D Earth series (ch. 25 "higher accuracy" method):
///   geometric longitude, FK5 correction, IAU 1980 nutation in longitude (all 63 terms of
///   table 22.A) and annual aberration.
/// - ΔT = TT − UT: the Espenak–Meeus (2006) polynomials.
enum Astronomy {
    /// JDE of J2000.0.
    static let j2000 = 2451545.0

    // MARK: ΔT

    /// ΔT = TT − UT in seconds for a decimal year, by the Espenak–Meeus polynomials
    /// (NASA Five Millennium Canon, valid −1999…+3000; only 1860+ implemented here).
    static func deltaT(decimalYear y: Double) -> Double {
        switch y {
        case ..<1860:
            let u = (y - 1820) / 100
            return -20 + 32 * u * u
        case ..<1900:
            let t = y - 1860
            return 7.62 + 0.5737 * t - 0.251754 * t * t + 0.01680668 * t * t * t
                - 0.0004473624 * pow(t, 4) + pow(t, 5) / 233174
        case ..<1920:
            let t = y - 1900
            return -2.79 + 1.494119 * t - 0.0598939 * t * t + 0.0061966 * t * t * t - 0.000197 * pow(t, 4)
        case ..<1941:
            let t = y - 1920
            return 21.20 + 0.84493 * t - 0.076100 * t * t + 0.0020936 * t * t * t
        case ..<1961:
            let t = y - 1950
            return 29.07 + 0.407 * t - t * t / 233 + t * t * t / 2547
        case ..<1986:
            let t = y - 1975
            return 45.45 + 1.067 * t - t * t / 260 - t * t * t / 718
        case ..<2005:
            let t = y - 2000
            return 63.86 + 0.3345 * t - 0.060374 * t * t + 0.0017275 * t * t * t
                + 0.000651814 * pow(t, 4) + 0.00002373599 * pow(t, 5)
        case ..<2050:
            let t = y - 2000
            return 62.92 + 0.32217 * t + 0.005589 * t * t
        case ..<2150:
            let u = (y - 1820) / 100
            return -20 + 32 * u * u - 0.5628 * (2150 - y)
        default:
            let u = (y - 1820) / 100
            return -20 + 32 * u * u
        }
    }

    /// Converts a JDE (TT) to a Julian Day in UT.
    static func universalTime(fromJDE jde: Double) -> Double {
        let year = 2000 + (jde - j2000) / 365.2425
        return jde - deltaT(decimalYear: year) / 86400
    }

    /// Converts a Julian Day in UT to a JDE (TT).
    static func jde(fromUniversalTime jd: Double) -> Double {
        let year = 2000 + (jd - j2000) / 365.2425
        return jd + deltaT(decimalYear: year) / 86400
    }

    // MARK: Sun

    @inline(__always)
    private static func series(_ terms: [[Double]], _ tau: Double) -> Double {
        var total = 0.0
        var power = 1.0
        for row in terms {
            var sum = 0.0
            var i = 0
            let n = row.count
            row.withUnsafeBufferPointer { p in
                while i < n {
                    sum += p[i] * cos(p[i + 1] + p[i + 2] * tau)
                    i += 3
                }
            }
            total += sum * power
            power *= tau
        }
        return total * 1e-8
    }

    /// The VSOP87D radius series without terms below 1e-7 AU: the radius only enters the
    /// aberration (20.5″/R), where all dropped terms together change λ by < 0.001″.
    private static let radiusSeries: [[Double]] = VSOP87Earth.radius.map { row in
        stride(from: 0, to: row.count, by: 3).filter { abs(row[$0]) >= 10 }.flatMap { row[$0..<($0 + 3)] }
    }

    /// Nutation in longitude Δψ in degrees (IAU 1980, Meeus ch. 22, all 63 terms).
    static func nutationInLongitude(jde: Double) -> Double {
        let t = (jde - j2000) / 36525
        let deg = Double.pi / 180
        let d = (297.85036 + t * (445267.111480 + t * (-0.0019142 + t / 189474))) * deg
        let m = (357.52772 + t * (35999.050340 + t * (-0.0001603 - t / 300000))) * deg
        let mp = (134.96298 + t * (477198.867398 + t * (0.0086972 + t / 56250))) * deg
        let f = (93.27191 + t * (483202.017538 + t * (-0.0036825 + t / 327270))) * deg
        let om = (125.04452 + t * (-1934.136261 + t * (0.0020708 + t / 450000))) * deg
        var sum = 0.0
        for r in NutationTable.longitude {
            let arg = r.0 * d + r.1 * m + r.2 * mp + r.3 * f + r.4 * om
            sum += (r.5 + r.6 * t) * sin(arg)
        }
        return sum * 0.0001 / 3600
    }

    /// Apparent geocentric ecliptic longitude of the Sun in degrees [0, 360),
    /// referred to the true equinox of date (Meeus ch. 25, higher accuracy).
    static func apparentSolarLongitude(jde: Double) -> Double {
        let tau = (jde - j2000) / 365250
        let l = series(VSOP87Earth.longitude, tau)
        let r = series(radiusSeries, tau)
        var theta = l * 180 / Double.pi + 180
        // FK5 correction (the latitude term is below 1e-5″ and omitted).
        theta -= 0.09033 / 3600
        // Nutation and aberration.
        theta += nutationInLongitude(jde: jde)
        theta -= 20.4898 / 3600 / r
        theta = theta.truncatingRemainder(dividingBy: 360)
        return theta < 0 ? theta + 360 : theta
    }

    /// The JDE (TT) at which the Sun's apparent longitude equals `longitude` degrees,
    /// nearest to `guess` (within about ±20 days). Solved by secant iteration to ~0.01 s.
    static func solarLongitudeInstant(_ longitude: Double, near guess: Double) -> Double {
        func f(_ t: Double) -> Double {
            var d = apparentSolarLongitude(jde: t) - longitude
            d = d.truncatingRemainder(dividingBy: 360)
            if d > 180 { d -= 360 } else if d < -180 { d += 360 }
            return d
        }
        var t0 = guess
        var f0 = f(t0)
        var t1 = t0 - f0 / 0.9856
        var f1 = f(t1)
        for _ in 0..<20 {
            if abs(t1 - t0) < 1e-7 || f1 == f0 { break }
            let t2 = t1 - f1 * (t1 - t0) / (f1 - f0)
            t0 = t1; f0 = f1
            t1 = t2; f1 = f(t1)
        }
        return t1
    }

    /// The JDE (TT) of the solar term at `longitude` (a multiple of 15°) in Gregorian `year`.
    static func solarTerm(longitude: Double, year: Int) -> Double {
        // Mean March equinox of the year, then the mean motion of the Sun.
        let equinox = 2451623.80984 + 365.242374 * Double(year - 2000)
        let guess = equinox + longitude / 360 * 365.242374
        return solarLongitudeInstant(longitude, near: guess)
    }

    // MARK: Moon

    /// JDE (TT) of the true new moon number `k` (k = 0 is the new moon of 2000-01-06),
    /// Meeus ch. 49 with all periodic terms and the additional planetary corrections.
    static func newMoon(_ k: Int) -> Double {
        let k = Double(k)
        let t = k / 1236.85
        let t2 = t * t
        var jde = 2451550.09766 + 29.530588861 * k
            + t2 * (0.00015437 + t * (-0.000000150 + t * 0.00000000073))
        let deg = Double.pi / 180
        let e = 1 - t * (0.002516 + 0.0000074 * t)
        let m = (2.5534 + 29.10535670 * k - t2 * (0.0000014 + 0.00000011 * t)) * deg
        let mp = (201.5643 + 385.81693528 * k + t2 * (0.0107582 + t * (0.00001238 - 0.000000058 * t))) * deg
        let f = (160.7108 + 390.67050284 * k - t2 * (0.0016118 + t * (0.00000227 - 0.000000011 * t))) * deg
        let om = (124.7746 - 1.56375588 * k + t2 * (0.0020672 + 0.00000215 * t)) * deg
        var c = -0.40720 * sin(mp)
        c += 0.17241 * e * sin(m)
        c += 0.01608 * sin(2 * mp)
        c += 0.01039 * sin(2 * f)
        c += 0.00739 * e * sin(mp - m)
        c -= 0.00514 * e * sin(mp + m)
        c += 0.00208 * e * e * sin(2 * m)
        c -= 0.00111 * sin(mp - 2 * f)
        c -= 0.00057 * sin(mp + 2 * f)
        c += 0.00056 * e * sin(2 * mp + m)
        c -= 0.00042 * sin(3 * mp)
        c += 0.00042 * e * sin(m + 2 * f)
        c += 0.00038 * e * sin(m - 2 * f)
        c -= 0.00024 * e * sin(2 * mp - m)
        c -= 0.00017 * sin(om)
        c -= 0.00007 * sin(mp + 2 * m)
        c += 0.00004 * sin(2 * mp - 2 * f)
        c += 0.00004 * sin(3 * m)
        c += 0.00003 * sin(mp + m - 2 * f)
        c += 0.00003 * sin(2 * mp + 2 * f)
        c -= 0.00003 * sin(mp + m + 2 * f)
        c += 0.00003 * sin(mp - m + 2 * f)
        c -= 0.00002 * sin(mp - m - 2 * f)
        c -= 0.00002 * sin(3 * mp + m)
        c += 0.00002 * sin(4 * mp)
        // Additional corrections from the planetary arguments A1…A14.
        let a: [(Double, Double, Double)] = [
            (299.77, 0.107408, 0.000325), (251.88, 0.016321, 0.000165),
            (251.83, 26.651886, 0.000164), (349.42, 36.412478, 0.000126),
            (84.66, 18.206239, 0.000110), (141.74, 53.303771, 0.000062),
            (207.14, 2.453732, 0.000060), (154.84, 7.306860, 0.000056),
            (34.52, 27.261239, 0.000047), (207.19, 0.121824, 0.000042),
            (291.34, 1.844379, 0.000040), (161.72, 24.198154, 0.000037),
            (239.56, 25.513099, 0.000035), (331.55, 3.592518, 0.000023),
        ]
        var planetary = 0.0
        for (i, term) in a.enumerated() {
            var arg = term.0 + term.1 * k
            if i == 0 { arg -= 0.009173 * t2 }
            planetary += term.2 * sin(arg * deg)
        }
        jde += c + planetary
        return jde
    }
}
