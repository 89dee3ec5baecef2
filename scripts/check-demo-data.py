#!/usr/bin/env python3
"""Validate the demo reference data (fields, agencies, procedures).

Usage: python3 scripts/check-demo-data.py   (run from the repository root or anywhere)
Exit code 0 when every check passes, 1 otherwise.
"""
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIELDS = ROOT / "Sources/Directory/Resources/fields.json"
AGENCIES = ROOT / "Sources/Directory/Resources/demo-agencies.json"
PROCEDURES = ROOT / "Sources/Procedures/Resources/demo-procedures.json"

errors = []
def err(msg):
    errors.append(msg)

def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except Exception as e:  # noqa: BLE001
        err(f"{path.name}: cannot parse JSON: {e}")
        return None

fields = load(FIELDS)
agencies_doc = load(AGENCIES)
procs_doc = load(PROCEDURES)
if errors:
    print("\n".join(errors)); sys.exit(1)

# ---------- fields
field_codes = set()
if not isinstance(fields, list):
    err("fields.json must be a JSON array")
    fields = []
if not 25 <= len(fields) <= 40:
    err(f"fields.json: expected 25-40 fields, got {len(fields)}")
for i, f in enumerate(fields):
    if set(f) != {"code", "name", "ministry"}:
        err(f"fields[{i}]: keys must be code, name, ministry (got {sorted(f)})")
    code = f.get("code", "")
    if not re.fullmatch(r"[A-Z][A-Z0-9_]*", code or ""):
        err(f"fields[{i}]: code {code!r} is not uppercase ASCII")
    if code in field_codes:
        err(f"fields: duplicate code {code}")
    field_codes.add(code)
    if not f.get("name") or not f.get("ministry"):
        err(f"fields[{i}] {code}: empty name or ministry")

# ---------- agencies
AGENCY_KINDS = {"people-committee", "department", "service-centre", "police"}
AGENCY_KEYS = ["key", "suffix", "name", "shortName", "kind", "parent", "address", "phone", "email"]
agency_keys = set()
agencies = agencies_doc.get("agencies", []) if isinstance(agencies_doc, dict) else []
if not isinstance(agencies_doc, dict) or "levelOneCode" not in agencies_doc:
    err("demo-agencies.json: must be an object with levelOneCode and agencies")
suffixes = Counter()
for i, a in enumerate(agencies):
    missing = [k for k in AGENCY_KEYS if k not in a]
    if missing:
        err(f"agencies[{i}]: missing keys {missing}")
    key = a.get("key")
    if key in agency_keys:
        err(f"agencies: duplicate key {key}")
    agency_keys.add(key)
    if a.get("kind") not in AGENCY_KINDS:
        err(f"agencies[{key}]: unknown kind {a.get('kind')!r}")
    suf = a.get("suffix")
    if suf is not None:
        if not re.fullmatch(r"\d{2}(\.\d{2})*", suf):
            err(f"agencies[{key}]: suffix {suf!r} is not of the form NN[.NN]")
        suffixes[suf] += 1
    if a.get("email") and not re.fullmatch(r"[a-z0-9.\-]+@phutho\.gov\.vn", a["email"]):
        err(f"agencies[{key}]: email {a['email']!r} is not @phutho.gov.vn")
for suf, n in suffixes.items():
    if n > 1:
        err(f"agencies: suffix {suf} used {n} times")
for a in agencies:
    if a.get("parent") is not None and a["parent"] not in agency_keys:
        err(f"agencies[{a.get('key')}]: parent {a['parent']!r} does not exist")
for required in ("ubnd-tinh", "ttpvhcc"):
    if required not in agency_keys:
        err(f"agencies: required agency {required!r} missing")
if not any(a.get("kind") == "police" for a in agencies):
    err("agencies: no police agency")

# ---------- procedures
PROC_KEYS = ["code", "codeVerified", "name", "field", "levels", "receivingAgency", "decidingAgency",
             "processingTime", "fees", "legalBasis", "applicants", "steps", "documents", "form",
             "onlineLevel", "result", "workflow"]
OPTIONAL = {"processingNote"}
FORM_TYPES = {"text", "number", "date", "choice", "address", "cccd", "file"}
ROLES = {"one-stop-officer", "specialist", "leader", "clerk"}
procs = procs_doc.get("procedures", []) if isinstance(procs_doc, dict) else []
if len(procs) < 70:
    err(f"procedures: expected at least 70, got {len(procs)}")
codes = Counter(p.get("code") for p in procs)
for c, n in codes.items():
    if n > 1:
        err(f"procedures: duplicate code {c}")

def valid_agency(v):
    return v == "commune" or v in agency_keys

for i, p in enumerate(procs):
    tag = f"procedures[{i}] {p.get('code')}"
    missing = [k for k in PROC_KEYS if k not in p]
    extra = [k for k in p if k not in PROC_KEYS and k not in OPTIONAL]
    if missing:
        err(f"{tag}: missing keys {missing}")
    if extra:
        err(f"{tag}: unexpected keys {extra}")
    if not re.fullmatch(r"\d\.\d{6}", p.get("code") or ""):
        err(f"{tag}: code is not of the form d.dddddd")
    if not isinstance(p.get("codeVerified"), bool):
        err(f"{tag}: codeVerified must be boolean")
    if p.get("field") not in field_codes:
        err(f"{tag}: field {p.get('field')!r} not in fields.json")
    levels = p.get("levels") or []
    if not levels or not set(levels) <= {"province", "commune"} or len(set(levels)) != len(levels):
        err(f"{tag}: levels must be a non-empty subset of province/commune, got {levels}")
    for k in ("receivingAgency", "decidingAgency"):
        if not valid_agency(p.get(k)):
            err(f"{tag}: {k} {p.get(k)!r} is neither 'commune' nor an agency key")
    if "commune" in (p.get("receivingAgency"), p.get("decidingAgency")) and "commune" not in levels:
        err(f"{tag}: uses the commune People's Committee but levels lack 'commune'")
    pt = p.get("processingTime") or {}
    if len(pt) != 1 or not set(pt) <= {"workingDays", "workingHours"}:
        err(f"{tag}: processingTime must have exactly one of workingDays/workingHours")
        total = None
    else:
        (unit, value), = pt.items()
        if not isinstance(value, int) or value <= 0:
            err(f"{tag}: processingTime value must be a positive integer")
        total = value * 8 if unit == "workingDays" else value
    wf = p.get("workflow") or []
    if not wf:
        err(f"{tag}: empty workflow")
    hours = 0
    for j, s in enumerate(wf):
        if set(s) != {"name", "role", "agency", "workingHours"}:
            err(f"{tag}: workflow[{j}] keys {sorted(s)}")
        if s.get("role") not in ROLES:
            err(f"{tag}: workflow[{j}] role {s.get('role')!r}")
        if s.get("agency") not in ("receiving", "deciding"):
            err(f"{tag}: workflow[{j}] agency {s.get('agency')!r}")
        h = s.get("workingHours")
        if not isinstance(h, int) or h <= 0:
            err(f"{tag}: workflow[{j}] workingHours must be a positive integer")
        else:
            hours += h
    if total is not None and hours != total:
        err(f"{tag}: workflow hours {hours} != processing time {total}h")
    fees = p.get("fees")
    if not isinstance(fees, list) or not fees:
        err(f"{tag}: fees must be a non-empty list")
    else:
        for j, fe in enumerate(fees):
            if not fe.get("name") or not isinstance(fe.get("amount"), int) or fe["amount"] < 0:
                err(f"{tag}: fees[{j}] needs a name and a non-negative integer amount")
            if set(fe) - {"name", "amount", "note"}:
                err(f"{tag}: fees[{j}] unexpected keys")
            if fe.get("amount") == 0 and not fe.get("note"):
                err(f"{tag}: fees[{j}] amount 0 needs a note")
    if not isinstance(p.get("legalBasis"), list) or not p["legalBasis"]:
        err(f"{tag}: legalBasis must be a non-empty list")
    for k in ("name", "applicants", "steps", "result"):
        if not isinstance(p.get(k), str) or not p[k].strip():
            err(f"{tag}: {k} must be a non-empty string")
    if "Bước 1" not in (p.get("steps") or ""):
        err(f"{tag}: steps should be written as 'Bước 1: … Bước 2: …'")
    docs = p.get("documents")
    if not isinstance(docs, list) or not docs:
        err(f"{tag}: documents must be a non-empty list")
    else:
        for j, d in enumerate(docs):
            if set(d) != {"name", "originals", "copies", "mandatory", "template"}:
                err(f"{tag}: documents[{j}] keys {sorted(d)}")
            if not isinstance(d.get("originals"), int) or not isinstance(d.get("copies"), int):
                err(f"{tag}: documents[{j}] originals/copies must be integers")
            if not isinstance(d.get("mandatory"), bool):
                err(f"{tag}: documents[{j}] mandatory must be boolean")
            t = d.get("template")
            if t is not None and not re.fullmatch(r"[a-z0-9\-]+\.(docx|doc|pdf)", t):
                err(f"{tag}: documents[{j}] template {t!r} must be null or a kebab-case .docx/.doc/.pdf name")
    form = p.get("form")
    if not isinstance(form, list) or not form:
        err(f"{tag}: form must be a non-empty list")
    else:
        keys = Counter(f.get("key") for f in form)
        for k, n in keys.items():
            if n > 1:
                err(f"{tag}: duplicate form key {k}")
        for j, f in enumerate(form):
            if not re.fullmatch(r"[a-z][A-Za-z0-9]*", f.get("key") or ""):
                err(f"{tag}: form[{j}] key {f.get('key')!r} is not camelCase")
            if f.get("type") not in FORM_TYPES:
                err(f"{tag}: form[{j}] type {f.get('type')!r}")
            if not isinstance(f.get("required"), bool) or not f.get("label"):
                err(f"{tag}: form[{j}] needs label and boolean required")
            if f.get("type") == "choice":
                if not isinstance(f.get("options"), list) or len(f["options"]) < 2:
                    err(f"{tag}: form[{j}] choice needs at least two options")
            elif "options" in f:
                err(f"{tag}: form[{j}] options only allowed for choice")
    if p.get("onlineLevel") not in ("full", "partial", "none"):
        err(f"{tag}: onlineLevel {p.get('onlineLevel')!r}")

# ---------- coverage (brief's minimums)
GROUPS = {
    "hộ tịch": ({"HOTICH"}, 8), "chứng thực": ({"CHUNGTHUC"}, 4),
    "đất đai": ({"DATDAI", "DKBPBD"}, 6), "xây dựng": ({"HDXD"}, 4),
    "doanh nghiệp/hộ kinh doanh": ({"DKDN", "HKD"}, 6),
    "lao động/việc làm": ({"LAODONG", "VIECLAM", "QLLDNN"}, 4),
    "người có công/bảo trợ xã hội": ({"NGUOICOCONG", "BAOTROXAHOI"}, 4),
    "giáo dục": ({"GIAODUC", "VANBANG"}, 4), "y tế/dược": ({"KHAMCHUABENH", "DUOC", "ATTP"}, 4),
    "lý lịch tư pháp": ({"LYLICHTUPHAP"}, 2), "công thương": ({"LUUTHONGHH", "KINHDOANHKHI", "XANGDAU"}, 4),
    "văn hóa/du lịch/thể thao": ({"VANHOA", "DULICH", "THETHAO"}, 3),
    "nông nghiệp/môi trường": ({"MOITRUONG", "TAINGUYENNUOC", "NONGNGHIEP", "LAMNGHIEP", "THUYSAN", "GIAMNGHEO"}, 4),
    "nội vụ/thi đua/tôn giáo": ({"HOIQUY", "TDKT", "TONGIAO"}, 3), "cư trú": ({"CUTRU"}, 2),
}
by_field = Counter(p.get("field") for p in procs)
for label, (fcodes, minimum) in GROUPS.items():
    n = sum(by_field[c] for c in fcodes)
    if n < minimum:
        err(f"coverage: {label} has {n} procedures, needs {minimum}")
commune = sum(1 for p in procs if "commune" in (p.get("levels") or []))
province = sum(1 for p in procs if "province" in (p.get("levels") or []))
if commune < 25:
    err(f"coverage: only {commune} commune-level procedures (need 25)")
if province == 0:
    err("coverage: no province-level procedures")

if errors:
    print(f"{len(errors)} problem(s):")
    print("\n".join(" - " + e for e in errors))
    sys.exit(1)
verified = sum(1 for p in procs if p["codeVerified"])
print(f"OK: {len(fields)} fields, {len(agencies)} agencies, {len(procs)} procedures "
      f"({commune} commune-level, {province} province-level; {verified} codes verified, {len(procs) - verified} unverified)")
for code, n in sorted(by_field.items()):
    print(f"  {code:14} {n}")
