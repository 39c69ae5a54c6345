import re

import pytest

from policykg.ingest.text import DATE_RE, cn_to_int, find_doc_numbers, find_money, parse_date, parse_quantity


@pytest.mark.parametrize("text,yuan", [
    ("总规模为 5000万元的风险补偿金", 50_000_000),
    ("达到3亿元融通创新产业引导基金规模", 300_000_000),
    ("总规模2.39亿元", 239_000_000),
    ("奖励1,258万元", 12_580_000),
    ("一次性给予450万元", 4_500_000),
    ("最高不超过5万元", 50_000),
    ("补助800元", 800),
])
def test_money_is_normalised_to_yuan(text, yuan):
    [(_s, _e, value, _w)] = find_money(text)
    assert value == yuan


def test_numbers_without_yuan_are_not_money():
    assert find_money("引进人才49人，面积38万平方米") == []


@pytest.mark.parametrize("text,expected", [
    ("3亿元", (300_000_000, "元")), ("2亿", (200_000_000, "元")), ("100个", (100, "个")),
    ("5000万元", (50_000_000, "元")), ("1周", (1, "周")), ("建设期内", (None, None)),
])
def test_quantities_in_goal_tables(text, expected):
    assert parse_quantity(text) == expected


@pytest.mark.parametrize("text,number", [
    ("永川府办发〔2021〕49号", "永川府办发〔2021〕49号"),
    ("（国办发〔2020〕26号）", "国办发〔2020〕26号"),
    ("玉政发[2017]19号", "玉政发〔2017〕19号"),
    ("温岭市人民政府文件温政发〔2020〕57号", "温政发〔2020〕57号"),
    ("多层次资本市场的意见兰政发〔2017〕40号", "兰政发〔2017〕40号"),
    ("宁波市鄞州区财政局鄞商局〔2018〕40号", "鄞商局〔2018〕40号"),
])
def test_doc_numbers_are_found_and_normalised(text, number):
    assert [n for _s, _e, n in find_doc_numbers(text)] == [number]


def test_bracketless_doc_number_only_when_asked():
    assert find_doc_numbers("温政发202057号") == []
    assert [n for *_, n in find_doc_numbers("温政发202057号", bare=True)] == ["温政发〔2020〕57号"]


@pytest.mark.parametrize("text,iso", [
    ("2021年6月3日", "2021-06-03"), ("二〇二一年六月三日", "2021-06-03"), ("2017年12月5日印发", "2017-12-05"),
])
def test_dates(text, iso):
    assert parse_date(DATE_RE.search(text)) == iso


def test_impossible_date_is_rejected():
    assert parse_date(DATE_RE.search("2021年13月40日")) is None


def test_chinese_numerals():
    assert [cn_to_int(x) for x in ("二十四", "十", "一百零八", "24", "二〇二一")] == [24, 10, 108, 24, 2021]
    assert cn_to_int("十五") == 15 and re.fullmatch(r"\d+", str(cn_to_int("三十")))


@pytest.mark.parametrize("line", ["一、二、三等奖的科技孵化企业分别给以30万元、20万元、10万元的奖励。",
                                  "二、第三项目完成单位（个人）获得以上荣誉的，分别按…的60%、30%给予一次性奖励。",
                                  "1、2、3类人才所在单位，可以申请薪资补助"])
def test_numbers_listed_at_the_start_of_a_sentence_are_not_a_heading(line):
    from policykg.ingest.structure import parse_structure

    text = "关于印发某某办法的通知\n一、总则\n（一）第一项。\n" + line + "\n二、附则\n本办法自发布之日起施行。\n"
    numbers = [sec.number for sec in parse_structure(text).walk()]
    assert "附件" not in numbers and numbers.count("一、") == 1 and "二、" in numbers, numbers
