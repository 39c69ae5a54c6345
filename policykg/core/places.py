"""Places and administrative levels: one reading of 省 / 市 / 区县 for addresses, clauses,
profiles and the engine.

Addresses are read level by level (`parse_place`, `place_chain`); whether a firm registered at
one place is in another is decided with the ontology's PlaceScheme (`place_match`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from policykg.core.ontology import PKG, load_ontology

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


# ---------------------------------------------------------------------------- levels
@lru_cache(maxsize=1)
def level_labels() -> tuple[str, ...]:
    """Every label of the ontology's LevelScheme (国家级, 省级, 市级 …), longest first."""
    o = load_ontology()
    return tuple(sorted({lb for c in o.concepts(PKG.LevelScheme) for lb in c.labels}, key=len, reverse=True))



# ---------------------------------------------------------------------------- is a place in another
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
_CHAIN_PROVINCE_RE = re.compile(r"^(?:北京市|天津市|上海市|重庆市|[\u4e00-\u9fa5]{2,3}?省|[\u4e00-\u9fa5]{2,8}?(?:自治区|特别行政区))")
_UNIT_RE = re.compile(r"[\u4e00-\u9fa5]+?(?:自治州|地区|盟|市|自治县|县|区|旗)")
_COUNTY_END = ("县", "区", "旗")


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[frozenset[str], dict[tuple[str, str], str], dict[str, str]]:
    """From the ontology's PlaceScheme: the cities (地级市) it lists, (province, county) → city, and
    the province of each listed city and county name that no other listed province shares."""
    o = load_ontology()
    concepts = {c.iri: c for c in o.concepts(PKG.PlaceScheme)}
    cities: set[str] = set()
    county_city: dict[tuple[str, str], str] = {}
    for c in concepts.values():
        up = concepts.get(c.broader)
        top = concepts.get(up.broader) if up is not None else None
        if up is not None and top is None:
            cities.add(c.pref_label)  # a city: its broader is a province
        elif top is not None:
            for label in c.labels:
                county_city[(top.pref_label, label)] = up.pref_label
    seen: dict[str, set[str]] = {}
    for c in concepts.values():
        up = concepts.get(c.broader)
        top = concepts.get(up.broader) if up is not None else None
        province = top or up
        if province is not None:
            for label in c.labels:
                seen.setdefault(label, set()).add(province.pref_label)
    province_of = {label: next(iter(ps)) for label, ps in seen.items() if len(ps) == 1}
    return frozenset(cities), county_city, province_of


def place_match(have: str, want: str) -> bool | None:
    """Whether a firm registered at `have` (浙江省嘉兴市平湖市, as a profile's address chain reads) is
    in `want` (嘉兴市, 平湖市, 宁波市北仑区). An address that skips its city is placed through the
    ontology's places (浙江省平湖市 → 嘉兴市). None when the address is too coarse to tell (浙江省 against
    嘉兴市): a missing fact, never a 'no'."""
    if want in have:
        return True
    cities, county_city, province_of = _gazetteer()
    province = _CHAIN_PROVINCE_RE.match(have)
    prov = province.group(0) if province else ""
    if prov and province_of.get(want, prov) != prov:
        return False  # 平湖市 is in 浙江省, the firm in 重庆市
    units = _UNIT_RE.findall(have[province.end():] if province else have)
    inferred = [county_city[(prov, u)] for u in units if (prov, u) in county_city and county_city[(prov, u)] not in units]
    if inferred:
        units = inferred[:1] + units
        if want in prov + "".join(units):
            return True
    has_city = have.startswith(_MUNICIPALITIES) or any(u in cities for u in units) or len(units) >= 2
    has_county = any(u.endswith(_COUNTY_END) or (u.endswith("市") and u not in cities) and has_city
                     for u in units[1:] or units)
    if has_city and (has_county or want in cities or want.endswith(("省", "自治区"))):
        return False  # the firm's city is known, and the place asked for is another city or narrower
    if want.endswith(("省", "自治区")) and prov:
        return False
    if want.endswith(_COUNTY_END) and any(u.endswith(_COUNTY_END) for u in units):
        return False  # another county
    return None
