"""The one reading of places and administrative levels (policykg.core.places)."""

from __future__ import annotations

import re

import pytest

from policykg.core.places import (
    OWN_PLACE,
    canonical_level,
    county_stem,
    is_place_name,
    level_labels,
    level_of,
    level_pattern,
    levels_in,
    normalise_province,
    parse_place,
    place_chain,
    place_match,
    place_of_name,
    strip_level,
)


# ---------------------------------------------------------------- addresses
@pytest.mark.parametrize(("address", "levels", "rest"), [
    ("浙江省嘉兴市平湖市当湖街道", ("浙江省", "嘉兴市", "平湖市"), "当湖街道"),  # a county-level city under its city
    ("浙江省平湖市经济开发区", ("浙江省", "平湖市", None), "经济开发区"),
    ("重庆市永川区人民大道1号", ("重庆市", None, "永川区"), "人民大道1号"),  # a municipality has no city level
    ("重庆永川区胜利路", ("重庆市", None, "永川区"), "胜利路"),  # an address may drop a municipality's 市
    ("重庆市永川工业园区凤凰湖", ("重庆市", None, None), "永川工业园区凤凰湖"),  # a zone is no county
    ("浙江省嘉兴市嘉兴港区乍浦镇", ("浙江省", "嘉兴市", None), "嘉兴港区乍浦镇"),
    ("浙江省衢州市柯城区", ("浙江省", "衢州市", "柯城区"), ""),  # 柯城区 ends in 城区 and is a district
    ("广西壮族自治区南宁市青秀区", ("广西壮族自治区", "南宁市", "青秀区"), ""),
    ("南湖区凌公塘路", (None, None, "南湖区"), "凌公塘路"),
    (" 浙江省 杭州市 ", ("浙江省", "杭州市", None), ""),
    (None, (None, None, None), ""),
])
def test_parse_place(address, levels, rest):
    p = parse_place(address)
    assert (p.province, p.city, p.county) == levels
    assert p.rest == rest


@pytest.mark.parametrize(("address", "kwargs", "chain"), [
    ("浙江省嘉兴市平湖市当湖街道", {}, ["浙江省", "嘉兴市", "平湖市"]),
    ("重庆市永川区人民大道1号", {}, ["重庆市", "永川区"]),
    ("重庆市永川工业园区凤凰湖", {}, ["重庆市"]),
    ("重庆市永川工业园区凤凰湖", {"known_counties": {"永川": "永川区"}}, ["重庆市", "永川区"]),
    (None, {"province": "重庆", "district": "永川"}, ["重庆市"]),  # 永川 alone is no district name
    (None, {"province": "重庆", "district": "永川区"}, ["重庆市", "永川区"]),
    ("南湖区凌公塘路", {"province": "浙江"}, ["浙江省", "南湖区"]),
    ("", {}, []),
])
def test_place_chain(address, kwargs, chain):
    assert place_chain(address, **kwargs) == chain


@pytest.mark.parametrize(("province", "full"), [
    ("浙江", "浙江省"), ("浙江省", "浙江省"), ("重庆", "重庆市"), ("重庆市", "重庆市"),
    ("广西", "广西壮族自治区"), ("  ", None), (None, None),
])
def test_normalise_province(province, full):
    assert normalise_province(province) == full


@pytest.mark.parametrize(("county", "stem"), [("永川区", "永川"), ("平湖市", "平湖"), ("景宁畲族自治县", "景宁畲族")])
def test_county_stem(county, stem):
    assert county_stem(county) == stem


@pytest.mark.parametrize(("word", "is_place"), [
    ("平湖市", True), ("永川区", True), ("柯城区", True), ("西城区", True), ("东营区", True),
    ("永川工业园区", False), ("物流园区", False), ("嘉兴港区", False), ("杭州湾新区", False), ("某某小区", False),
    ("社区", False), ("城区", False), ("该区", False),
])
def test_is_place_name(word, is_place):
    assert is_place_name(word) is is_place


# ---------------------------------------------------------------- names of bodies and titles
@pytest.mark.parametrize(("text", "chain", "name"), [
    ("平湖市人民政府", ["平湖市"], "平湖市"),
    ("台州市黄岩区人民政府办公室", ["台州市", "黄岩区"], "台州市黄岩区"),
    ("重庆市永川区人民政府办公室", ["重庆市", "永川区"], "重庆市永川区"),
    ("中共东阳市委东阳市人民政府", ["东阳市"], "东阳市"),  # not 东阳市 + a county-level city 委东阳市
    ("中国人民银行嘉兴市中心支行", ["嘉兴市"], "嘉兴市"),
    ("浙江省环境保护厅", ["浙江省"], "浙江省"),
    ("嘉兴港区管委会", ["嘉兴市"], "嘉兴市"),  # a zone named after its city stands for the city
    ("遂昌县振兴生态工业三十九条", ["遂昌县"], "遂昌县"),
])
def test_place_of_name(text, chain, name):
    p = place_of_name(text)
    assert p is not None and p.chain == chain and p.name == name


def test_a_zone_is_kept_apart_from_the_levels():
    p = place_of_name("嘉兴港区党工委嘉兴港区管委会")
    assert (p.city, p.county, p.zone) == ("嘉兴市", None, "嘉兴港区")


@pytest.mark.parametrize("text", ["关于进一步加强工业经济发展的若干意见", "上海证券交易所", "高新区管委会", "", None])
def test_a_name_without_a_place(text):
    assert place_of_name(text) is None


@pytest.mark.parametrize(("text", "city_level"), [
    ("重庆市永川区人民政府", "重庆市"),  # 我市 in a district of 重庆 is 重庆市
    ("台州市黄岩区人民政府", "台州市"),
    ("仙居县人民政府", None),
    ("浙江省人民政府", None),
])
def test_the_city_level_of_a_place(text, city_level):
    assert place_of_name(text).city_level == city_level


@pytest.mark.parametrize(("word", "own"), [("我市", True), ("本县", True), ("我区", True), ("本省", True), ("该市", False)])
def test_own_place_words(word, own):
    assert bool(re.fullmatch(OWN_PLACE, word)) is own


# ---------------------------------------------------------------- is a place in another
@pytest.mark.parametrize(("have", "want", "expected"), [
    ("浙江省嘉兴市平湖市", "嘉兴市", True),
    ("浙江省嘉兴市平湖市", "平湖市", True),
    ("浙江省平湖市", "嘉兴市", True),  # the ontology's places put 平湖市 in 嘉兴市
    ("重庆市永川区", "重庆市", True),
    ("浙江省", "嘉兴市", None),  # too coarse to tell
    ("浙江省嘉兴市", "平湖市", None),
    ("重庆市江北区", "宁波市江北区", False),  # the same district name in another province
    ("重庆市江北区", "江北区", True),
    ("浙江省宁波市鄞州区", "宁波市江北区", False),
    ("重庆市永川区", "平湖市", False),
    ("浙江省湖州市", "嘉兴市", False),
    ("浙江省台州市临海市", "仙居县", False),
])
def test_place_match(have, want, expected):
    assert place_match(have, want) is expected


# ---------------------------------------------------------------- levels
def test_level_labels_are_the_schemes_longest_first():
    labels = level_labels()
    assert {"国家级", "国家", "省级", "省部级", "市级", "区级", "县级"} <= set(labels)
    assert [len(x) for x in labels] == sorted((len(x) for x in labels), reverse=True)


@pytest.mark.parametrize(("word", "level"), [
    ("国家", "国家级"), ("国家级", "国家级"), ("省", "省级"), ("省部级", "省级"), ("嘉兴市级", "市级"),
    ("市级", "市级"), ("县级", "区级"), ("区级", "区级"), ("专精特新", None),
])
def test_canonical_level(word, level):
    assert canonical_level(word) == level


@pytest.mark.parametrize(("phrase", "and_above", "levels"), [
    ("国家、省和嘉兴市级", False, ["国家级", "省级", "市级"]),
    ("国家级、省级", False, ["国家级", "省级"]),
    ("县级或区级", False, ["区级"]),
    ("市级", True, ["市级", "省级", "国家级"]),
    ("省级", True, ["省级", "国家级"]),
    ("国家级、省级", True, ["国家级", "省级"]),  # 以上 after a list adds nothing
])
def test_levels_in(phrase, and_above, levels):
    assert levels_in(phrase, and_above=and_above) == levels


@pytest.mark.parametrize(("text", "level"), [
    ("新认定的国家级企业技术中心", "国家级"),
    ("国家重点实验室", "国家级"),
    ("省部级重点实验室", "省级"),
    ("县级众创空间", "区级"),
    ("由省级升格为国家级企业技术中心", "国家级"),  # the widest level named
    ("企业技术中心", None),
])
def test_level_of(text, level):
    assert level_of(text) == level


@pytest.mark.parametrize(("word", "plain", "bare"), [
    ("国家", True, True), ("省", True, True), ("省部级", True, True), ("嘉兴市级", True, True), ("县级", True, True),
    ("市", False, True), ("区", False, True), ("市场", False, False), ("为市级", False, True),
])
def test_level_pattern(word, plain, bare):
    assert bool(re.fullmatch(level_pattern(), word)) is plain
    assert bool(re.fullmatch(level_pattern(bare=True), word)) is bare


@pytest.mark.parametrize(("label", "bare"), [
    ("省级专精特新中小企业", "专精特新中小企业"),
    ("国家级专精特新小巨人企业", "专精特新小巨人企业"),
    ("省部级专精特新企业", "专精特新企业"),
    ("浙江省科技型中小企业", "科技型中小企业"),
    ("浙江省级科技型中小企业", "科技型中小企业"),
    ("嘉兴市级企业技术中心", "企业技术中心"),
    ("嘉兴市市长质量奖", "市长质量奖"),  # one place stripped, not 嘉兴市市
    ("永川区省政府质量奖", "省政府质量奖"),
    ("高新技术企业", "高新技术企业"),
    ("省级", "省级"),  # nothing behind the level: the label itself
])
def test_strip_level(label, bare):
    assert strip_level(label) == bare
