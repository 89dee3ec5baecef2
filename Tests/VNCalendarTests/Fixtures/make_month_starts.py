#!/usr/bin/env python3
"""Independent reference for the Vietnamese lunisolar calendar, 1900-2199.

Writes month-starts-1900-2199.txt next to this script: one line per lunar month,
    <gregorian date of day 1> <lunar year> <month> <leap 0/1>
for every month whose first day lies in 1899-12-01 ... 2200-01-31.

Astronomy comes from PyEphem (`pip install ephem`), whose libastro uses the full
VSOP87 planetary theory for the Sun and its own lunar theory; it shares no code or
data path with the Swift implementation (Meeus ch. 49 + VSOP87D). Only ΔT is
aligned: PyEphem works in UT with its own ΔT model, so every instant is moved to
TT with ephem.delta_t() and back to UT with the Espenak-Meeus polynomials, the
ΔT convention of the Swift module (ΔT after ~2020 is a prediction, not a fact).

Calendar rules (official Vietnamese calendar):
  * civil day in UTC+8 for instants before 1968-01-01 00:00 (UTC+8), UTC+7 after;
  * a month starts on the civil day containing the new moon;
  * month 11 contains the winter solstice (civil day);
  * a sui (month 11 to next month 11) of 13 months gets a leap month at the first
    month with no major solar term (longitude multiple of 30 deg) on any of its days.
Run:  python3 make_month_starts.py
"""
import math
import os

import ephem


def delta_t_em(y):
    """Espenak-Meeus (2006) polynomial for ΔT in seconds, decimal year y."""
    if y < 1900:
        t = y - 1860
        return 7.62 + 0.5737*t - 0.251754*t**2 + 0.01680668*t**3 - 0.0004473624*t**4 + t**5/233174
    if y < 1920:
        t = y - 1900
        return -2.79 + 1.494119*t - 0.0598939*t**2 + 0.0061966*t**3 - 0.000197*t**4
    if y < 1941:
        t = y - 1920
        return 21.20 + 0.84493*t - 0.076100*t**2 + 0.0020936*t**3
    if y < 1961:
        t = y - 1950
        return 29.07 + 0.407*t - t**2/233 + t**3/2547
    if y < 1986:
        t = y - 1975
        return 45.45 + 1.067*t - t**2/260 - t**3/718
    if y < 2005:
        t = y - 2000
        return 63.86 + 0.3345*t - 0.060374*t**2 + 0.0017275*t**3 + 0.000651814*t**4 + 0.00002373599*t**5
    if y < 2050:
        t = y - 2000
        return 62.92 + 0.32217*t + 0.005589*t**2
    u = (y - 1820) / 100
    if y < 2150:
        return -20 + 32*u*u - 0.5628*(2150 - y)
    return -20 + 32*u*u


J2000 = ephem.Date('2000/1/1 12:00')  # ephem dates are Dublin JD (days)


def to_our_ut(d):
    """ephem UT date -> UT under the Espenak-Meeus ΔT (as ephem.Date float)."""
    tt = d + ephem.delta_t(d) / 86400.0
    year = 2000 + (tt - J2000) / 365.2425
    return tt - delta_t_em(year) / 86400.0


SWITCH = ephem.Date('1967/12/31 16:00')  # 1968-01-01 00:00 UTC+8


def civil_day(d):
    """Our-UT instant -> ordinal of the civil day in the official time zone."""
    offset = 8 if d < SWITCH else 7
    local = ephem.Date(d + offset / 24.0)
    y, m, dd = local.tuple()[:3]
    return (y, m, int(dd))


def ordinal(ymd):
    import datetime
    return datetime.date(*ymd).toordinal()


def sun_lon(d):
    s = ephem.Sun()
    s.compute(d)
    return math.degrees(float(ephem.Ecliptic(ephem.Equatorial(s.g_ra, s.g_dec, epoch=d), epoch=d).lon))


def term_instant(target, guess):
    """ephem UT instant where the apparent solar longitude equals target (deg)."""
    def f(t):
        x = (sun_lon(ephem.Date(t)) - target + 180) % 360 - 180
        return x
    lo, hi = guess - 20, guess + 20
    flo = f(lo)
    for _ in range(60):
        mid = (lo + hi) / 2
        fm = f(mid)
        if (fm < 0) == (flo < 0):
            lo, flo = mid, fm
        else:
            hi = mid
    return ephem.Date((lo + hi) / 2)


def main():
    # New moons.
    new_moons = []
    d = ephem.Date('1898/10/1')
    while d < ephem.Date('2202/2/1'):
        d = ephem.next_new_moon(d)
        new_moons.append(ordinal(civil_day(to_our_ut(d))))
        d = ephem.Date(d + 1)
    # Major solar terms (every 30 deg), with their civil days.
    major = {}
    for year in range(1898, 2203):
        equinox = ephem.Date('%d/3/20 12:00' % year)
        for i in range(12):
            lon = (i * 30) % 360
            guess = equinox + lon / 360.0 * 365.2422
            major[(year, lon)] = ordinal(civil_day(to_our_ut(term_instant(lon, guess))))
    major_days = sorted(major.values())

    def month11(year):
        ws = major[(year, 270)]
        for i in range(len(new_moons) - 1):
            if new_moons[i] <= ws < new_moons[i + 1]:
                return i
        raise RuntimeError(year)

    rows = []
    for year in range(1898, 2201):
        a, b = month11(year), month11(year + 1)
        count = b - a
        leap_index = None
        if count == 13:
            for i in range(a + 1, b):
                start, end = new_moons[i], new_moons[i + 1]
                if not any(start <= t < end for t in major_days):
                    leap_index = i
                    break
            assert leap_index is not None
        else:
            assert count == 12, (year, count)
        month, lunar_year = 11, year
        for i in range(a, b):
            leap = i == leap_index
            if i > a and not leap:
                month += 1
                if month == 13:
                    month, lunar_year = 1, year + 1
            rows.append((new_moons[i], lunar_year, month, 1 if leap else 0))

    import datetime
    lo = datetime.date(1899, 12, 1).toordinal()
    hi = datetime.date(2200, 1, 31).toordinal()
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'month-starts-1900-2199.txt')
    with open(out, 'w') as fh:
        fh.write('# Vietnamese lunar month starts (PyEphem %s reference, see make_month_starts.py)\n' % ephem.__version__)
        fh.write('# gregorian-day-1 lunar-year month leap\n')
        for day, ly, m, leap in rows:
            if lo <= day <= hi:
                fh.write('%s %d %d %d\n' % (datetime.date.fromordinal(day).isoformat(), ly, m, leap))


if __name__ == '__main__':
    main()
