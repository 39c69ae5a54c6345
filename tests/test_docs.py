"""The README stays honest: every CLI command and API route is documented, and the CLI
examples run as written."""

from __future__ import annotations

import re
import shlex

import pytest
import typer.main
from typer.testing import CliRunner

from policykg.api.main import create_app
from policykg.cli import app as cli
from policykg.core.settings import Settings
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def cli_commands() -> list[str]:
    return sorted(typer.main.get_command(cli).commands)


def test_every_cli_command_is_documented_with_an_example():
    for name in cli_commands():
        assert re.search(rf"policykg {name}\b", README), name


def test_every_api_route_is_documented_with_an_example(tmp_path):
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
    assert [e[0] for e in examples] == ["ingest", "search", "search", "export", "export", "stats", "reindex",
                                        "rules", "criteria"]
    for args in examples:
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, (args, result.output)
        if args[0] == "search":
            assert "nothing found" not in result.output
        if args[0] == "rules":  # the curated rules shipped with the package, and the clauses they decide
            assert "jiaxing_keji_baoxian.yaml: 2 rules" in result.output, result.output
            assert "PolicyClause:嘉科综〔2018〕47号#第二条" in result.output, result.output
        if args[0] == "criteria":  # the open attributes of the corpus just ingested, with examples
            assert "open attributes in the stored criteria" in result.output and "open:" in result.output


@pytest.mark.parametrize("name", cli_commands())
def test_cli_help_explains_each_command(name):
    """`policykg NAME --help` shows the command's own docstring, not only a usage line."""
    command = typer.main.get_command(cli).commands[name]
    result = CliRunner().invoke(cli, [name, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    first_words = " ".join((command.help or "").split()[:4])
    assert first_words and first_words in " ".join(result.output.split()), (name, result.output)
