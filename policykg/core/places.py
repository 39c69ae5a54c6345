"""Places and administrative levels: the one reading of 省 / 市 / 区县 and of 国家级 / 省级 / 市级 /
区级 for addresses, issuing bodies, clause text, profiles and the engine.

Places are read level by level with one set of patterns: an address (`parse_place`,
`place_chain`), the name of a body or a title (`place_of_name`), a place word in a clause
(`PLACE_IN_TEXT`, `is_place_name`). Whether a firm registered at one place is in another is
decided with the ontology's PlaceScheme (`place_match`).

Levels are the ontology's LevelScheme (`level_labels`); the words text uses for them, their
patterns and their order (区级 < 市级 < 省级 < 国家级) are derived from it here
(`level_pattern`, `canonical_level`, `levels_in`, `level_of`, `strip_level`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from policykg.core.ontology import PKG, load_ontology

_HAN = r"[\u4e00-\u9fa5]"

# ---------------------------------------------------------------------------- units and patterns
# The unit words that end a place's name, by tier (province, city, county).
PROVINCE_UNITS = ("省", "自治区", "特别行政区")
CITY_UNITS = ("自治州", "地区", "盟", "市")
COUNTY_UNITS = ("自治县", "县", "区", "旗")
MUNICIPALITIES = ("北京", "天津", "上海", "重庆")  # province-level cities: no city level below them
_MUNICIPALITY_NAMES = tuple(m + "市" for m in MUNICIPALITIES)
_REGIONS = {"内蒙古": "内蒙古自治区", "广西": "广西壮族自治区", "西藏": "西藏自治区", "宁夏": "宁夏回族自治区",
            "新疆": "新疆维吾尔自治区", "香港": "香港特别行政区", "澳门": "澳门特别行政区"}


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


def _autonomous(units: tuple[str, ...], yes: bool) -> tuple[str, ...]:
    """The units of autonomous (and special) places, whose names are longer, or the others."""
    return tuple(u for u in units if u.startswith(("自治", "特别")) == yes)


_PROVINCE_RE = re.compile(
    rf"(?P<muni>{'|'.join(MUNICIPALITIES)})市?"
    rf"|(?P<region>{'|'.join(_REGIONS)})(?:{_HAN}{{0,4}}?(?:{_alt(_autonomous(PROVINCE_UNITS, True))}))?"
    rf"|(?P<prov>{_HAN}{{2,3}}?(?:{_alt(_autonomous(PROVINCE_UNITS, False))}))")
# Autonomous prefectures and counties carry the names of their peoples: longer names.
_CITY_RE = re.compile(rf"{_HAN}{{2,8}}?(?:{_alt(_autonomous(CITY_UNITS, True))})"
                      rf"|{_HAN}{{2,3}}?(?:{_alt(_autonomous(CITY_UNITS, False))})")
_COUNTY_RE = re.compile(rf"{_HAN}{{2,8}}?(?:{_alt(_autonomous(COUNTY_UNITS, True))})"
                        rf"|{_HAN}{{1,3}}?(?:{_alt(_autonomous(COUNTY_UNITS, False))})")
_COUNTY_CITY_RE = re.compile(rf"{_HAN}{{2,3}}?市")  # a county-level city under a city: 嘉兴市平湖市
# A chain of places already read (浙江省嘉兴市平湖市) split into its units; names of any length.
_UNIT_RE = re.compile(rf"{_HAN}+?(?:{'|'.join(CITY_UNITS + COUNTY_UNITS)})")
_SUFFIX = re.compile(rf"(?:{_alt(COUNTY_UNITS)}|市)$")

# Words that end like a district but name none: 永川工业园区, 某某小区, 嘉兴港区, 杭州湾新区. A firm's
# registration names the county the zone is in, so a zone is never a registered place. (Not 城区 or
# 营区: 柯城区, 西城区 and 东营区 are districts; a bare 城区 is caught by its length.)
NOT_A_PLACE = ("园区", "开发区", "经开区", "新区", "产业区", "功能区", "集聚区", "示范区", "试验区", "保税区", "港区",
               "小区", "社区", "街区", "片区", "校区", "厂区", "景区")
# What a body's name may start with before its place: 中共东阳市委, 中国人民银行嘉兴市中心支行.
_BODY_PREFIX = re.compile(r"^(?:中共|中国人民银行|国家税务总局)")

# A place word in running text (在嘉兴市范围内注册, 注册地在平湖市): a name and a unit; what is in front
# of the name (对, 在, 当年) is the sentence's, for the reader to trim.
PLACE_IN_TEXT = rf"{_HAN}{{2,5}}?(?:省|市|县|区)"
# 本省 / 我市 / 本县 / 我区: the place of whoever issued the text.
OWN_PLACE = r"[本我](?:省|市|县|区)"


def normalise_province(province: str | None) -> str | None:
    """A province as written, in full.

    Args:
        province: 浙江, 浙江省, 重庆, 广西 … (a 所在省份 column); may be None or blank.

    Returns:
        浙江省, 重庆市 (a municipality), 广西壮族自治区; None for no province.
    """
    if not province:
        return None
    p = province.strip()
    if not p:
        return None
    if p.endswith(PROVINCE_UNITS) or (p.endswith("市") and p[:-1] in MUNICIPALITIES):
        return p
    if p in MUNICIPALITIES:
        return p + "市"
    return _REGIONS.get(p, p + "省")


def is_place_name(word: str) -> bool:
    """Whether a word read as a place (it ends in 省 / 市 / 区 / 县 …) names an administrative place.

    Args:
        word: e.g. 平湖市, 永川区, 永川工业园区, 社区.

    Returns:
        False for a zone or part of a place (园区, 开发区, 小区 …, see `NOT_A_PLACE`) unless the
        ontology's PlaceScheme lists it, and for a bare two-character 区 (该区, 城区, 港区); True
        otherwise.
    """
    if word.endswith("区") and len(word) <= 2:
        return False
    return not word.endswith(NOT_A_PLACE) or word in _place_labels()


def _province_at_start(text: str, *, in_full: bool) -> re.Match[str] | None:
    """The province `text` starts with; `in_full`: only as spelt in full (重庆市, not 重庆)."""
    m = _PROVINCE_RE.match(text)
    if m and in_full and not m.group(0).endswith(PROVINCE_UNITS + ("市",)):
        return None
    return m


@dataclass(frozen=True)
class ParsedPlace:
    """The levels read at the start of an address or a name."""

    province: str | None
    city: str | None
    county: str | None
    rest: str  # the text after the last level read
    zone: str | None = None  # a zone read where a county would be (嘉兴港区): not an administrative level

    @property
    def chain(self) -> list[str]:
        """The levels read, widest first: [重庆市, 永川区], [浙江省, 嘉兴市, 平湖市]."""
        return [x for x in (self.province, self.city, self.county) if x]

    @property
    def city_level(self) -> str | None:
        """The city, or the municipality that stands at the city level: 重庆市 for 重庆市永川区."""
        if self.city:
            return self.city
        return self.province if self.province in _MUNICIPALITY_NAMES else None

    @property
    def name(self) -> str | None:
        """The most specific place, a county with its city: 台州市黄岩区, 重庆市永川区, 平湖市, 浙江省."""
        if self.county:
            return (self.city_level or "") + self.county
        return self.city or self.province


def _read(text: str, *, name: bool) -> ParsedPlace:
    """省 / 市 / 区县 at the start of `text`. A name (`name=True`) spells its levels in full (重庆市,
    not 重庆) and never has a county-level city after its city (中共嘉兴市委嘉兴市…)."""
    pos, province, city, county, zone = 0, None, None, None, None
    m = _province_at_start(text, in_full=name)
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
    if k and is_place_name(k.group(0)):
        county, pos = k.group(0), k.end()
    else:
        if k and k.group(0).endswith(NOT_A_PLACE):
            zone = k.group(0)  # not a level: `rest` still starts with it
        if city and not name and (kc := _COUNTY_CITY_RE.match(text, pos)):
            county, pos, zone = kc.group(0), kc.end(), None
    return ParsedPlace(province, city, county, text[pos:], zone)


def parse_place(address: str | None) -> ParsedPlace:
    """省 / 市 / 区县 at the start of an address.

    A municipality (重庆, 重庆市) is the province level and has no city level; an address may drop
    a municipality's 市 and name a county-level city under its city.

    Args:
        address: the address as written (may be None); white space is ignored.

    Returns:
        The levels read, e.g. 重庆市永川区… → (重庆市, None, 永川区); 浙江省嘉兴市平湖市… →
        (浙江省, 嘉兴市, 平湖市). A zone where the county would be (永川工业园区) is no county.
    """
    text = re.sub(r"\s+", "", address or "").replace("（", "(").replace("）", ")")
    return _read(text, name=False)


def place_of_name(text: str | None) -> ParsedPlace | None:
    """The place a body's name or a document's title starts with.

    Args:
        text: 台州市黄岩区人民政府办公室, 中共东阳市委东阳市人民政府, 中国人民银行嘉兴市中心支行,
            嘉兴港区管委会, 遂昌县振兴生态工业三十九条.

    Returns:
        The levels read (台州市 + 黄岩区; 东阳市; 嘉兴市), or None when the text names no place. A
        zone named after its city (嘉兴港区) stands for the city, and is kept as `zone`.
    """
    if not text:
        return None
    p = _read(_BODY_PREFIX.sub("", re.sub(r"\s+", "", text)), name=True)
    if p.zone and not (p.province or p.city) and len(p.zone) >= 4:
        p = ParsedPlace(None, p.zone[:2] + "市", None, p.rest, p.zone)
    return p if (p.province or p.city or p.county) else None


def county_stem(county: str) -> str:
    """The name of a county without its unit, as an address may write it.

    Args:
        county: 永川区, 平湖市, 景宁畲族自治县.

    Returns:
        永川, 平湖, 景宁畲族.
    """
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

    Returns:
        The chain, without repeats; [] when nothing is known.
    """
    p = parse_place(address)
    known = known_counties or {}
    prov = p.province or normalise_province(province)
    county = p.county
    if county is None:
        county = next((full for stem, full in sorted(known.items(), key=lambda kv: -len(kv[0]))
                       if len(stem) >= 2 and p.rest.startswith(stem)), None)
    if county is None and district:
        d = district.strip()
        county = known.get(d) or (d if _SUFFIX.search(d) and len(d) >= 2 else None)
    chain = [x for x in (prov, p.city, county) if x]
    return list(dict.fromkeys(chain))


# ---------------------------------------------------------------------------- is a place in another
@lru_cache(maxsize=1)
def _place_labels() -> frozenset[str]:
    """Every label of the ontology's PlaceScheme."""
    return frozenset(lb for c in load_ontology().concepts(PKG.PlaceScheme) for lb in c.labels)


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
    """Whether a firm registered at one place is in another.

    An address that skips its city is placed through the ontology's places (浙江省平湖市 → 嘉兴市);
    a district name is only the same district in the same province (重庆市江北区 is not 宁波市江北区).

    Args:
        have: the firm's place, as a profile's address chain reads (浙江省嘉兴市平湖市).
        want: the place a clause asks for (嘉兴市, 平湖市, 宁波市北仑区).

    Returns:
        True or False; None when `have` is too coarse to tell (浙江省 against 嘉兴市): a missing
        fact, never a 'no'.
    """
    if want in have:
        return True
    cities, county_city, province_of = _gazetteer()
    province = _province_at_start(have, in_full=True)
    prov = province.group(0) if province else ""
    if prov and province_of.get(want, prov) != prov:
        return False  # 平湖市 is in 浙江省, the firm in 重庆市
    units = _UNIT_RE.findall(have[province.end():] if province else have)
    inferred = [county_city[(prov, u)] for u in units if (prov, u) in county_city and county_city[(prov, u)] not in units]
    if inferred:
        units = inferred[:1] + units
        if want in prov + "".join(units):
            return True
    has_city = have.startswith(_MUNICIPALITY_NAMES) or any(u in cities for u in units) or len(units) >= 2
    has_county = any(u.endswith(COUNTY_UNITS) or (u.endswith("市") and u not in cities) and has_city
                     for u in units[1:] or units)
    if has_city and (has_county or want in cities or want.endswith(PROVINCE_UNITS)):
        return False  # the firm's city is known, and the place asked for is another city or narrower
    if want.endswith(PROVINCE_UNITS) and prov:
        return False
    if want.endswith(COUNTY_UNITS) and any(u.endswith(COUNTY_UNITS) for u in units):
        return False  # another county
    return None


# ---------------------------------------------------------------------------- levels
@lru_cache(maxsize=1)
def level_labels() -> tuple[str, ...]:
    """Every label of the ontology's LevelScheme (国家级, 省级, 省部级, 区级, 县级 …), longest first."""
    o = load_ontology()
    return tuple(sorted({lb for c in o.concepts(PKG.LevelScheme) for lb in c.labels}, key=len, reverse=True))


def _tier(label: str) -> int:
    """0 for the nation, 1 province, 2 city, 3 county: the tier of the unit a level names (省级 → 省)."""
    stem = label.removesuffix("级")
    for tier, units in ((1, PROVINCE_UNITS), (2, CITY_UNITS), (3, COUNTY_UNITS)):
        if stem.startswith(units) or stem.endswith(units):
            return tier
    return 0


@lru_cache(maxsize=1)
def _levels() -> tuple[tuple[str, ...], dict[str, str], dict[str, int]]:
    """(the LevelScheme's prefLabels from the widest, every level word → its prefLabel, prefLabel →
    tier). Level words are the labels and their stems without 级 (省级 → 省, 县级 → 县)."""
    words: dict[str, str] = {}
    tiers: dict[str, int] = {}
    for c in load_ontology().concepts(PKG.LevelScheme):
        tiers[c.pref_label] = _tier(c.pref_label)
        for label in c.labels:
            words.setdefault(label, c.pref_label)
    for label, pref in list(words.items()):
        stem = label.removesuffix("级")
        if stem and stem != label:
            words.setdefault(stem, pref)
    order = tuple(sorted(tiers, key=lambda p: tiers[p]))
    return order, words, tiers


def level_words() -> tuple[str, ...]:
    """Every word text uses for a level: the LevelScheme's labels and their stems without 级
    (国家级, 国家, 省部级, 省部, 省级, 省, 市级, 市, 区级, 区, 县级, 县), longest first."""
    return tuple(sorted(_levels()[1], key=lambda w: (-len(w), w)))


@lru_cache(maxsize=4)
def level_pattern(*, bare: bool = False) -> str:
    """Regex source for one level word, as in 国家、省和嘉兴市级 / 省级以上 / 县级.

    Args:
        bare: whether the stems of every tier count without 级 (市, 区, 县). Off, only the nation's and
            a province's do (国家重点实验室, 省重点实验室): a bare 市 or 区 is part of too many words
            (市场, 城区) to be read in running text; on, for text that is known to be a level phrase
            (the start of a qualification's name, what is left around a criterion).

    Returns:
        The pattern (no groups); a city's own name may stand before its level (嘉兴市级).
    """
    _order, words, tiers = _levels()
    allowed = [w for w, pref in words.items() if bare or w.endswith("级") or tiers[pref] <= 1]
    city = [w for w, pref in words.items() if tiers[pref] == 2 and (bare or w.endswith("级"))]
    # the name in front of 市级 is at most three characters; in running text none is a word that ends
    # the phrase before a level (认定为市级, 获评市级, 在市级)
    char = _HAN if bare else rf"(?:(?![的为在有评获]){_HAN})"
    named = rf"{char}{{0,3}}(?:{_alt(city)})"
    return rf"(?:{_alt(allowed)}|{named})"


def canonical_level(word: str) -> str | None:
    """The LevelScheme prefLabel a level word stands for.

    Args:
        word: 国家, 省部级, 省, 嘉兴市级, 县级 …

    Returns:
        国家级, 省级, 省级, 市级, 区级; None when the word names no level.
    """
    _order, words, _tiers = _levels()
    w = word.strip()
    if w in words:
        return words[w]
    return next((words[k] for k in sorted(words, key=len, reverse=True) if k.endswith("级") and w.endswith(k)), None)


def levels_in(phrase: str, *, and_above: bool = False) -> list[str]:
    """The levels a list of level words names, in the order written.

    Args:
        phrase: 国家、省和嘉兴市级, 国家级、省级, 市级 …
        and_above: the phrase is followed by 以上 / 及以上: one level then means it and every wider one.

    Returns:
        e.g. [国家级, 省级, 市级]; 市级 and above → [市级, 省级, 国家级].
    """
    order, _words, tiers = _levels()
    out: list[str] = []
    for w in re.split(r"[、和及与或]", phrase):
        lv = canonical_level(w)
        if lv and lv not in out:
            out.append(lv)
    if and_above and len(out) == 1:
        out = sorted((p for p in order if tiers[p] <= tiers[out[0]]), key=lambda p: -tiers[p])
    return out


def level_of(text: str) -> str | None:
    """The widest level a piece of text names with a LevelScheme label.

    Args:
        text: e.g. a platform's name with the words in front of it (新认定的国家级企业技术中心).

    Returns:
        The prefLabel (国家级, 省级, 市级, 区级), or None.
    """
    order, words, _tiers = _levels()
    for pref in order:
        if any(w in text for w in level_labels() if words[w] == pref):
            return pref
    return None


def strip_level(label: str) -> str:
    """A name without the one level or place written in front of it.

    Args:
        label: 省级专精特新中小企业, 国家级专精特新小巨人企业, 浙江省科技型中小企业, 嘉兴市级企业技术中心.

    Returns:
        专精特新中小企业, 专精特新小巨人企业, 科技型中小企业, 企业技术中心; the label itself when
        nothing stands in front of it.
    """
    s = label.strip()
    m = re.match(_alt(level_words()), s)
    if m is None:  # the shortest place name: 嘉兴市 of 嘉兴市省政府质量奖, not 嘉兴市省
        found = (_province_at_start(s, in_full=True), _CITY_RE.match(s), _COUNTY_RE.match(s))
        m = min((x for x in found if x), key=lambda x: x.end(), default=None)
    if m is None:
        return s
    rest = s[m.end():]
    rest = rest.removeprefix("级") if m.group(0) not in level_words() else rest
    return rest or s
