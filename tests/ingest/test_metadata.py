"""Must show: 文号, issuing bodies, issue date and title come out as a careful reader annotates
them (bench/dev/metadata.jsonl, made from the head and tail of each document), and the rules
behind them: joint issuers split into bodies, the signature's date preferred over dates in the
content, the issuer read from the signature when the head names none."""

from __future__ import annotations

import json
import re

import pytest

from policykg.ingest.pipeline import extract_document
from policykg.ingest.reader import read_document
from policykg.ingest.structure import agency_run, parse_structure, split_issuers
from tests.conftest import CORPUS, REPO, ZHEJIANG

DEVSET = [json.loads(ln) for ln in (REPO / "bench" / "dev" / "metadata.jsonl").read_text(encoding="utf-8").splitlines()
          if ln.strip()]
FIELDS = ("doc_number", "issuers", "date", "title")
_WIDTH = str.maketrans({"(": "（", ")": "）", "<": "〈", ">": "〉", "《": "〈", "》": "〉"})


def read_fields(path):
    g = extract_document(read_document(path))
    doc = g.nodes[g.policy_id].properties
    issuers = sorted(g.nodes[e.target].name for e in g.edges.values()
                     if e.label == "ISSUED_BY" and e.source == g.policy_id)
    title = doc.get("title")
    return {"doc_number": doc.get("doc_number"), "issuers": issuers or None, "date": doc.get("issue_date"),
            "title": re.sub(r"\s+", "", title).translate(_WIDTH) if title else None}


@pytest.fixture(scope="module")
def scored():
    out = []
    for row in DEVSET:
        path = ZHEJIANG / row["doc"] if (ZHEJIANG / row["doc"]).exists() else CORPUS / row["doc"]
        want = {**row, "issuers": sorted(row["issuers"]) if row["issuers"] else None,
                "title": row["title"].translate(_WIDTH) if row["title"] else None}
        out.append((row["doc"], want, read_fields(path)))
    return out


def test_the_dev_set_covers_30_documents_and_the_seed():
    docs = {r["doc"] for r in DEVSET}
    assert len(docs) >= 30 and "yongchuan_fuban_2021_49.txt" in docs


@pytest.mark.parametrize("field", FIELDS)
def test_each_field_is_right_on_95_percent_of_the_dev_set(scored, field):
    misses = [(doc, want[field], got[field]) for doc, want, got in scored if want[field] != got[field]]
    assert len(misses) <= 0.05 * len(scored), misses


@pytest.mark.parametrize(("run", "bodies"), [
    ("中国人民银行湖州市中心支行湖州市人力资源和社会保障局湖州市财政局",
     ["中国人民银行湖州市中心支行", "湖州市人力资源和社会保障局", "湖州市财政局"]),
    ("安吉县人力资源和社会保障局安吉县财政局中国人民银行安吉支行",
     ["安吉县人力资源和社会保障局", "安吉县财政局", "中国人民银行安吉支行"]),
    ("中共舟山市委组织部舟山市人力资源和社会保障局舟山市财政局", ["中共舟山市委组织部", "舟山市人力资源和社会保障局", "舟山市财政局"]),
    ("中共东阳市委东阳市人民政府", ["中共东阳市委", "东阳市人民政府"]),
    ("中共玉环市委　玉环市人民政府", ["中共玉环市委", "玉环市人民政府"]),
    ("市商务局、市财政局", ["市商务局", "市财政局"]),
    # one body each, not to be cut
    ("嘉兴市人民政府金融工作办公室", ["嘉兴市人民政府金融工作办公室"]),
    ("中共三门县委人才工作领导小组办公室", ["中共三门县委人才工作领导小组办公室"]),
    ("嘉兴市经济和信息化委员会", ["嘉兴市经济和信息化委员会"]),
])
def test_joint_issuers_are_split_into_bodies(run, bodies):
    assert split_issuers(run) == bodies


def test_a_signature_that_runs_into_the_attached_title_gives_only_the_bodies():
    line = "嘉兴市市场监督管理局嘉兴市国家税务局嘉兴市地税局嘉兴市公安局嘉兴市行政审批服务中心嘉兴市压缩常态化企业开办时间工作方案为深入贯彻"
    names, end = agency_run(line)
    assert names == ["嘉兴市市场监督管理局", "嘉兴市国家税务局", "嘉兴市地税局", "嘉兴市公安局", "嘉兴市行政审批服务中心"]
    assert line[end:].startswith("嘉兴市压缩")
    assert agency_run("嘉兴市科技局负责审核")[0] == []  # a sentence about a body is no signature


HEAD = "湖政发〔2018〕4号\n湖州市人民政府关于印发十条政策的通知各县区人民政府：\n现将《十条政策》印发给你们，请认真贯彻执行。\n"


@pytest.mark.parametrize(("text", "date"), [
    # the signature (成文日期), not the 印发 date
    (HEAD + "湖州市人民政府2018年2月2日十条政策为积极响应…\n一、鼓励企业。\n湖州市人民政府办公室2018年2月22日印发\n", "2018-02-02"),
    # no signed date: the 印发 line
    (HEAD + "湖州市人民政府（此件公开发布）\n一、鼓励企业。\n湖州市人民政府办公室2018年2月22日印发\n", "2018-02-22"),
    # dates of the content are not the issue date
    (HEAD + "一、本政策自2018年3月1日起施行，有效期至2020年12月31日。\n", None),
    ("关于印发股改10条的通知\n《股改10条》已经2017年7月27日县政府第九次县长办公会议研究同意，现印发给你们。\n", None),
])
def test_the_issue_date_is_the_signature_date(text, date):
    assert parse_structure(text).header.date == date


def test_the_issuer_comes_from_the_signature_when_the_head_names_none():
    text = ("仙政发〔2017〕185号\n关于促进新材料产业发展的若干意见\n各乡镇人民政府：\n一、扶持对象。\n"
            "仙居县人民政府（此件公开发布）抄送：县委各部门。\n仙居县人民政府办公室2017年12月5日印发\n")
    h = parse_structure(text).header
    assert h.issuer == "仙居县人民政府"  # who signed, not the office that printed it
    assert h.date == "2017-12-05"
