"""Errors every route shares: problem+json for unknown routes and methods, unexpected
failures, and a wrong key on a read route."""

from __future__ import annotations

from tests.api.utils import assert_problem


def test_unknown_route_is_404_problem(client):
    body = assert_problem(client.get("/no/such/route"), 404)
    assert body["detail"] == "no route GET /no/such/route"


def test_wrong_method_is_405_problem(client):
    r = client.delete("/health")
    assert_problem(r, 405)
    assert "GET" in r.headers["allow"]


def test_unexpected_error_is_500_problem_without_internals(client):
    r = client.get("/_test/boom")
    body = assert_problem(r, 500)
    assert "secret" not in r.text and "Traceback" not in r.text and "RuntimeError" not in r.text
    assert body["title"] == "Internal error"


def test_wrong_key_on_a_read_route_is_401(client):
    assert_problem(client.get("/entities", headers={"X-API-Key": "nope"}), 401)
