"""The README stays honest: every CLI command and API route is documented, and the CLI
examples run as written."""

from __future__ import annotations

import re
import shlex

import pytest
from typer.testing import CliRunner

from policykg.api.main import create_app
from policykg.cli import app as cli
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def cli_commands() -> list[str]:
    import typer.main

    return sorted(typer.main.get_command(cli).commands)


def test_every_cli_command_is_documented_with_an_example():
    for name in cli_commands():
        assert re.search(rf"^policykg {name}\b", README, re.M) or re.search(rf"policykg {name}\b", README), name


def test_every_api_route_is_documented_with_an_example(tmp_path):
    from policykg.core.settings import Settings

    app = create_app(Settings(data_dir=tmp_path))
    paths = app.openapi()["paths"]
    assert {"/documents", "/search", "/entities", "/export", "/health"} <= set(paths)
    for path, methods in paths.items():
        shown = re.sub(r"\{(node_id|key)(:path)?\}", "{id}", path)
        for method in methods:
            assert f"`{method.upper()} {shown}`" in README, (method, path)
        stem = shown.split("{")[0].rstrip("/") or shown
        assert re.search(rf"curl .*127\.0\.0\.1:8000{re.escape(stem)}", README), path


def example_lines() -> list[list[str]]:
    block = README.split("## Example", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    out = []
    for line in block.splitlines():
        line = line.split("#", 1)[0].strip()
        words = shlex.split(line)
        words = [w for w in words if not re.fullmatch(r"[A-Z_]+=.*", w)]
        if not words or words[0] != "policykg" or words[1] in ("serve", "migrate"):
            continue
        if ">" in words:
            words = words[: words.index(">")]
        out.append(words[1:])
    return out


def test_readme_examples_run(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYKG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(REPO)
    runner = CliRunner()
    examples = example_lines()
    assert [e[0] for e in examples] == ["ingest", "search", "search", "export", "export", "stats", "reindex"]
    for args in examples:
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, (args, result.output)
        if args[0] == "search":
            assert "nothing found" not in result.output


@pytest.mark.parametrize("name", ["ingest", "search", "export", "stats", "reindex", "migrate", "serve", "match"])
def test_cli_help_explains_each_command(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output
