#!/usr/bin/env python3
"""Print the expected QR matrices used by Tests/AppTests/QRCodeTests.swift.

Usage:  pip install qrcode segno
        python3 scripts/make-qr-vectors.py > /tmp/vectors.swift
and paste the output over the `vectors` array in QRCodeTests.swift.

The reference is python-qrcode (PyPI `qrcode`, checked with 8.2), an encoder written
independently of ours. Each vector is forced to byte mode and to the mask pattern our
encoder picks (the `mask` column): mask choice may legitimately differ between encoders,
because the penalty rules leave room for interpretation (python-qrcode scores the masks
with the format information left blank; we score the finished symbol). The version is
NOT forced: the script checks that python-qrcode picks the same smallest version.

segno (1.6.6) is used as a second check of the function patterns, format and version
information only: its data codewords differ, because it appends a spurious 0x00 codeword
when the bit stream already ends on a codeword boundary (heuer/segno issue #148), which in
byte mode is always. Decoders read both symbols the same.
"""
import sys

import qrcode
import segno
from qrcode.util import QRData, MODE_8BIT_BYTE

BASE = "https://dichvucong.phutho.gov.vn/tra-cuu?ma=H42.30-260310-0007"
TAIL = "&lang=vi&nguon=bien-nhan&ky=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

# name, text, level, version our encoder picks, mask our encoder picks
VECTORS = [
    ("helloWorld", "HELLO WORLD", "M", 1, 4),
    ("dossierURL", BASE, "M", 4, 2),  # 62 bytes: exactly fills version 4-M, no pad codewords
    ("url100", (BASE + TAIL)[:100], "L", 5, 7),
    ("url120", (BASE + TAIL)[:120], "M", 7, 2),  # version 7: version information present
]

LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


def reference(text, level, version=None, mask=None):
    q = qrcode.QRCode(version=version, error_correction=LEVELS[level], mask_pattern=mask, border=0)
    q.add_data(QRData(text.encode("utf-8"), mode=MODE_8BIT_BYTE))
    q.make(fit=version is None)
    return q


def rows(matrix):
    return ["".join("1" if m else "0" for m in row) for row in matrix]


def non_data(size, version):
    """Function patterns, format and version information (everything but codewords)."""
    centres = {2: [6, 18], 3: [6, 22], 4: [6, 26], 5: [6, 30], 6: [6, 34], 7: [6, 22, 38]}.get(version, [])
    out = set()
    for y in range(size):
        for x in range(size):
            if x == 6 or y == 6 or (x < 9 and y < 9) or (x >= size - 8 and y < 9) or (x < 9 and y >= size - 8):
                out.add((x, y))
    for cy in centres:
        for cx in centres:
            if (cx, cy) in ((6, 6), (6, centres[-1]), (centres[-1], 6)):
                continue
            out |= {(cx + dx, cy + dy) for dx in range(-2, 3) for dy in range(-2, 3)}
    if version >= 7:
        for i in range(18):
            out |= {(size - 11 + i % 3, i // 3), (i // 3, size - 11 + i % 3)}
    return out


def swift_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    out = ["    static let vectors: [Vector] = ["]
    for name, text, level, version, mask in VECTORS:
        auto = reference(text, level)
        if auto.version != version:
            sys.exit(f"{name}: python-qrcode picks version {auto.version}, table says {version}")
        expected = rows(reference(text, level, version, mask).get_matrix())
        seg = rows(segno.make(text, error=level, mode="byte", version=version, mask=mask,
                              boost_error=False, micro=False).matrix)
        size = len(expected)
        for (x, y) in non_data(size, version):
            if expected[y][x] != seg[y][x]:
                sys.exit(f"{name}: python-qrcode and segno differ at function module ({x}, {y})")
        out.append("        Vector(")
        out.append(f"            name: {swift_string(name)}, text: {swift_string(text)},")
        out.append(f"            correction: .{dict(L='low', M='medium', Q='quartile', H='high')[level]}, "
                   f"version: {version}, mask: {mask},")
        out.append("            rows: [")
        out.extend(f'                "{r}",' for r in expected)
        out.append("            ]),")
    out.append("    ]")
    print("\n".join(out))


if __name__ == "__main__":
    main()
