"""Import firm registries (CSV / XLSX / JSON) and firm profiles (JSON) into the graph.

A registry file becomes one document, ``firms:<file name>``, whose version is the SHA-256 of the
file: importing the same file again changes nothing, a changed file replaces its old rows. Each
row becomes an ``Enterprise:<统一社会信用代码>`` node with its registry properties, its place
(省/市/区县 from the address) and its industries (IndustryScheme labels found in 经营范围), and
the engine's view of it as `facts`. The whole file is checked before anything is written: one
bad row (invalid credit code, unreadable capital or date, missing value in a required column)
fails the file with the row and the column named, and nothing is stored.

Columns are the registry's Chinese headers (企业名称, 统一社会信用代码, 注册日期, 企业类型,
注册资金 / 注册资本, 经营范围, 所在省份, 地区, 注册地址) or the English names in `COLUMNS`;
others are ignored. 企业名称 and 统一社会信用代码 are required.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from policykg.core.credit_code import validate_credit_code
from policykg.core.errors import BackendUnavailable, InvalidInput, PayloadTooLarge, PolicyKGError
from policykg.core.model import DocumentGraph, Provenance
from policykg.core.ontology import PKG, name
from policykg.core.places import county_stem, parse_place, place_chain
from policykg.eligibility.engine import Fact
from policykg.eligibility.profile import L_ENTERPRISE, SENTENCE_CHARS, enterprise_id, load_profile
from policykg.ingest.pipeline import Ingestor
from policykg.ingest.profiles import add_industry, add_place_chain, infer_industries, profile_to_document
from policykg.ingest.units import units_for

SUFFIXES = (".csv", ".xlsx", ".json")

# Header (Chinese as registries print it, or English) → field.
COLUMNS = {
    "企业名称": "name", "name": "name",
    "统一社会信用代码": "credit_code", "credit_code": "credit_code",
    "注册日期": "registration_date", "成立日期": "registration_date", "registration_date": "registration_date",
    "企业类型": "enterprise_type", "enterprise_type": "enterprise_type",
    "注册资金": "registered_capital", "注册资本": "registered_capital", "registered_capital": "registered_capital",
    "经营范围": "business_scope", "business_scope": "business_scope",
    "所在省份": "province", "province": "province",
    "地区": "district", "district": "district",
    "注册地址": "address", "address": "address",
}
REQUIRED = ("name", "credit_code")
HEADER = {f: h for h, f in reversed(COLUMNS.items())}  # field → the Chinese header, for messages

NULLS = frozenset({"", "N/A", "n/a", "NA", "null", "NULL", "None", "-", "--", "—"})
P = {k: name(getattr(PKG, k)) for k in ("credit_code", "registration_date", "enterprise_type",
                                        "registered_capital_yuan", "registered_currency", "business_scope",
                                        "address", "facts")}

Progress = Callable[[int, int], None]  # (rows done, rows in the file)


@dataclass
class RegistryRow:
    """One data row: its number as a spreadsheet shows it (header = row 1; for JSON, the
    1-based position in the array), where it is in the file, and its values by field."""

    number: int
    start: int
    end: int
    text: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FirmImportResult:
    source: str
    kind: str  # registry | profile
    doc_id: str | None
    outcome: str  # created | replaced | unchanged | failed
    firms: int = 0
    error: str | None = None
    status: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


# ---------------------------------------------------------------------------- values
_CAPITAL = re.compile(
    r"^(?P<num>[+-]?\d[\d,]*(?:\.\d+)?)\s*[(]?\s*(?P<mult>万|亿)?\s*(?P<cur>元人民币|人民币元|人民币|元|美元|港元|港币|欧元|日元)?\s*[)]?$")
_CURRENCY = {None: "CNY", "元人民币": "CNY", "人民币元": "CNY", "人民币": "CNY", "元": "CNY", "美元": "USD",
             "港元": "HKD", "港币": "HKD", "欧元": "EUR", "日元": "JPY"}
_MULT = {None: 1, "万": 10_000, "亿": 100_000_000}


def parse_capital(value: Any, *, default_mult: str | None = None) -> tuple[int | float, str] | None:
    """注册资金 as (amount, ISO currency), the amount in whole units of that currency.

    ``120(万)`` → (1200000, "CNY"); ``1,800(万元人民币)`` → (18000000, "CNY");
    ``81.5800(万美元)`` → (815800, "USD") — foreign amounts stay in their currency. A bare number
    is in 元 unless `default_mult` (from a header like 注册资金(万元)) says 万.

    Raises:
        InvalidInput: not a number with a known unit, or negative.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise InvalidInput(f"not an amount: {value!r}")
    if isinstance(value, int | float):
        text = repr(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if text in NULLS:
            return None
    m = _CAPITAL.match(text.replace("（", "(").replace("）", ")"))
    if not m:
        raise InvalidInput(f"not an amount: {text!r} (expected e.g. 120(万), 1,000万元人民币, 81.58(万美元))")
    try:
        number = Decimal(m["num"].replace(",", ""))
    except InvalidOperation:
        raise InvalidInput(f"not an amount: {text!r}") from None
    if number < 0:
        raise InvalidInput(f"negative amount: {text!r}")
    amount = number * _MULT[m["mult"] or (default_mult if m["cur"] is None or m["cur"] == "元" else None)]
    return (int(amount) if amount == amount.to_integral_value() else float(amount)), _CURRENCY[m["cur"]]


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S")


def parse_date(value: Any) -> str | None:
    """An ISO date from 2019-04-29, 2019/4/29, 2019年4月29日, 20190429 or a spreadsheet date.

    Raises:
        InvalidInput: anything else.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if text in NULLS:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise InvalidInput(f"not a date: {text!r} (expected YYYY-MM-DD)")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return None if s in NULLS else s


# ---------------------------------------------------------------------------- readers
def _decode(data: bytes, filename: str) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(f"{filename}: not UTF-8 or GB18030 text")


def _header_fields(header: list[Any], filename: str) -> tuple[list[str | None], str | None]:
    """The field of each column, and the multiplier a capital header names (注册资金(万元))."""
    fields: list[str | None] = []
    mult = None
    for h in header:
        raw = unicodedata.normalize("NFKC", str(h or "")).strip()
        base = re.sub(r"\(.*\)$", "", raw).strip()
        f = COLUMNS.get(raw) or COLUMNS.get(base) or COLUMNS.get(base.lower())
        if f == "registered_capital" and "万" in raw[len(base):]:
            mult = "万"
        if f is not None and f in fields:
            raise InvalidInput(f"{filename}: column {raw!r} appears twice")
        fields.append(f)
    missing = [HEADER[f] for f in REQUIRED if f not in fields]
    if missing:
        raise InvalidInput(f"{filename}: missing required column {', '.join(missing)}",
                           hint="the header row needs 企业名称 and 统一社会信用代码")
    return fields, mult


def _lines_with_offsets(text: str, pos: list[int]) -> Iterator[str]:
    # Advanced before the line is handed over: when the reader returns a row, pos is its end.
    # Lines end at \n, \r\n or \r only (newline=""), as the csv module expects.
    for line in io.StringIO(text, newline=""):
        pos[0] += len(line)
        yield line


def read_csv(text: str, filename: str) -> tuple[list[RegistryRow], str | None]:
    """Rows of a CSV registry with their character offsets in the text.

    Raises:
        InvalidInput: malformed CSV (unclosed quote, stray characters), a row with more
            fields than the header, or a missing required column.
    """
    pos = [0]
    reader = csv.reader(_lines_with_offsets(text, pos), strict=True)
    rows: list[RegistryRow] = []
    try:
        header = next(reader, None)
        if header is None:
            raise InvalidInput(f"{filename}: empty file")
        fields, mult = _header_fields(header, filename)
        start = pos[0]
        for number, cells in enumerate(reader, 2):
            end = pos[0]
            line = text[start:end].rstrip("\r\n")
            if cells and any(c.strip() for c in cells):
                if len(cells) > len(fields):
                    raise InvalidInput(f"{filename} row {number}: {len(cells)} fields, the header has {len(fields)}",
                                       hint="a comma inside a value needs quotes")
                values = {f: c for f, c in zip(fields, cells) if f}
                rows.append(RegistryRow(number, start, end, line, values))
            start = end
    except csv.Error as e:
        raise InvalidInput(f"{filename}: malformed CSV near line {reader.line_num}: {e}") from None
    return rows, mult


def read_json_rows(text: str, filename: str) -> tuple[list[RegistryRow], str | None]:
    """Rows of a JSON registry (an array of objects keyed by column), with the offsets of
    each object in the text.

    Raises:
        InvalidInput: malformed JSON, not an array of objects, or a missing required key.
    """
    dec = json.JSONDecoder()
    ws = re.compile(r"\s*")
    try:
        i = ws.match(text, 0).end()
        if text[i:i + 1] != "[":
            raise InvalidInput(f"{filename}: a registry in JSON is an array of objects, one per firm")
        i = ws.match(text, i + 1).end()
        rows: list[RegistryRow] = []
        while text[i:i + 1] != "]":
            if rows:
                if text[i:i + 1] != ",":
                    raise json.JSONDecodeError("expected ',' or ']'", text, i)
                i = ws.match(text, i + 1).end()
            obj, end = dec.raw_decode(text, i)
            number = len(rows) + 1
            if not isinstance(obj, dict):
                raise InvalidInput(f"{filename} row {number}: expected an object, got {type(obj).__name__}")
            fields, _ = _header_fields(list(obj), f"{filename} row {number}")
            values = {f: v for f, v in zip(fields, obj.values()) if f}
            rows.append(RegistryRow(number, i, end, text[i:end], values))
            i = ws.match(text, end).end()
            if i >= len(text):
                raise json.JSONDecodeError("unterminated array", text, i)
        if text[ws.match(text, i + 1).end():]:
            raise json.JSONDecodeError("extra data after the array", text, i + 1)
    except json.JSONDecodeError as e:
        raise InvalidInput(f"{filename}: malformed JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    return rows, None


def read_xlsx(data: bytes, filename: str) -> tuple[list[RegistryRow], str | None]:
    """Rows of the first worksheet; offsets are row numbers (a workbook has no text), the
    row text its cells joined by commas.

    Raises:
        InvalidInput: openpyxl is missing, the file is not a readable workbook, or a required
            column is missing.
    """
    try:
        import openpyxl
    except ImportError:
        raise InvalidInput("XLSX needs openpyxl", hint="pip install openpyxl, or save the sheet as CSV") from None
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 — BadZipFile, KeyError, InvalidFileException, XML errors …
        raise InvalidInput(f"{filename}: malformed XLSX ({type(e).__name__}: {e})") from None
    try:
        ws = wb.worksheets[0] if wb.worksheets else None
        if ws is None:
            raise InvalidInput(f"{filename}: the workbook has no sheet")
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if header is None:
            raise InvalidInput(f"{filename}: empty sheet")
        fields, mult = _header_fields(list(header), filename)
        rows = []
        for number, cells in enumerate(it, 2):
            if not any(c is not None and str(c).strip() for c in cells):
                continue
            if len(cells) > len(fields) and any(c not in (None, "") for c in cells[len(fields):]):
                raise InvalidInput(f"{filename} row {number}: values beyond the header's last column")
            line = ",".join("" if c is None else str(c) for c in cells[:len(fields)])
            rows.append(RegistryRow(number, number - 1, number, line, {f: c for f, c in zip(fields, cells) if f}))
        return rows, mult
    except InvalidInput:
        raise
    except Exception as e:  # noqa: BLE001 — a damaged sheet fails in openpyxl's row reader
        raise InvalidInput(f"{filename}: malformed XLSX ({type(e).__name__}: {e})") from None
    finally:
        wb.close()


# ---------------------------------------------------------------------------- registry → graph
@dataclass
class _Firm:
    row: RegistryRow
    credit_code: str
    name: str
    registration_date: str | None
    enterprise_type: str | None
    capital: tuple[int | float, str] | None
    business_scope: str | None
    address: str | None
    province: str | None
    district: str | None


def _check_row(row: RegistryRow, mult: str | None) -> tuple[_Firm | None, list[str]]:
    v, errors = row.values, []

    def cell(f: str, fn: Callable[[Any], Any] = _text) -> Any:
        try:
            return fn(v.get(f))
        except InvalidInput as e:
            errors.append(f"row {row.number}, column {HEADER[f]}: {e.detail}")
            return None

    name_ = cell("name")
    if name_ is None:
        errors.append(f"row {row.number}, column {HEADER['name']}: empty")
    code = cell("credit_code", lambda x: validate_credit_code(_text(x) or ""))
    date = cell("registration_date", parse_date)
    capital = cell("registered_capital", lambda x: parse_capital(x, default_mult=mult))
    if errors:
        return None, errors
    return _Firm(row, code, name_, date, _text(v.get("enterprise_type")), capital, _text(v.get("business_scope")),
                 _text(v.get("address")), _text(v.get("province")), _text(v.get("district"))), []


MAX_ERRORS = 20


def registry_document(rows: list[RegistryRow], filename: str, version: str, *,
                      mult: str | None = None, progress: Progress | None = None) -> DocumentGraph:
    """The document a registry file contributes. Every row is checked first.

    Raises:
        InvalidInput: naming each bad row and column (the first `MAX_ERRORS`); nothing is built.
    """
    firms, errors, seen = [], [], {}
    for row in rows:
        firm, errs = _check_row(row, mult)
        errors += errs
        if firm is not None:
            if firm.credit_code in seen:
                errors.append(f"row {row.number}, column {HEADER['credit_code']}: {firm.credit_code} "
                              f"is already on row {seen[firm.credit_code]}")
            seen.setdefault(firm.credit_code, row.number)
            firms.append(firm)
    if errors:
        more = f" (and {len(errors) - MAX_ERRORS} more)" if len(errors) > MAX_ERRORS else ""
        raise InvalidInput(f"{filename}: {len(errors)} bad value{'s' if len(errors) > 1 else ''}: "
                           + "; ".join(errors[:MAX_ERRORS]) + more, hint="nothing from this file was stored")
    if not firms:
        raise InvalidInput(f"{filename}: no firms in the file")

    # Districts named in full elsewhere in the file resolve addresses that drop the suffix
    # (重庆市永川工业园区… → 永川区) and rows that give only the 地区 column.
    counties = Counter(c for f in firms if (c := parse_place(f.address).county))
    known: dict[str, str] = {}
    for county, _n in counties.most_common():
        known.setdefault(county_stem(county), county)

    doc = DocumentGraph(f"firms:{filename}", version, filename)
    for i, f in enumerate(firms, 1):
        prov = Provenance(doc.doc_id, filename, f.row.start, f.row.end, f.row.text[:SENTENCE_CHARS])
        fid = enterprise_id(f.credit_code)
        chain = place_chain(f.address, province=f.province, district=f.district, known_counties=known)
        industries = infer_industries(f.business_scope)
        facts: list[Fact] = []
        if chain:
            facts.append(Fact("registered_place", "".join(chain), date=f.registration_date, source=filename))
        if f.capital:
            facts.append(Fact("registered_capital", f.capital[0], unit="元" if f.capital[1] == "CNY" else f.capital[1],
                              date=f.registration_date, source=filename))
        if f.registration_date:
            facts.append(Fact("established", f.registration_date, date=f.registration_date, source=filename))
        facts += [Fact("industry", c.pref_label, date=f.registration_date, source=filename) for c in industries]
        doc.add_node(fid, L_ENTERPRISE, f.name, prov=prov, primary=True, **{
            P["credit_code"]: f.credit_code, P["registration_date"]: f.registration_date,
            P["enterprise_type"]: f.enterprise_type,
            P["registered_capital_yuan"]: f.capital[0] if f.capital else None,
            P["registered_currency"]: f.capital[1] if f.capital else None,
            P["business_scope"]: f.business_scope, P["address"]: f.address,
            P["facts"]: [x.to_json() for x in facts]})
        add_place_chain(doc, fid, chain, prov)
        for c in industries:
            add_industry(doc, fid, c, prov)
        if progress:
            progress(i, len(firms))
    doc.units = units_for(doc)
    return doc


# ---------------------------------------------------------------------------- files
def _kind(path: Path, data: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".xlsx"):
        return "registry"
    if suffix != ".json":
        raise InvalidInput(f"{path.name}: unsupported file type {suffix or '(none)'}; use {', '.join(SUFFIXES)}")
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"[":
        return "registry"
    if head == b"{":
        return "profile"
    raise InvalidInput(f"{path.name}: malformed JSON: expected an array of registry rows or a profile object")


def read_firm_file(path: Path, *, max_bytes: int, progress: Progress | None = None) -> tuple[str, DocumentGraph]:
    """Read and check one registry or profile file; returns (kind, document). Nothing is stored.

    Raises:
        InvalidInput: unreadable, malformed or invalid content (row and column named).
        PayloadTooLarge: the file exceeds `max_bytes`.
    """
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InvalidInput(f"{path}: cannot read ({e.strerror or e})") from None
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"{path.name}: {len(data)} bytes, the limit is {max_bytes}")
    kind = _kind(path, data)
    if kind == "profile":
        try:
            obj = json.loads(_decode(data, path.name))
        except json.JSONDecodeError as e:
            raise InvalidInput(f"{path.name}: malformed JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
        doc = profile_to_document(load_profile(obj, label=path.name), path.name)
        if progress:
            progress(1, 1)
        return kind, doc
    if path.suffix.lower() == ".xlsx":
        rows, mult = read_xlsx(data, path.name)
    elif path.suffix.lower() == ".json":
        rows, mult = read_json_rows(_decode(data, path.name), path.name)
    else:
        rows, mult = read_csv(_decode(data, path.name), path.name)
    return kind, registry_document(rows, path.name, hashlib.sha256(data).hexdigest(), mult=mult, progress=progress)


def iter_firm_files(paths: Iterable[Path]) -> list[Path]:
    """Files to import: each file given, and the .csv/.xlsx/.json files inside folders.

    Raises:
        InvalidInput: a path does not exist.
    """
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
        elif p.exists():
            out.append(p)
        else:
            raise InvalidInput(f"{p}: no such file or folder")
    return out


def import_firm_file(path: Path, ingestor: Ingestor, *, progress: Progress | None = None) -> FirmImportResult:
    """Check one file whole, then store it as one document (graph and search index).

    Raises:
        InvalidInput: the file is bad; nothing was stored.
        BackendUnavailable: a store stopped answering.
    """
    kind, doc = read_firm_file(Path(path), max_bytes=ingestor.max_bytes, progress=progress)
    result = ingestor.write(doc)
    firms = sum(1 for n in doc.nodes.values() if n.label == L_ENTERPRISE)
    return FirmImportResult(doc.source, kind, doc.doc_id, result.outcome, firms)


def import_firm_files(
    paths: Iterable[Path],
    ingestor: Ingestor,
    *,
    progress: Callable[[Path, int, int], None] | None = None,
    done: Callable[[Path, FirmImportResult], None] | None = None,
) -> list[FirmImportResult]:
    """Import registry and profile files; a bad file is reported and the others go on.

    Args:
        progress: called as rows are read, with (file, rows done, rows in file).
        done: called after each file with its result.

    Raises:
        InvalidInput: a path does not exist.
        BackendUnavailable: a store stopped answering; files written so far are complete.
    """
    results = []
    for path in iter_firm_files(paths):
        cb = (lambda d, t, _p=path: progress(_p, d, t)) if progress else None
        try:
            result = import_firm_file(path, ingestor, progress=cb)
        except BackendUnavailable:
            raise
        except PolicyKGError as e:
            result = FirmImportResult(path.name, "unknown", None, "failed", error=str(e), status=e.status)
        results.append(result)
        if done:
            done(path, result)
    return results
