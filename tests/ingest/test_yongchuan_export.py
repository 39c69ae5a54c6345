"""Must show: after `policykg ingest <seed>`, `policykg export --format jsonl` holds the seed's
文号, issuer and date, its citations, scenarios, indicators, projects and funds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict

import pytest

from tests.conftest import YONGCHUAN


def run_cli(data_dir, *args, check=True):
    env = {**os.environ, "POLICYKG_DATA_DIR": str(data_dir)}
    proc = subprocess.run([sys.executable, "-m", "policykg.cli", *args], capture_output=True, text=True,
                          env=env, timeout=300)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    data = tmp_path_factory.mktemp("cli")
    run_cli(data, "ingest", str(YONGCHUAN))
    out = run_cli(data, "export", "--format", "jsonl").stdout
    items = [json.loads(line) for line in out.splitlines()]
    nodes = {i["id"]: i for i in items if i["kind"] == "node"}
    edges = [i for i in items if i["kind"] == "edge"]
    return nodes, edges


def by_label(nodes, label):
    return {n["name"]: n for n in nodes.values() if n["label"] == label}


def out_edges(edges, label, source=None):
    return [e for e in edges if e["label"] == label and (source is None or e["source"] == source)]


def test_jsonl_lines_have_the_documented_shape(exported):
    nodes, edges = exported
    for n in nodes.values():
        assert set(n) == {"kind", "id", "label", "name", "aliases", "properties"}
    for e in edges:
        assert set(e) == {"kind", "label", "source", "target", "properties"}
        assert e["source"] in nodes and e["target"] in nodes


def test_the_document_has_its_number_issuer_and_date(exported):
    nodes, edges = exported
    doc = nodes["PolicyDocument:永川府办发〔2021〕49号"]
    assert doc["properties"]["doc_number"] == "永川府办发〔2021〕49号"
    assert doc["properties"]["issue_date"] == "2021-06-03"
    assert doc["properties"]["issuer"] == "重庆市永川区人民政府办公室"
    [issued] = out_edges(edges, "ISSUED_BY", doc["id"])
    assert nodes[issued["target"]]["name"] == "重庆市永川区人民政府办公室"
    assert "重庆永川国家双创示范基地建设方案（2021-2023）" in doc["aliases"]


def test_the_policies_it_cites(exported):
    nodes, edges = exported
    cited = {nodes[e["target"]]["name"]: nodes[e["target"]]
             for e in out_edges(edges, "CITES", "PolicyDocument:永川府办发〔2021〕49号")}
    for short in ("创新30条", "智能装备17条", "大数据发展20条", "职教24条", "永川英才16条"):
        assert short in cited, short
    assert "职教发展24条" in cited["职教24条"]["aliases"]  # one node for both names
    assert not any(n == "职教发展24条" for n in cited)
    numbers = {n["properties"].get("doc_number") for n in cited.values()}
    assert {"国办发〔2020〕26号", "国办发〔2020〕51号"} <= numbers
    by_number = {n["properties"].get("doc_number"): n for n in cited.values()}
    assert by_number["国办发〔2020〕51号"]["properties"]["title"] == "关于建设第三批大众创业万众创新示范基地的通知"


def test_twelve_scenarios_in_four_domains(exported):
    nodes, edges = exported
    scenarios = by_label(nodes, "Scenario")
    assert len(scenarios) == 12
    domain_of = {nodes[e["source"]]["name"]: nodes[e["target"]]["name"] for e in out_edges(edges, "IN_DOMAIN")}
    assert set(domain_of) == set(scenarios)
    groups = defaultdict(set)
    for s, d in domain_of.items():
        groups[d].add(s)
    assert {d: len(s) for d, s in groups.items()} == {"创新城市服务": 5, "创新产业升级": 3, "创新科技前沿": 2, "创新文化传播": 2}
    assert domain_of["区域经济大脑"] == "创新城市服务" and domain_of["数字文艺"] == "创新文化传播"


def test_ten_indicators_with_target_and_period(exported):
    nodes, _ = exported
    indicators = by_label(nodes, "Indicator")
    assert len(indicators) == 10
    fund = indicators["设立融通创新产业引导基金"]["properties"]
    assert (fund["target_value"], fund["target_unit"], fund["period"], fund["group"]) == (300_000_000, "元", "建设期内", "资金")
    scenes = indicators["发布创新创业创造应用场景"]["properties"]
    assert (scenes["target_value"], scenes["target_unit"], scenes["period"]) == (100, "个", "建设期内")
    assert indicators["数字经济融通创新发展报告"]["properties"]["period"] == "每年"
    assert all(i["properties"].get("period") for i in indicators.values())


def test_six_projects_with_their_lead_units(exported):
    nodes, edges = exported
    projects = by_label(nodes, "Project")
    assert len(projects) == 6
    leads = defaultdict(set)
    for e in out_edges(edges, "LEADS"):
        leads[nodes[e["target"]]["name"]].add(nodes[e["source"]]["name"])
    assert set(leads) == set(projects)
    assert leads["培育产业链融通创新企业"] == {"区经济信息委", "区科技局", "区金融办"}
    assert leads["搭建双创线上平台"] == {"区科技局", "高新区管委会"}
    assists = {nodes[e["source"]]["name"] for e in out_edges(edges, "ASSISTS")
               if nodes[e["target"]]["name"] == "打造科技生态城双创生态"}
    assert {"区科协", "区发展改革委"} <= assists


def test_funds_with_amounts_in_yuan(exported):
    nodes, _ = exported
    funds = by_label(nodes, "Fund")
    amounts = {name: f["properties"].get("amount_yuan") for name, f in funds.items()}
    assert amounts["融通创新产业引导基金"] == 300_000_000
    assert amounts["融通创新风险补偿金"] == 50_000_000
    assert amounts["智能装备产业发展引导基金"] == 500_000_000
    assert {"知识价值信用贷款担保基金", "中小企业贷款风险补偿基金"} <= set(funds)


def test_wider_entities_agencies_platforms_organisations_programs(exported):
    nodes, _ = exported
    assert {"重庆文理学院", "西南大学", "四川农业大学", "重庆水利电力职业技术学院"} <= set(by_label(nodes, "Organization"))
    assert {"永川大数据产业园", "激酶类创新药物国家地方联合重点实验室", "永川科技馆", "中德智能产业园"} <= set(by_label(nodes, "Platform"))
    assert {"区科技局", "区新城建管委", "高新区管委会"} <= set(by_label(nodes, "Agency"))
    assert {"重庆英才计划", "永川英才计划"} <= set(by_label(nodes, "TalentProgram"))
    assert {"汽摩及零部件", "智能装备", "电子信息", "特色轻工", "能源及新材料"} <= set(by_label(nodes, "Industry"))
    assert {"高新技术企业", "专精特新企业", "科技型企业"} <= set(by_label(nodes, "Qualification"))
    lab = by_label(nodes, "Platform")["激酶类创新药物国家地方联合重点实验室"]["properties"]
    assert lab["platform_type"] == "重点实验室" and lab["level"] == "国家级"


def test_every_node_and_edge_keeps_provenance(yongchuan_store):
    text = YONGCHUAN.read_text(encoding="utf-8")
    from policykg.ingest.reader import read_document

    normalised = read_document(YONGCHUAN).text
    assert normalised.startswith(text.strip()[:10]) or "永川府办发〔2021〕49号" in normalised
    nodes = edges = 0
    from policykg.core.model import Node

    for item in yongchuan_store.graph.iter_graph():
        assert item.provenance, item
        for p in item.provenance:
            assert p.doc_id == "yongchuan_fuban_2021_49.txt" and 0 <= p.start < p.end <= len(normalised)
            assert p.sentence
        if isinstance(item, Node):
            nodes += 1
            if item.label in ("Agency", "Organization", "Platform", "Fund", "TalentProgram"):
                spans = {normalised[p.start:p.end] for p in item.provenance}
                assert spans & ({item.name} | set(item.aliases)), (item.name, spans)
        else:
            edges += 1
    assert nodes > 100 and edges > 200


def test_clauses_carry_their_amounts_in_yuan_and_dates(exported):
    nodes, _ = exported
    goals = next(n for n in nodes.values() if n["label"] == "PolicyClause" and n["name"].startswith("3") and "引导基金" in n["name"])
    assert 300_000_000 in goals["properties"]["amounts_yuan"] and 50_000_000 in goals["properties"]["amounts_yuan"]
    base = next(n for n in nodes.values() if n["label"] == "PolicyClause" and n["name"] == "（一） “双城”战略强势引领")
    assert "2020-10-16" in base["properties"]["dates"]
