"""Must show: `policykg match` on real clauses of the corpus (《嘉兴市科技保险补贴实施办法（试行）》
第二条, criteria from curated rules and extraction) for firm profiles in each situation."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from policykg.cli import app as cli
from tests.conftest import ZHEJIANG

CLAUSE = "PolicyClause:嘉科综〔2018〕47号#第二条"
BASE = {"credit_code": "91330402MA28A1X0XW", "name": "嘉兴测试科技有限公司", "as_of": "2024-01-01"}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("match")
    r = CliRunner().invoke(cli, ["ingest", str(ZHEJIANG / "0410.txt"), str(ZHEJIANG / "0018.txt")],
                           env={"POLICYKG_DATA_DIR": str(d)})
    assert r.exit_code == 0, r.output
    return d


def answer(data_dir, tmp_path, **profile):
    from policykg.core.credit_code import validate_credit_code

    body = {**BASE, **profile}
    validate_credit_code(body["credit_code"])
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    r = CliRunner().invoke(cli, ["match", "--firm", str(path), "--json", "--all"], env={"POLICYKG_DATA_DIR": str(data_dir)})
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    [result] = [x for x in data["results"] if x["clause"]["id"] == CLAUSE]
    return data, result


HNTE = [{"name": "高企", "date": "2020-12-01"}]


def test_meets_every_criterion(data_dir, tmp_path):
    data, r = answer(data_dir, tmp_path, registered_place="浙江省嘉兴市南湖区", qualifications=HNTE, no_major_violation=True)
    assert r["status"] == "eligible"
    assert r["policy"]["doc_number"] == "嘉科综〔2018〕47号" and r["clause"]["source_file"] == "0410.txt"
    assert r["policy"]["issuer"].startswith("嘉兴市科学技术局")
    assert all(line["outcome"] == "met" for line in r["reasons"] if line["criterion"]["attribute"] != "qualification"
               or line["outcome"] == "met")
    assert r["benefit"]["estimate_yuan"] == 50000
    for line in r["reasons"]:  # every reason quotes the clause (or the rule that quotes it)
        assert line["criterion"]["text"]


@pytest.mark.parametrize(("place", "good_standing", "failed"), [
    ("浙江省嘉兴市", False, "no_major_violation"),  # fails one criterion
    ("浙江省湖州市", True, "registered_place"),  # registered in the wrong city
])
def test_fails_exactly_the_criterion_it_does_not_meet(data_dir, tmp_path, place, good_standing, failed):
    _, r = answer(data_dir, tmp_path, registered_place=place, qualifications=HNTE, no_major_violation=good_standing)
    assert r["status"] == "ineligible"
    [bad] = [x for x in r["reasons"] if x["outcome"] == "not met"]
    assert bad["criterion"]["attribute"] == failed


def test_lacks_one_fact_is_unknown_with_a_question(data_dir, tmp_path):
    data, r = answer(data_dir, tmp_path, registered_place="浙江省嘉兴市", qualifications=HNTE)
    assert r["status"] == "unknown"
    assert [x["criterion"]["attribute"] for x in r["reasons"] if x["outcome"] == "missing fact"] == ["no_major_violation"]
    assert any(q["attribute"] == "no_major_violation" for q in data["questions"])


def test_either_branch_of_the_or(data_dir, tmp_path):
    for qual in ("科技型中小企业", "省农业科技企业"):
        _, r = answer(data_dir, tmp_path, registered_place="嘉兴市", no_major_violation=True,
                      qualifications=[{"name": qual, "date": "2021-05-01"}])
        assert r["status"] == "eligible", qual


def test_no_result_is_ineligible_for_a_missing_fact(data_dir, tmp_path):
    data, _ = answer(data_dir, tmp_path)  # nothing known but the name
    for r in data["results"]:
        if r["status"] == "ineligible":
            assert any(x["outcome"] == "not met" for x in r["reasons"]), r["clause"]["id"]


def test_policy_direction(data_dir):
    r = CliRunner().invoke(cli, ["match", "--policy", "嘉科综〔2018〕47号", "--json"], env={"POLICYKG_DATA_DIR": str(data_dir)})
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert {row["clause"]["id"] for row in rows} >= {CLAUSE}


def run_match(data_dir, *args):
    return CliRunner().invoke(cli, ["match", *args], env={"POLICYKG_DATA_DIR": str(data_dir)})


def test_questions_show_their_ids_and_answers_settle_them(data_dir, tmp_path):
    path = tmp_path / "profile.json"
    path.write_text(json.dumps({**BASE, "registered_place": "浙江省嘉兴市"}, ensure_ascii=False), encoding="utf-8")
    r = run_match(data_dir, "--firm", str(path))
    assert r.exit_code == 0, r.output
    assert "answer with --answer ID=VALUE" in r.output
    assert "no_major_violation  贵企业是否无重大违法行为？  [true / false]" in r.output
    assert "qualification:高新技术企业  贵企业是否获得高新技术企业认定/称号？" in r.output

    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"no_major_violation": False}), encoding="utf-8")
    r = run_match(data_dir, "--firm", str(path), "--json", "--all", "--answers", str(answers),
                  "--answer", "no_major_violation=true", "--answer", "qualification:科技型企业=true")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    [result] = [x for x in data["results"] if x["clause"]["id"] == CLAUSE]
    assert result["status"] == "eligible"  # --answer wins over the file
    assert {f["source"] for line in result["reasons"] for f in line["facts"]
            if f["attribute"] in ("no_major_violation", "qualification:科技型企业")} == {"answer"}


@pytest.mark.parametrize(("args", "words"), [
    (["--answer", "no_major_violation=yes"], ["no_major_violation", "true or false"]),
    (["--answer", "revenue=-3"], ["revenue", "zero or more"]),
    (["--answer", "无此问题=1"], ["无此问题", "not a question id"]),
    (["--answer", "revenue"], ["ID=VALUE"]),
])
def test_bad_answers_are_refused_with_the_question(data_dir, tmp_path, args, words):
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(BASE, ensure_ascii=False), encoding="utf-8")
    r = run_match(data_dir, "--firm", str(path), *args)
    assert r.exit_code == 2
    for w in words:
        assert w in r.output, r.output
