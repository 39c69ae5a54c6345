"""Curated rules: shipped in the package, or read from the folder a deployment names."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from policykg.cli import app as cli
from policykg.core.errors import InvalidInput
from policykg.eligibility.rules import PACKAGED_RULES_DIR, load_rules, rule_files, rules_dir
from tests.conftest import ZHEJIANG


def test_the_packaged_rules_are_the_default(monkeypatch):
    monkeypatch.delenv("POLICYKG_RULES_DIR", raising=False)
    assert rules_dir() == PACKAGED_RULES_DIR
    assert [p.name for p, _rules in rule_files()] == ["jiaxing_keji_baoxian.yaml"]
    assert {r.clause for r in load_rules()} == {"PolicyClause:嘉科综〔2018〕47号#第二条", "PolicyClause:嘉科综〔2018〕47号#第六条"}


def test_a_deployment_points_at_its_own_folder(monkeypatch, tmp_path):
    own = tmp_path / "rules"
    own.mkdir()
    monkeypatch.setenv("POLICYKG_RULES_DIR", str(own))
    assert rules_dir() == own and load_rules() == []  # replaces the packaged rules, does not add to them
    monkeypatch.setenv("POLICYKG_RULES_DIR", str(tmp_path / "missing"))
    with pytest.raises(InvalidInput, match="does not exist"):
        load_rules()


def test_rules_list_shows_files_origin_and_the_clauses_they_decide(monkeypatch, tmp_path):
    own = tmp_path / "rules"
    own.mkdir()
    shutil.copy(PACKAGED_RULES_DIR / "jiaxing_keji_baoxian.yaml", own / "local.yaml")
    monkeypatch.setenv("POLICYKG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("POLICYKG_RULES_DIR", str(own))
    runner = CliRunner()
    listed = json.loads(runner.invoke(cli, ["rules", "list", "--json"]).output)
    assert listed["folder"] == str(own) and listed["origin"] == "POLICYKG_RULES_DIR"
    [entry] = listed["files"]
    assert entry["file"] == "local.yaml" and [r["in_graph"] for r in entry["rules"]] == [False, False]
    assert runner.invoke(cli, ["ingest", str(ZHEJIANG / "0410.txt"), "--workers", "1"]).exit_code == 0
    listed = json.loads(runner.invoke(cli, ["rules", "list", "--json"]).output)
    assert [r["in_graph"] for r in listed["files"][0]["rules"]] == [True, True]

    (own / "broken.yaml").write_text("- clause: \"PolicyClause:X#第一条\"\n  version: 1\n  effective_from: 2020-01-01\n"
                                     "  condition: {attribute: nonsense, operator: eq, value: 1}\n", encoding="utf-8")
    result = runner.invoke(cli, ["rules", "list"])
    assert result.exit_code == 2 and "broken.yaml" in result.output and "nonsense" in result.output
