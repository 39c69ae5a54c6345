"""Firm profiles: the facts registries lack (qualifications, yearly figures, patents, talents,
platforms), in a documented JSON format, and the graph form both registries and profiles share.

A firm is one `Enterprise` node, id ``Enterprise:<统一社会信用代码>``, whichever file it came
from. Its `facts` property holds the engine's view of it — `eligibility.Fact` objects as JSON —
and the store unions those lists across the documents that contribute to the node, so a
registry row and a profile of the same firm merge into one `FirmProfile`.

The profile format (JSON; `profile_json_schema()` gives its JSON Schema)::

    {
      "credit_code": "91330402MA2B3C4D5E",            # 统一社会信用代码, checked (GB 32100)
      "name": "嘉兴某某科技有限公司",
      "registered_place": "浙江省嘉兴市南湖区",          # optional; an address works too
      "qualifications": [{"name": "高企", "date": "2022-12-24", "expires": "2025-12-23"}],
                                                      # the list is complete when given: [] = none
      "yearly": [{"year": 2023, "revenue": 52000000, "tax_paid": 3100000,
                  "rd_expense": 2600000, "rd_ratio": 5.0, "employees": 86}],
      "patents": [{"type": "发明", "number": "ZL202110000000.0", "title": "…", "date": "2023-05-02"}],
      "talents": [{"role": "首席科学家", "program": "南湖英才计划"}],
      "platforms": [{"name": "嘉兴某某企业研究院", "type": "企业技术中心", "level": "市级"}],
      "no_major_violation": true,
      "source": "2024年企业自报",
      "as_of": "2024-06-30"
    }

Money is in 元, `rd_ratio` in percent (5.0 = 5%). Unknown keys are rejected, so a misspelt
attribute is an error rather than a silently missing fact.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from policykg.core.credit_code import validate_credit_code
from policykg.eligibility.engine import Fact, FirmProfile
from policykg.core.errors import InvalidInput
from policykg.core.model import DocumentGraph, Node, Provenance
from policykg.core.ontology import PKG, Concept, load_ontology, name

L_ENTERPRISE, L_PLACE, L_INDUSTRY, L_QUAL = (name(PKG.Enterprise), name(PKG.Place), name(PKG.Industry),
                                             name(PKG.Qualification))
L_PATENT, L_TALENT, L_PLATFORM = name(PKG.Patent), name(PKG.Talent), name(PKG.Platform)
R_HOLDS, R_LOCATED_IN, R_IN_INDUSTRY, R_OWNS, R_WORKS_AT, R_OPERATES, R_PART_OF = (
    name(PKG.HOLDS), name(PKG.LOCATED_IN), name(PKG.IN_INDUSTRY), name(PKG.OWNS), name(PKG.WORKS_AT),
    name(PKG.OPERATES), name(PKG.PART_OF))
P_CREDIT, P_FACTS, P_NUMBER, P_TITLE, P_ROLE, P_LEVEL, P_PTYPE, P_FROM, P_TO = (
    name(PKG.credit_code), name(PKG.facts), name(PKG.number), name(PKG.title), name(PKG.role), name(PKG.level),
    name(PKG.platform_type), name(PKG.effective_from), name(PKG.effective_to))
# Not in the ontology yet (asked for): the kind of a patent and the programme a talent came through.
P_PATENT_TYPE, P_PROGRAM = name(PKG.patent_type), name(PKG.program)

SENTENCE_CHARS = 300
# The value of the fact a profile states with "qualifications": [] (the firm holds none): any
# qualification a clause asks for is then not met, where no fact at all would leave it unknown.
NO_QUALIFICATION = "无"
PATENT_TYPES = ("发明", "实用新型", "外观设计")


def node_id(label: str, key: str) -> str:
    """Stable node id, as ingest makes them (`ingest.extract.node_id`)."""
    return label + ":" + re.sub(r"\s+", "", key)


def enterprise_id(credit_code: str) -> str:
    return node_id(L_ENTERPRISE, credit_code)


# ---------------------------------------------------------------------------- ontology lookups
def _label_index(scheme) -> dict[str, Concept]:
    return {label: c for c in load_ontology().concepts(scheme) for label in c.labels}


@lru_cache(maxsize=1)
def _qualifications() -> dict[str, Concept]:
    return _label_index(PKG.QualificationScheme)


@lru_cache(maxsize=1)
def _industries() -> tuple[dict[str, Concept], re.Pattern[str]]:
    index = _label_index(PKG.IndustryScheme)
    # Longest label first, so 新能源汽车 wins over 新能源 and 汽车 at the same position.
    pattern = re.compile("|".join(re.escape(label) for label in sorted(index, key=lambda s: (-len(s), s))))
    return index, pattern


@lru_cache(maxsize=1)
def _attribute_units() -> dict[str, str]:
    o = load_ontology()
    return {name(c.iri).rsplit("/", 1)[-1]: str(u) for c in o.concepts(PKG.AttributeScheme)
            for u in o.graph.objects(c.iri, PKG.unit)}


def canonical_qualification(label: str) -> str:
    """The QualificationScheme prefLabel for a label or alias (高企 → 高新技术企业).

    Raises:
        InvalidInput: the label is not in the scheme.
    """
    c = _qualifications().get(label.strip())
    if c is None:
        # 省级专精特新中小企业, 浙江省科技型中小企业: a level or place in front of a label the scheme has
        bare = re.sub(r"^(?:国家级?|省级?|市级?|县级?|区级?|[\u4e00-\u9fa5]{2,3}?[省市县区]级?)", "", label.strip())
        c = _qualifications().get(bare) if bare != label.strip() else None
    if c is None:
        known = sorted({c.pref_label for c in _qualifications().values()})
        raise InvalidInput(f"unknown qualification {label!r}; known: {', '.join(known)} (or their aliases)")
    return c.pref_label


def _canonical_in(scheme, label: str | None) -> str | None:
    if not label:
        return label
    c = _label_index(scheme).get(label.strip())
    return c.pref_label if c else label.strip()


# Clauses that exclude an activity (「不得从事…金融业务」, 「不含危险化学品」) name industries the
# firm is not in.
_EXCLUDED = re.compile(r"(?:不得|不含|不包括|禁止|除)[^；;。）)]*")


def infer_industries(business_scope: str | None) -> list[Concept]:
    """IndustryScheme concepts whose labels 经营范围 mentions, in order of first mention."""
    if not business_scope:
        return []
    index, pattern = _industries()
    text = _EXCLUDED.sub("", business_scope)
    out: list[Concept] = []
    for m in pattern.finditer(text):
        c = index[m.group(0)]
        if c not in out:
            out.append(c)
    return out


# ---------------------------------------------------------------------------- places
_HAN = r"[\u4e00-\u9fa5]"
MUNICIPALITIES = ("北京", "天津", "上海", "重庆")
_REGIONS = {"内蒙古": "内蒙古自治区", "广西": "广西壮族自治区", "西藏": "西藏自治区", "宁夏": "宁夏回族自治区",
            "新疆": "新疆维吾尔自治区", "香港": "香港特别行政区", "澳门": "澳门特别行政区"}
_PROVINCE_RE = re.compile(
    rf"(?P<muni>{'|'.join(MUNICIPALITIES)})市?"
    rf"|(?P<region>{'|'.join(_REGIONS)})(?:{_HAN}{{0,4}}?(?:自治区|特别行政区))?"
    rf"|(?P<prov>{_HAN}{{2,3}}?省)")
_CITY_RE = re.compile(rf"{_HAN}{{2,8}}?自治州|{_HAN}{{2,3}}?(?:市|地区|盟)")
_COUNTY_RE = re.compile(rf"{_HAN}{{2,8}}?自治县|{_HAN}{{1,3}}?(?:区|县|旗)")
_COUNTY_CITY_RE = re.compile(rf"{_HAN}{{2,3}}?市")
# Words that end in 区 but name no district: 永川工业园区, 某某小区.
_NOT_COUNTY = ("园区", "小区", "社区", "片区", "校区", "厂区", "营区", "景区", "开发区")
_SUFFIX = re.compile(r"(?:自治县|区|县|旗|市)$")


def normalise_province(province: str | None) -> str | None:
    """重庆 → 重庆市 (a municipality), 浙江 → 浙江省, 广西 → 广西壮族自治区."""
    if not province:
        return None
    p = province.strip()
    if not p:
        return None
    if p.endswith(("省", "自治区", "特别行政区")) or (p.endswith("市") and p[:-1] in MUNICIPALITIES):
        return p
    if p in MUNICIPALITIES:
        return p + "市"
    return _REGIONS.get(p, p + "省")


@dataclass(frozen=True)
class ParsedPlace:
    province: str | None
    city: str | None
    county: str | None
    rest: str  # the address after the last level found


def parse_place(address: str | None) -> ParsedPlace:
    """省 / 市 / 区县 at the start of an address. A municipality (重庆, 重庆市) is the province
    level and has no city level: 重庆市永川区… → (重庆市, None, 永川区)."""
    text = re.sub(r"\s+", "", address or "").replace("（", "(").replace("）", ")")
    pos, province, city, county = 0, None, None, None
    m = _PROVINCE_RE.match(text, pos)
    if m:
        province = normalise_province(m.group("muni") or m.group("region") or m.group("prov"))
        pos = m.end()
        if text.startswith("(市)", pos):
            pos += 3
    if not (m and m.group("muni")):
        c = _CITY_RE.match(text, pos)
        if c:
            city, pos = c.group(0), c.end()
    k = _COUNTY_RE.match(text, pos)
    if k and not k.group(0).endswith(_NOT_COUNTY):
        county, pos = k.group(0), k.end()
    elif city:
        k = _COUNTY_CITY_RE.match(text, pos)
        if k:
            county, pos = k.group(0), k.end()
    return ParsedPlace(province, city, county, text[pos:])


def county_stem(county: str) -> str:
    """永川区 → 永川: how an address may name the district without its suffix."""
    return _SUFFIX.sub("", county)


def place_chain(
    address: str | None,
    *,
    province: str | None = None,
    district: str | None = None,
    known_counties: Mapping[str, str] | None = None,
) -> list[str]:
    """Place names from widest to most specific for an address, e.g. [重庆市, 永川区].

    Args:
        address: the address as written (may be None).
        province: a 所在省份 column, used when the address does not start with one.
        district: a 地区 column (永川), used when the address names no district.
        known_counties: district names seen elsewhere, by stem ({"永川": "永川区"}); they
            resolve addresses that drop the suffix (重庆市永川工业园区…, 重庆永川…).
    """
    p = parse_place(address)
    known = known_counties or {}
    prov = p.province or normalise_province(province)
    county = p.county
    if county is None:
        rest = p.rest
        county = next((full for stem, full in sorted(known.items(), key=lambda kv: -len(kv[0]))
                       if len(stem) >= 2 and rest.startswith(stem)), None)
    if county is None and district:
        d = district.strip()
        county = known.get(d) or (d if _SUFFIX.search(d) and len(d) >= 2 else None)
    chain = [x for x in (prov, p.city, county) if x]
    return list(dict.fromkeys(chain))


def add_place_chain(doc: DocumentGraph, firm: str, chain: list[str], prov: Provenance | None) -> None:
    """Place nodes for the chain, each PART_OF the wider one; the firm LOCATED_IN the last."""
    prev = None
    for place in chain:
        pid = node_id(L_PLACE, place)
        doc.add_node(pid, L_PLACE, place, prov=prov)
        if prev:
            doc.add_edge(pid, R_PART_OF, prev, prov=prov)
        prev = pid
    if prev:
        doc.add_edge(firm, R_LOCATED_IN, prev, prov=prov)


def add_industry(doc: DocumentGraph, firm: str, concept: Concept, prov: Provenance | None) -> None:
    iid = node_id(L_INDUSTRY, concept.pref_label)
    doc.add_node(iid, L_INDUSTRY, concept.pref_label, prov=prov, aliases=concept.alt_labels)
    doc.add_edge(firm, R_IN_INDUSTRY, iid, prov=prov)


# ---------------------------------------------------------------------------- the profile format
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class QualificationIn(_Strict):
    """A qualification the firm holds (资质认定)."""

    name: str = Field(description="资质: a label or alias of the ontology's QualificationScheme "
                                  "(高新技术企业 / 高企, 科技型企业, 专精特新企业 …); stored as the canonical label.")
    date: dt.date = Field(description="认定日期 (ISO date).")
    expires: dt.date | None = Field(None, description="有效期至 (ISO date), if the qualification lapses.")

    @field_validator("name")
    @classmethod
    def _canonical(cls, v: str) -> str:
        try:
            return canonical_qualification(v)
        except InvalidInput as e:
            raise ValueError(e.detail) from None

    @model_validator(mode="after")
    def _dates(self) -> QualificationIn:
        if self.expires is not None and self.expires < self.date:
            raise ValueError(f"expires {self.expires} is before date {self.date}")
        return self


class YearlyIn(_Strict):
    """Figures for one year; every figure is optional."""

    year: int = Field(ge=1949, le=2100, description="The year the figures are for.")
    revenue: float | None = Field(None, ge=0, description="营业收入, 元.")
    tax_paid: float | None = Field(None, ge=0, description="实缴税费, 元.")
    rd_expense: float | None = Field(None, ge=0, description="研发投入, 元.")
    rd_ratio: float | None = Field(None, ge=0, le=100, description="研发投入占营业收入比例, percent (5.0 = 5%).")
    employees: int | None = Field(None, ge=0, description="职工人数 (people).")


class PatentIn(_Strict):
    """A patent the firm owns."""

    type: Literal["发明", "实用新型", "外观设计"] = Field(description="专利类型: 发明, 实用新型 or 外观设计.")
    number: str | None = Field(None, description="专利号, e.g. ZL202110000000.0.")
    title: str | None = Field(None, description="专利名称.")
    date: dt.date | None = Field(None, description="授权日期 (ISO date).")

    @field_validator("type", mode="before")
    @classmethod
    def _short(cls, v: Any) -> Any:
        return v.strip().removesuffix("专利") if isinstance(v, str) else v  # 发明专利 → 发明


class TalentIn(_Strict):
    """A person on the firm's staff whom policies count (引进人才); no personal name needed."""

    role: str | None = Field(None, description="Role, e.g. 首席科学家, 研发负责人.")
    program: str | None = Field(None, description="Talent programme the person was selected for.")
    name: str | None = Field(None, description="Optional personal name; stored under an opaque id.")


class PlatformIn(_Strict):
    """A platform the firm runs (研发中心, 重点实验室, 孵化器 …)."""

    name: str = Field(min_length=1, description="平台名称.")
    type: str | None = Field(None, description="平台类型, a PlatformTypeScheme label where one fits.")
    level: str | None = Field(None, description="级别: 国家级, 省级, 市级, 区级.")


class FirmProfileIn(_Strict):
    """One firm's self-reported facts. Numbers are in 元 unless said otherwise."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, title="FirmProfile")

    credit_code: str = Field(description="统一社会信用代码 (18 characters, GB 32100 check character).")
    name: str = Field(min_length=1, description="企业名称.")
    registered_place: str | None = Field(None, description="注册地, e.g. 浙江省嘉兴市南湖区 (an address works).")
    qualifications: list[QualificationIn] = Field(
        default_factory=list, description="Qualifications held. Give the key to state the complete list "
        "([] = holds none): a qualification not listed is then 'not met'; leave the key out when unknown.")
    yearly: list[YearlyIn] = Field(default_factory=list, description="One entry per year.")
    patents: list[PatentIn] = Field(
        default_factory=list, description="Patents owned; give [] to state that the firm has none.")
    talents: list[TalentIn] = Field(default_factory=list)
    platforms: list[PlatformIn] = Field(default_factory=list)
    no_major_violation: bool | None = Field(None, description="无重大违法违规行为 (true) or not (false).")
    source: str | None = Field(None, description="Where these facts come from (defaults to the file name).")
    as_of: dt.date | None = Field(None, description="The date the facts were stated (ISO date).")

    @field_validator("credit_code")
    @classmethod
    def _code(cls, v: str) -> str:
        try:
            return validate_credit_code(v)
        except InvalidInput as e:
            raise ValueError(e.detail) from None

    @field_validator("yearly")
    @classmethod
    def _one_entry_per_year(cls, v: list[YearlyIn]) -> list[YearlyIn]:
        years = [y.year for y in v]
        dup = sorted({y for y in years if years.count(y) > 1})
        if dup:
            raise ValueError(f"year {dup[0]} is given more than once")
        return v


_SUBMODELS: dict[str, type[BaseModel]] = {"qualifications": QualificationIn, "yearly": YearlyIn,
                                          "patents": PatentIn, "talents": TalentIn, "platforms": PlatformIn}


def profile_json_schema() -> dict[str, Any]:
    """The JSON Schema of the profile format (the API serves it)."""
    return FirmProfileIn.model_json_schema()


def _path(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _explain(e: ValidationError) -> str:
    lines = []
    for err in e.errors():
        loc = err["loc"]
        if err["type"] == "extra_forbidden":
            owner = next((_SUBMODELS[p] for p in reversed(loc[:-1]) if p in _SUBMODELS), FirmProfileIn)
            msg = f"unknown attribute; allowed here: {', '.join(owner.model_fields)}"
        else:
            msg = err["msg"].removeprefix("Value error, ")
        lines.append(f"{_path(loc)}: {msg}")
    return "; ".join(lines)


def load_profile(source: str | Path | Mapping[str, Any], *, label: str | None = None) -> FirmProfileIn:
    """Read and check a firm profile.

    Args:
        source: a path to a JSON file, or the parsed JSON object.
        label: how to name the input in messages (defaults to the file name).

    Raises:
        InvalidInput: the file is missing or not JSON (with line and column), or the profile
            breaks the format (each problem with its field path, e.g. ``yearly[0].revenue``).
    """
    if isinstance(source, Mapping):
        data, label = dict(source), label or "profile"
    else:
        path = Path(source)
        label = label or path.name
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except OSError as e:
            raise InvalidInput(f"{label}: cannot read the profile ({e.strerror or e})") from None
        except UnicodeDecodeError:
            raise InvalidInput(f"{label}: a profile must be UTF-8 JSON") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise InvalidInput(f"{label}: malformed JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{label}: a profile is a JSON object with credit_code, name, …")
    try:
        return FirmProfileIn.model_validate(data)
    except ValidationError as e:
        raise InvalidInput(f"{label}: invalid profile: {_explain(e)}",
                           hint="see profile_json_schema() / the API's profile schema") from None


# ---------------------------------------------------------------------------- profile → graph
def _num(v: float) -> float | int:
    return int(v) if isinstance(v, float) and v.is_integer() else v


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def profile_to_document(profile: FirmProfileIn, source: str) -> DocumentGraph:
    """The graph a profile contributes: its facts on the firm's Enterprise node (merged with
    the registry's node of the same id), and the firm's qualifications, patents, platforms and
    talents as nodes and edges.

    Args:
        profile: a checked profile (`load_profile`).
        source: the file or channel it came from (the document's source); the facts cite
            `profile.source` if given, else this.
    """
    cc = profile.credit_code
    src = profile.source or source  # what the facts cite
    data = profile.model_dump(mode="json", exclude_none=True)
    text = _dumps(data)
    doc = DocumentGraph(f"profile:{cc}", hashlib.sha256((source + "\n" + text).encode()).hexdigest(), source)

    def prov(part: Any) -> Provenance:
        """Where a list item (a dict) or a top-level key (a str) is in the canonical JSON."""
        frag = f'"{part}":{_dumps(data[part])}' if isinstance(part, str) else _dumps(part)
        start = text.find(frag)
        if start < 0:  # not expected: every fragment is cut from `text`'s own serialisation
            start, frag = 0, text
        return Provenance(doc.doc_id, source, start, start + len(frag), frag[:SENTENCE_CHARS])

    as_of = profile.as_of.isoformat() if profile.as_of else None
    facts: list[Fact | dict[str, Any]] = []
    firm = enterprise_id(cc)
    # Not primary: a registry row owns the firm's name and scalar properties; facts lists merge.
    doc.add_node(firm, L_ENTERPRISE, profile.name, prov=prov("credit_code"),
                 **{P_CREDIT: cc})

    if profile.registered_place:
        chain = place_chain(profile.registered_place)
        p = prov("registered_place")
        add_place_chain(doc, firm, chain, p)
        facts.append(Fact("registered_place", "".join(chain) or profile.registered_place, date=as_of, source=src))

    for q, qd in zip(profile.qualifications, data["qualifications"]):
        c = _qualifications()[q.name]
        qid = node_id(L_QUAL, q.name)
        p = prov(qd)
        doc.add_node(qid, L_QUAL, q.name, prov=p, aliases=c.alt_labels)
        doc.add_edge(firm, R_HOLDS, qid, prov=p, **{P_FROM: q.date.isoformat(),
                                                    P_TO: q.expires.isoformat() if q.expires else None})
        fact = Fact("qualification", q.name, date=q.date.isoformat(), source=src).to_json()
        if q.expires:
            fact["expires"] = q.expires.isoformat()  # kept for the engine; Fact has no field for it yet
        facts.append(fact)

    if "qualifications" in profile.model_fields_set and not profile.qualifications:
        facts.append(Fact("qualification", NO_QUALIFICATION, date=as_of, source=src))

    units = _attribute_units()
    for y in profile.yearly:
        for attr in ("revenue", "tax_paid", "rd_expense", "rd_ratio", "employees"):
            v = getattr(y, attr)
            if v is not None:
                facts.append(Fact(attr, _num(v), unit=units.get(attr), year=y.year, source=src))

    for n, (pt, pd) in enumerate(zip(profile.patents, data["patents"]), 1):
        pid = f"{L_PATENT}:{cc}:{n}"
        p = prov(pd)
        doc.add_node(pid, L_PATENT, pt.title or pt.number or f"{pt.type}专利{n}", prov=p,
                     **{P_NUMBER: pt.number, P_TITLE: pt.title, P_PATENT_TYPE: pt.type,
                        P_FROM: pt.date.isoformat() if pt.date else None})
        doc.add_edge(firm, R_OWNS, pid, prov=p)
    if "patents" in profile.model_fields_set:
        facts.append(Fact("invention_patents", sum(1 for pt in profile.patents if pt.type == "发明"),
                          unit=units.get("invention_patents"), date=as_of, source=src))

    for i, (t, td) in enumerate(zip(profile.talents, data["talents"])):
        key = cc + t.name if t.name else f"{cc}#{i}{t.role or ''}{t.program or ''}"
        tid = f"{L_TALENT}:{hashlib.sha1(key.encode()).hexdigest()[:12]}"
        p = prov(td)
        doc.add_node(tid, L_TALENT, t.name or t.role or t.program or "人才", prov=p,
                     **{P_ROLE: t.role, P_PROGRAM: t.program})
        doc.add_edge(tid, R_WORKS_AT, firm, prov=p, **{P_ROLE: t.role})

    for pl, pld in zip(profile.platforms, data["platforms"]):
        plid = node_id(L_PLATFORM, pl.name)
        p = prov(pld)
        doc.add_node(plid, L_PLATFORM, pl.name, prov=p,
                     **{P_PTYPE: _canonical_in(PKG.PlatformTypeScheme, pl.type),
                        P_LEVEL: _canonical_in(PKG.LevelScheme, pl.level)})
        doc.add_edge(firm, R_OPERATES, plid, prov=p)
    if "platforms" in profile.model_fields_set:
        # one fact listing 级别+类型 of every platform (省级企业技术中心), so "not among them" is known
        held = [(_canonical_in(PKG.LevelScheme, pl.level) or "") + (_canonical_in(PKG.PlatformTypeScheme, pl.type)
                                                                   or pl.name) for pl in profile.platforms]
        facts.append(Fact("platform", held, date=as_of, source=src))

    if profile.no_major_violation is not None:
        facts.append(Fact("no_major_violation", profile.no_major_violation, date=as_of, source=src))

    doc.nodes[firm].properties[P_FACTS] = [f if isinstance(f, dict) else f.to_json() for f in facts]
    from policykg.ingest.units import units_for  # search units are built the one way ingest and reindex share

    doc.units = units_for(doc)
    return doc


# ---------------------------------------------------------------------------- graph → engine
_FACT_FIELDS = frozenset(Fact.__dataclass_fields__)


def fact_from_json(d: Mapping[str, Any] | str) -> Fact:
    """A stored fact (a JSON object, or its text) as an `eligibility.Fact`; keys the engine
    does not know (``expires``) are dropped."""
    obj = json.loads(d) if isinstance(d, str) else d
    return Fact(**{k: v for k, v in obj.items() if k in _FACT_FIELDS})


def firm_from_graph(node: Node, *, as_of: str | None = None) -> FirmProfile:
    """The engine's view of a stored Enterprise node: its `facts` as `eligibility.Fact`s.

    Args:
        node: a merged Enterprise node (`GraphStore.get_node`).
        as_of: an ISO date; qualifications that expired before it are left out.

    Raises:
        InvalidInput: the node is not an Enterprise.
    """
    if node.label != L_ENTERPRISE:
        raise InvalidInput(f"{node.id} is a {node.label}, not an {L_ENTERPRISE}")
    facts = []
    for raw in node.properties.get(P_FACTS, []):
        obj = json.loads(raw) if isinstance(raw, str) else raw
        if as_of and obj.get("expires") and obj["expires"] < as_of:
            continue
        facts.append(fact_from_json(obj))
    code = node.properties.get(P_CREDIT) or node.id.split(":", 1)[-1]
    return FirmProfile(code, node.name, facts)
