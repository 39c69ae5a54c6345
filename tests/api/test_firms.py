"""The eligibility routes for firms over HTTP against a real server: /profile-schema,
POST /firms, GET /firms/{key}/matches, POST /match."""

from __future__ import annotations

import httpx
import pytest

from policykg.core.credit_code import check_character
from tests.api.utils import ELIGIBILITY_KEY
from tests.conftest import ZHEJIANG

KEY = ELIGIBILITY_KEY
AUTH = {"X-API-Key": KEY}
PROFILE = {"credit_code": "91330402MA28A1X0XW", "name": "嘉兴测试科技有限公司", "registered_place": "浙江省嘉兴市",
           "qualifications": [{"name": "高新技术企业", "date": "2020-12-01"}], "as_of": "2024-01-01"}
CLAUSE = "PolicyClause:嘉科综〔2018〕47号#第二条"


@pytest.fixture(scope="module")
def client(eligibility_client: httpx.Client) -> httpx.Client:
    """This module calls the eligibility server (0410.txt, key `ELIGIBILITY_KEY`)."""
    return eligibility_client


def result_for(body, clause=CLAUSE):
    return next(r for r in body["results"] if r["clause"]["id"] == clause)


def test_profile_schema(client):
    schema = client.get("/profile-schema").json()
    assert {"credit_code", "name", "qualifications", "yearly", "answers"} <= set(schema["properties"])
    answers = schema["properties"]["answers"]
    assert "open:设备投资额" in answers["description"] and "万元" in answers["description"]
    assert answers["additionalProperties"] == {"type": ["boolean", "number", "string"]}


def test_match_a_profile_then_answer_the_question(client):
    body = client.post("/match", json=PROFILE).json()
    r = result_for(body)
    assert r["status"] == "unknown"
    assert any(q["attribute"] == "no_major_violation" for q in body["questions"])
    answered = client.post("/match", json={**PROFILE, "no_major_violation": True}).json()
    assert result_for(answered)["status"] == "eligible"
    assert result_for(answered)["benefit"]["estimate_yuan"] == 50000


def test_store_a_firm_and_ask_both_directions(client):
    assert client.post("/firms", json=PROFILE).status_code == 401
    r = client.post("/firms", json={**PROFILE, "no_major_violation": True}, headers=AUTH)
    assert r.status_code == 201, r.text
    assert client.post("/firms", json={**PROFILE, "no_major_violation": True}, headers=AUTH).status_code == 200
    body = client.get(f"/firms/{PROFILE['credit_code']}/matches", params={"as_of": "2024-06-30"}).json()
    assert result_for(body)["status"] == "eligible"
    rows = client.get("/policies/嘉科综〔2018〕47号/firms").json()
    row = next(x for x in rows if x["clause"]["id"] == CLAUSE)
    assert [f["credit_code"] for f in row["firms"]["eligible"]] == [PROFILE["credit_code"]]


def test_bad_profiles_are_clear_problems(client):
    for bad, word in (({**PROFILE, "credit_code": "91330402MA28A1X0XU"}, "check character"),
                      ({**PROFILE, "yearly": [{"year": 2023, "revenue": -5}]}, "revenue"),
                      ({**PROFILE, "turnover": 1}, "turnover")):
        r = client.post("/match", json=bad)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
        assert word in r.json()["detail"], r.json()
    assert client.get("/firms/91330402MA28A1X0XW0/matches").status_code == 404
    assert client.get("/policies/无此文号/firms").status_code == 404


def test_the_estimate_is_the_firms_tier_and_the_window_is_shown(client):
    for name in ("0019.txt", "0449.txt"):
        r = client.post("/documents", files={"file": (name, (ZHEJIANG / name).read_bytes())}, headers=AUTH)
        assert r.status_code in (200, 201), r.text
    firm = {"credit_code": "91330000MA2H000019", "name": "仙居测试商贸有限公司", "registered_place": "浙江省台州市仙居县"}
    firm["credit_code"] = firm["credit_code"][:17] + check_character(firm["credit_code"][:17])

    def branch_tier(revenue: int) -> dict:
        body = client.post("/match", params={"all": "true", "limit": 5000},
                           json={**firm, "yearly": [{"year": 2023, "revenue": revenue}]}).json()
        return next(r for r in body["results"] if r["clause"]["id"].endswith("#九/（三）"))

    # 年销售额在500万元（含）以上、1000万元（含）以上、5000万元（含）以上的，分别给予10万元、30万元、50万元
    assert branch_tier(6_000_000)["benefit"]["estimate_yuan"] == 100_000
    assert branch_tier(12_000_000)["benefit"]["estimate_yuan"] == 300_000
    assert branch_tier(60_000_000)["benefit"]["estimate_yuan"] == 500_000
    assert branch_tier(4_000_000)["status"] == "ineligible"

    # 富人社〔2018〕7号: 每年5月、6月完成申报, said once for the whole document
    body = client.post("/match", params={"all": "true", "limit": 5000},
                       json={**firm, "registered_place": "浙江省杭州市富阳区"}).json()
    windows = {r["application_window"] for r in body["results"] if r["clause"]["source_file"] == "0449.txt"}
    assert windows == {"每年5月、6月"}


# ---------------------------------------------------------------- questions and answers
OTHER = {"credit_code": "91330000MA2H000410", "name": "嘉兴问答测试有限公司", "registered_place": "浙江省嘉兴市南湖区",
         "as_of": "2024-01-01"}
OTHER["credit_code"] = OTHER["credit_code"][:17] + check_character(OTHER["credit_code"][:17])


def test_questions_have_ids_and_answers_settle_them(client):
    body = client.post("/match", json=OTHER).json()
    assert result_for(body)["status"] == "unknown"
    ids = {q["id"]: q for q in body["questions"]}
    assert ids["no_major_violation"]["answer_type"] == "yes_no"
    assert ids["qualification:高新技术企业"]["question"] == "贵企业是否获得高新技术企业认定/称号？"
    assert CLAUSE in ids["qualification:高新技术企业"]["clause_ids"]
    answered = client.post("/match", json={**OTHER, "answers": {"no_major_violation": True,
                                                                 "qualification:高新技术企业": True}}).json()
    assert result_for(answered)["status"] == "eligible"
    assert not {"no_major_violation", "qualification:高新技术企业"} & {q["id"] for q in answered["questions"]}
    no = client.post("/match", params={"all": "true"},
                     json={**OTHER, "answers": {"no_major_violation": False}}).json()
    assert result_for(no)["status"] == "ineligible"


@pytest.mark.parametrize(("answers", "words"), [
    ({"no_major_violation": "yes"}, ["no_major_violation", "true or false"]),
    ({"qualification:高新技术企业": 1}, ["qualification:高新技术企业", "true or false"]),
    ({"revenue": -5}, ["revenue", "zero or more"]),
    ({"revenue": "500"}, ["revenue", "finite number"]),
    ({"open:从未问过的条件": True}, ["open:从未问过的条件", "no clause asks"]),
    ({"营业收入": 1}, ["营业收入", "not a question id"]),
])
def test_bad_answers_are_clear_problems(client, answers, words):
    r = client.post("/match", json={**OTHER, "answers": answers})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), r.text
    for w in words:
        assert w in r.json()["detail"], r.json()


def test_stored_answers_and_a_bad_batch_stores_nothing(client):
    code = OTHER["credit_code"]
    assert client.post("/firms", json=OTHER, headers=AUTH).status_code in (200, 201)
    path = f"/firms/{code}/answers"
    assert client.put(path, json={"no_major_violation": True}).status_code == 401
    assert client.get(path).status_code == 401  # the firm's own answers are not for anonymous callers
    r = client.put(path, params={"on": "2024-01-01"}, headers=AUTH,
                   json={"no_major_violation": True, "qualification:高新技术企业": True})
    assert r.status_code == 200, r.text
    assert r.json()["answers"] == {"no_major_violation": True, "qualification:高新技术企业": True}
    matches = client.get(f"/firms/{code}/matches").json()
    assert result_for(matches)["status"] == "eligible"
    for bad in ('{"no_major_violation": false, "qualification:高新技术企业": "是"}', '{"revenue": NaN}',
                '{"no_major_violation": false, "revenue": -1}', '{"没有这个问题": true}'):
        r = client.put(path, content=bad.encode(), headers={**AUTH, "Content-Type": "application/json"})
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), r.text
    assert client.get(path, headers=AUTH).json()["answers"] == {"no_major_violation": True,
                                                                "qualification:高新技术企业": True}
    assert client.get(f"/firms/{code}/matches").json()["summary"] == matches["summary"]
    assert client.put("/firms/91330402MA28A1X0XW0/answers", json={}, headers=AUTH).status_code == 404
    r = client.put(path, json={"no_major_violation": False}, headers=AUTH)  # replaces the set
    assert r.json()["answers"] == {"no_major_violation": False}
    body = client.get(f"/firms/{code}/matches", params={"all": "true", "limit": 5000}).json()
    assert result_for(body)["status"] == "ineligible"
    assert all("id" in q for q in body["questions"])
