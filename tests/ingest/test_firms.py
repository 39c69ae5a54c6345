"""Firms in the graph: the Yongchuan registry (CSV, and the same rows as XLSX and JSON), credit
codes, capital formats, places, industries, and firm profiles; bad files store nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from policykg.cli import app as cli
from policykg.core.credit_code import validate_credit_code
from policykg.core.errors import InvalidInput, NotFound
from policykg.core.places import place_chain
from policykg.eligibility.profile import firm_from_graph, load_profile, profile_json_schema
from policykg.ingest.firms import import_firm_file, parse_capital, read_firm_file
from policykg.ingest.profiles import infer_industries, profile_to_document
from policykg.search.service import SearchService
from tests.conftest import MAX_BYTES, SHARED, Store

REGISTRY = SHARED / "data" / "enterprises" / "yongchuan_registry.csv"
PROFILE = Path(__file__).resolve().parents[1] / "fixtures" / "firm_profile.json"
FIRST = "91500118203790903T"  # 重庆市水利电力机械厂, row 2


@pytest.fixture(scope="module")
def registry_store(tmp_path_factory):
    s = Store(tmp_path_factory.mktemp("firms"))
    s.result = import_firm_file(REGISTRY, s.ingestor)
    yield s
    s.close()


def registry_text() -> str:
    return REGISTRY.read_bytes().decode("utf-8")  # CRLF kept: offsets are into the file as it is


def registry_lines() -> list[str]:
    return registry_text().splitlines(keepends=True)


def facts_of(node, attribute):
    return [f for f in node.properties["facts"] if f["attribute"] == attribute]


# ------------------------------------------------------------------ the real registry
def test_the_registry_imports_all_1390_firms(registry_store):
    r = registry_store.result
    assert (r.outcome, r.firms, r.doc_id, r.kind) == ("created", 1390, "firms:yongchuan_registry.csv", "registry")
    assert registry_store.graph.counts()["nodes:Enterprise"] == 1390
    node = registry_store.graph.get_node("Enterprise:915001182028992963")
    p = node.properties
    assert node.name == "重庆新泰机械有限责任公司"
    assert (p["credit_code"], p["registration_date"], p["registered_capital_yuan"], p["registered_currency"]) == (
        "915001182028992963", "1980-01-05", 106_832_000, "CNY")
    assert "enterprise_type" not in p  # N/A
    assert p["address"] == "重庆市永川区凤临路9号" and p["business_scope"].startswith("制造、销售石油机械")
    assert {f["attribute"] for f in p["facts"]} >= {"registered_place", "registered_capital", "established"}
    assert facts_of(node, "established") == [{"attribute": "established", "value": "1980-01-05", "date": "1980-01-05",
                                              "source": "yongchuan_registry.csv"}]


def test_provenance_quotes_the_row_at_its_offsets(registry_store):
    text = registry_text()
    [prov] = registry_store.graph.get_node("Enterprise:915001182028992963").provenance
    assert prov.doc_id == "firms:yongchuan_registry.csv" and prov.source == "yongchuan_registry.csv"
    assert text[prov.start:prov.end].rstrip("\r\n").startswith(prov.sentence)
    assert prov.sentence.startswith("重庆新泰机械有限责任公司,915001182028992963,") and len(prov.sentence) <= 300


def test_firms_are_searchable_by_name(registry_store):
    hits = SearchService(registry_store.index).search("新泰机械", labels=("Enterprise",))
    assert hits[0].node_id == "Enterprise:915001182028992963"


def test_usd_capital_stays_in_dollars(registry_store):
    node = next(n for n in registry_store.graph.list_nodes("Enterprise", limit=2000)
                if n.properties.get("registered_currency") == "USD")
    [fact] = facts_of(node, "registered_capital")
    assert fact["unit"] == "USD" and fact["value"] == node.properties["registered_capital_yuan"]


def test_industries_are_inferred_from_the_business_scope(registry_store):
    g = registry_store.graph
    firm = "Enterprise:9150011820379754XB"  # 计算机网络工程…；软件开发…；电子商务代理…
    assert {f["value"] for f in facts_of(g.get_node(firm), "industry")} == {"软件信息", "电子商务"}
    targets = {e.target for e in g.neighbours(firm).edges if e.label == "IN_INDUSTRY"}
    assert targets == {"Industry:软件信息", "Industry:电子商务"}
    # 「不得从事…金融业务」 excludes, it does not classify; a bank is 金融
    bank = SearchService(registry_store.index).search("工商银行 永川支行", labels=("Enterprise",))[0]
    assert "金融" in {f["value"] for f in facts_of(g.get_node(bank.node_id), "industry")}


def test_excluded_activities_are_not_industries():
    scope = "计算机软件开发；新能源汽车销售（不得从事吸收公众存款、代客理财等金融业务）"
    assert [c.pref_label for c in infer_industries(scope)] == ["软件信息", "新能源汽车"]


def test_place_chain_from_the_address(registry_store):
    g = registry_store.graph
    firm = f"Enterprise:{FIRST}"
    edges = {(e.source, e.label, e.target) for e in g.neighbours(firm, depth=2).edges}
    assert (firm, "LOCATED_IN", "Place:永川区") in edges
    assert ("Place:永川区", "PART_OF", "Place:重庆市") in edges
    assert facts_of(g.get_node(firm), "registered_place")[0]["value"] == "重庆市永川区"
    # every firm, including 重庆市永川工业园区… and 重庆永川… addresses without 区, is in 永川区
    places = {f["value"] for n in g.list_nodes("Enterprise", limit=2000) for f in facts_of(n, "registered_place")}
    assert places == {"重庆市永川区"}
    assert g.counts()["nodes:Place"] == 2


@pytest.mark.parametrize("address, chain", [
    ("重庆市永川区南大街小桥子59号", ["重庆市", "永川区"]),
    ("重庆市永川工业园区凤凰湖工业园内", ["重庆市", "永川区"]),
    ("重庆永川工业园区港桥工业园", ["重庆市", "永川区"]),
    ("浙江省嘉兴市南湖区凌公塘路3339号", ["浙江省", "嘉兴市", "南湖区"]),
    ("浙江省嘉兴市海宁市海洲街道", ["浙江省", "嘉兴市", "海宁市"]),
    ("重庆市石柱土家族自治县南宾街道", ["重庆市", "石柱土家族自治县"]),
])
def test_place_chain(address, chain):
    assert place_chain(address, known_counties={"永川": "永川区"}) == chain


def test_place_falls_back_to_the_province_and_district_columns():
    assert place_chain(None, province="重庆", district="永川", known_counties={"永川": "永川区"}) == ["重庆市", "永川区"]
    assert place_chain("南湖区凌公塘路", province="浙江") == ["浙江省", "南湖区"]


@pytest.mark.parametrize("text, expected", [
    ("120(万)", (1_200_000, "CNY")),
    ("1,000(万)", (10_000_000, "CNY")),
    ("10,683.2000(万)", (106_832_000, "CNY")),
    ("2,000(万人民币元)", (20_000_000, "CNY")),
    ("1,800(万元人民币)", (18_000_000, "CNY")),
    ("800万人民币", (8_000_000, "CNY")),
    ("1000万元人民币", (10_000_000, "CNY")),
    ("28万人民币元", (280_000, "CNY")),
    ("81.5800(万美元)", (815_800, "USD")),
    ("288.1100(万)", (2_881_100, "CNY")),
    ("N/A", None),
])
def test_capital_formats(text, expected):
    assert parse_capital(text) == expected


@pytest.mark.parametrize("text", ["-5(万)", "一百万", "12万英镑", "1.2.3万"])
def test_bad_capital_is_rejected(text):
    with pytest.raises(InvalidInput):
        parse_capital(text)


# ------------------------------------------------------------------ credit codes
def test_credit_code_validation():
    assert validate_credit_code(FIRST) == FIRST
    assert validate_credit_code(" 91500118203790903t ") == FIRST  # normalised
    with pytest.raises(InvalidInput, match=r"check character \(position 18\) is 'U', expected 'T'"):
        validate_credit_code(FIRST[:17] + "U")
    with pytest.raises(InvalidInput, match="has 17 characters; it needs 18"):
        validate_credit_code(FIRST[:17])
    with pytest.raises(InvalidInput, match="'I' at position 5"):
        validate_credit_code("9150I118203790903T")


# ------------------------------------------------------------------ re-import, replace, bad files
def copy_with(tmp_path, lines, name="yongchuan_registry.csv") -> Path:
    path = tmp_path / name
    path.write_bytes("".join(lines).encode("utf-8"))
    return path


def test_reimport_is_unchanged_and_a_changed_file_replaces_its_rows(registry_store, tmp_path):
    g = registry_store.graph
    before = g.counts()
    assert import_firm_file(REGISTRY, registry_store.ingestor).outcome == "unchanged"
    assert g.counts() == before
    lines = registry_lines()
    changed = copy_with(tmp_path, [lines[0]] + lines[2:])  # the first firm left the registry
    try:
        r = import_firm_file(changed, registry_store.ingestor)
        assert (r.outcome, r.firms) == ("replaced", 1389)
        assert g.counts()["nodes:Enterprise"] == 1389
        with pytest.raises(NotFound):
            g.get_node(f"Enterprise:{FIRST}")
    finally:
        assert import_firm_file(REGISTRY, registry_store.ingestor).outcome == "replaced"
    assert g.counts() == before


def test_one_invalid_credit_code_fails_the_file_and_stores_nothing(registry_store, tmp_path):
    lines = registry_lines()
    assert "91500118203793792B" in lines[4]
    lines[4] = lines[4].replace("91500118203793792B", "91500118203793792C")  # row 5: check character changed
    bad = copy_with(tmp_path, lines, "registry_v2.csv")
    before = registry_store.graph.counts(), registry_store.index.count()
    with pytest.raises(InvalidInput) as e:
        import_firm_file(bad, registry_store.ingestor)
    assert "row 5, column 统一社会信用代码" in str(e.value) and "expected 'B'" in str(e.value)
    assert (registry_store.graph.counts(), registry_store.index.count()) == before
    assert registry_store.graph.document_version("firms:registry_v2.csv") is None


@pytest.mark.parametrize("edit, message", [
    (lambda ls: ls[:3] + [ls[3].replace('"10,683.2000(万)"', "-5(万)")], "row 4, column 注册资金: negative amount"),
    (lambda ls: ls[:3] + [ls[3].replace('"10,683.2000(万)"', "很多")], "row 4, column 注册资金: not an amount"),
    (lambda ls: ls[:3] + [ls[3].replace("1980-01-05", "1980-13-45")], "row 4, column 注册日期: not a date"),
    (lambda ls: [ls[0].replace("统一社会信用代码", "信用代码")] + ls[1:4], "missing required column 统一社会信用代码"),
    (lambda ls: ls[:3] + ['"未闭合的引号,' + ls[3]], "malformed CSV"),
    (lambda ls: ls[:3] + [ls[2]], "row 4, column 统一社会信用代码: 915001189037961504 is already on row 3"),
])
def test_bad_rows_are_named_and_nothing_is_stored(store, tmp_path, edit, message):
    bad = copy_with(tmp_path, edit(registry_lines()), "bad.csv")
    with pytest.raises(InvalidInput, match=message):
        import_firm_file(bad, store.ingestor)
    assert store.graph.counts()["documents"] == 0 and store.index.count() == 0


# ------------------------------------------------------------------ XLSX and JSON registries
def csv_rows(n: int) -> tuple[list[str], list[list[str]]]:
    import csv

    with REGISTRY.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:n + 1]


def test_xlsx_registry_gives_the_same_firms_as_csv(store, tmp_path):
    import datetime as dt

    header, rows = csv_rows(20)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        cells = list(r)
        cells[2] = dt.datetime.strptime(r[2], "%Y-%m-%d")  # a real date cell
        ws.append(cells)
    path = tmp_path / "registry.xlsx"
    wb.save(path)
    result = import_firm_file(path, store.ingestor)
    assert (result.outcome, result.firms, result.kind) == ("created", 20, "registry")
    node = store.graph.get_node("Enterprise:915001182028992963")
    assert node.properties["registration_date"] == "1980-01-05"
    assert node.properties["registered_capital_yuan"] == 106_832_000
    assert node.provenance[0].sentence.startswith("重庆新泰机械有限责任公司,915001182028992963,")


def test_malformed_xlsx_is_rejected(store, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not a workbook")
    with pytest.raises(InvalidInput, match="malformed XLSX"):
        import_firm_file(path, store.ingestor)
    assert store.graph.counts()["documents"] == 0


def test_json_registry_rows_with_their_offsets(store, tmp_path):
    header, rows = csv_rows(5)
    path = tmp_path / "registry.json"
    path.write_text(json.dumps([dict(zip(header, r)) for r in rows], ensure_ascii=False, indent=1), encoding="utf-8")
    result = import_firm_file(path, store.ingestor)
    assert (result.outcome, result.firms) == ("created", 5)
    prov = store.graph.get_node("Enterprise:915001182028992963").provenance[0]
    text = path.read_text(encoding="utf-8")
    assert json.loads(text[prov.start:prov.end])["统一社会信用代码"] == "915001182028992963"


def test_malformed_json_registry_is_rejected(store, tmp_path):
    path = tmp_path / "registry.json"
    path.write_text('[{"企业名称": "甲", "统一社会信用代码": "91500118203790903T"},', encoding="utf-8")
    with pytest.raises(InvalidInput, match="malformed JSON"):
        import_firm_file(path, store.ingestor)
    assert store.graph.counts()["documents"] == 0


# ------------------------------------------------------------------ profiles
def test_profile_merges_with_the_registry_row_and_round_trips_to_facts(registry_store):
    result = import_firm_file(PROFILE, registry_store.ingestor)
    assert (result.kind, result.doc_id, result.outcome) == ("profile", f"profile:{FIRST}", "created")
    node = registry_store.graph.get_node(f"Enterprise:{FIRST}")
    assert node.name == "重庆市水利电力机械厂" and node.properties["registered_capital_yuan"] == 8_000_000
    firm = firm_from_graph(node)
    assert firm.credit_code == FIRST
    assert {f.value for f in firm.values("qualification")} == {"高新技术企业", "科技型企业"}  # 高企 → canonical
    [hnte] = [f for f in firm.values("qualification") if f.value == "高新技术企业"]
    assert (hnte.date, hnte.source) == ("2022-12-24", "2024年企业自报")
    [revenue] = firm.values("revenue", year=2023)[:1]
    assert (revenue.value, revenue.unit, revenue.year) == (52_000_000, "元", 2023)
    assert firm.values("rd_ratio")[0].unit == "%" and firm.values("employees")[0].value == 86
    assert [f.value for f in firm.values("invention_patents")] == [2]
    assert [f.value for f in firm.values("no_major_violation")] == [True]
    # registry facts are there too, each with its own source
    assert {f.source for f in firm.values("registered_place")} == {"yongchuan_registry.csv", "2024年企业自报"}
    assert firm.values("established")[0].value == "1980-01-05"
    # an expired qualification is left out when asked as of a later date
    assert "高新技术企业" not in {f.value for f in firm_from_graph(node, as_of="2026-01-01").values("qualification")}
    edges = {(e.source, e.label, e.target) for e in registry_store.graph.neighbours(node.id).edges}
    assert (node.id, "HOLDS", "Qualification:高新技术企业") in edges
    assert (node.id, "OWNS", f"Patent:{FIRST}:1") in edges
    assert (node.id, "OPERATES", "Platform:重庆市水利电力机械厂企业技术中心") in edges
    assert any(label == "WORKS_AT" and target == node.id for _s, label, target in edges)
    assert import_firm_file(PROFILE, registry_store.ingestor).outcome == "unchanged"


def test_talent_names_get_an_opaque_id():
    data = json.loads(PROFILE.read_text(encoding="utf-8"))
    data["talents"] = [{"name": "张三", "role": "研发负责人"}]
    doc = profile_to_document(load_profile(data), "p.json")
    [talent] = [n for n in doc.nodes.values() if n.label == "Talent"]
    assert "张三" not in talent.id and len(talent.id.split(":")[1]) == 12


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["yearly"][0].update(revenue=-1), r"yearly\[0\]\.revenue: Input should be greater than or equal to 0"),
    (lambda d: d.update(employee_count=3), "employee_count: unknown attribute; allowed here: credit_code, name"),
    (lambda d: d["patents"][0].update(kind="发明"), r"patents\[0\]\.kind: unknown attribute; allowed here: type"),
    (lambda d: d.update(credit_code=FIRST[:17] + "U"), "credit_code: 统一社会信用代码 .* expected 'T'"),
    (lambda d: d["qualifications"][0].update(name="优秀企业"), r"qualifications\[0\]\.name: unknown qualification"),
    (lambda d: d["patents"][0].update(type="软件著作权"), r"patents\[0\]\.type"),
    (lambda d: d["yearly"].append({"year": 2023}), "yearly: .*year 2023 is given more than once"),
])
def test_bad_profiles_are_rejected_with_the_field_path(edit, message):
    data = json.loads(PROFILE.read_text(encoding="utf-8"))
    edit(data)
    with pytest.raises(InvalidInput, match=message):
        load_profile(data)


def test_malformed_profile_json_is_rejected_and_nothing_stored(store, tmp_path):
    path = tmp_path / "profile.json"
    path.write_text(PROFILE.read_text(encoding="utf-8")[:-3], encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"profile.json: malformed JSON at line \d+ column \d+"):
        import_firm_file(path, store.ingestor)
    with pytest.raises(InvalidInput, match="malformed JSON"):
        load_profile(path)
    assert store.graph.counts()["documents"] == 0


def test_profile_json_schema_has_the_fields():
    schema = profile_json_schema()
    assert set(schema["required"]) == {"credit_code", "name"}
    assert {"credit_code", "name", "registered_place", "qualifications", "yearly", "patents", "talents", "platforms",
            "no_major_violation", "answers", "source", "as_of"} == set(schema["properties"])
    assert schema["additionalProperties"] is False
    yearly = schema["$defs"]["YearlyIn"]["properties"]
    assert {"year", "revenue", "tax_paid", "rd_expense", "rd_ratio", "employees"} == set(yearly)
    assert schema["$defs"]["PatentIn"]["properties"]["type"]["enum"] == ["发明", "实用新型", "外观设计"]


# ------------------------------------------------------------------ CLI
def test_cli_firms_import(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYKG_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    ok = runner.invoke(cli, ["firms", "import", str(PROFILE)])
    assert ok.exit_code == 0, ok.output
    assert "1 firms imported" in ok.output
    again = runner.invoke(cli, ["firms", "import", str(PROFILE)])
    assert again.exit_code == 0 and "1 unchanged" in again.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"credit_code": "91500118203790903U", "name": "甲"}', encoding="utf-8")
    failed = runner.invoke(cli, ["firms", "import", str(bad)])
    assert failed.exit_code == 1 and "credit_code" in failed.output and "expected 'T'" in failed.output


def test_read_firm_file_rejects_unknown_types(tmp_path):
    path = tmp_path / "firms.txt"
    shutil.copy(PROFILE, path)
    with pytest.raises(InvalidInput, match="unsupported file type"):
        read_firm_file(path, max_bytes=MAX_BYTES)


@pytest.mark.parametrize(("said", "canonical"), [("高企", "高新技术企业"), ("国家高新技术企业", "高新技术企业"),
                                                 ("省级专精特新中小企业", "专精特新企业"),
                                                 ("浙江省科技型中小企业", "科技型企业"),
                                                 ("省创新型领军企业", "省创新型领军企业")])
def test_a_profiles_qualification_may_carry_its_level_or_place(said, canonical):
    from policykg.eligibility.profile import canonical_qualification

    assert canonical_qualification(said) == canonical


def test_an_unknown_qualification_is_refused_with_the_known_ones():
    from policykg.core.errors import InvalidInput
    from policykg.eligibility.profile import canonical_qualification

    with pytest.raises(InvalidInput, match="known: .*高新技术企业"):
        canonical_qualification("省级某某企业")
