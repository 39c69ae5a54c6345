"""GET /policies/{key}/firms: a policy → the stored firms each of its clauses applies to."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from policykg.core.credit_code import check_character
from tests.api.utils import ELIGIBILITY_KEY, assert_problem

AUTH = {"X-API-Key": ELIGIBILITY_KEY}
DOC_NUMBER = "嘉科综〔2018〕47号"
CLAUSE = f"PolicyClause:{DOC_NUMBER}#第二条"


def credit_code(first17: str) -> str:
    return first17 + check_character(first17)


ELIGIBLE = {"credit_code": credit_code("91330402MA28A1X0X"), "name": "嘉兴甲科技有限公司",
            "registered_place": "浙江省嘉兴市", "qualifications": [{"name": "高新技术企业", "date": "2020-12-01"}],
            "no_major_violation": True, "as_of": "2024-01-01"}
UNKNOWN = {**ELIGIBLE, "credit_code": credit_code("91330402MA28A1X1X"), "name": "嘉兴乙科技有限公司"}
del UNKNOWN["no_major_violation"]
INELIGIBLE = {**ELIGIBLE, "credit_code": credit_code("91330100MA28A1X2X"), "name": "杭州丙科技有限公司",
              "registered_place": "浙江省杭州市"}


@pytest.fixture(scope="module")
def client(eligibility_client: httpx.Client) -> httpx.Client:
    """The eligibility server (0410.txt) with three firms stored: one eligible for 第二条, one that
    has not said whether it had a major violation, one registered outside 嘉兴."""
    for profile in (ELIGIBLE, UNKNOWN, INELIGIBLE):
        r = eligibility_client.post("/firms", json=profile, headers=AUTH)
        assert r.status_code == 201, r.text
    return eligibility_client


def clause_row(rows: list[dict], clause: str = CLAUSE) -> dict:
    return next(x for x in rows if x["clause"]["id"] == clause)


def test_a_policy_lists_the_stored_firms_by_status(client):
    r = client.get(f"/policies/{DOC_NUMBER}/firms")
    assert r.status_code == 200, r.text
    row = clause_row(r.json())
    assert row["policy"]["doc_number"] == DOC_NUMBER
    firms = row["firms"]
    assert [f["credit_code"] for f in firms["eligible"]] == [ELIGIBLE["credit_code"]]
    assert firms["unknown"] == [{"credit_code": UNKNOWN["credit_code"], "name": UNKNOWN["name"],
                                 "missing": ["no_major_violation"]}]
    assert [f["credit_code"] for f in firms["ineligible"]] == [INELIGIBLE["credit_code"]]
    assert row["counts"] == {status: len(shown) for status, shown in firms.items()}


def test_a_policy_by_document_id_or_clause_id(client):
    by_number = client.get(f"/policies/{DOC_NUMBER}/firms").json()
    by_id = client.get(f"/policies/{quote('PolicyDocument:' + DOC_NUMBER, safe='')}/firms").json()
    assert by_id == by_number
    one = client.get(f"/policies/{quote(CLAUSE, safe='')}/firms")
    assert one.status_code == 200, one.text
    assert [x["clause"]["id"] for x in one.json()] == [CLAUSE]
    assert one.json()[0] == clause_row(by_number)


def test_a_policy_before_it_is_in_force_has_no_rows(client):
    assert client.get(f"/policies/{DOC_NUMBER}/firms", params={"as_of": "2000-01-01"}).json() == []
    body = assert_problem(client.get(f"/policies/{DOC_NUMBER}/firms", params={"as_of": "2024/01/01"}), 422)
    assert "as_of" in body["detail"]


def test_unknown_policy_is_404_problem(client):
    body = assert_problem(client.get("/policies/无此文号/firms"), 404)
    assert body["type"].endswith("/not-found")
    assert "无此文号" in body["detail"]
