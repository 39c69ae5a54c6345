"""The `policykg` command. Each command parses its arguments and calls a library function."""

from __future__ import annotations

import html
import json
import os
import sys
import time
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
import uvicorn

from policykg.app import matching
from policykg.app.backends import open_graph, open_index
from policykg.app.export import export_jsonl, export_turtle
from policykg.app.maintenance import graph_has
from policykg.app.maintenance import migrate as copy_store
from policykg.app.maintenance import load_vectors, train_vectors
from policykg.app.maintenance import reindex as rebuild_index
from policykg.app.vocabulary import open_vocabulary
from policykg.core.errors import InvalidInput, PolicyKGError
from policykg.core.ontology import PKG, load_ontology
from policykg.core.ontology import name as term
from policykg.core.settings import get_settings
from policykg.eligibility.rules import rule_files, rules_dir
from policykg.ingest.firms import import_firm_files, iter_firm_files
from policykg.ingest.pipeline import Ingestor
from policykg.ingest.reader import iter_input_files
from policykg.search.service import SearchService

app = typer.Typer(
    help="policykg: Chinese policy documents → knowledge graph → search. "
    "Data directory from POLICYKG_DATA_DIR (default ./data).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _fail(e: PolicyKGError) -> None:
    typer.secho(f"error: {e}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _stores():
    settings = get_settings()
    return settings, open_graph(settings), open_index(settings)


def _ingestor_for(paths: list[Path], list_files: Callable[[list[Path]], list[Path]]):
    """The stores, the files `paths` name (checked before anything is read) and an ingestor."""
    try:
        settings, graph, index = _stores()
        files = list_files(paths)
    except PolicyKGError as e:
        _fail(e)
    return settings, graph, index, files, Ingestor(graph, index, max_bytes=settings.max_file_bytes)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files (.txt .docx .pdf .html) or folders.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON result per line.")] = False,
    workers: Annotated[int, typer.Option(help="Processes that read and analyse files (0 = one per CPU core).")] = 0,
) -> None:
    """Ingest documents into the graph and the search index (each document atomically)."""
    settings, graph, index, files, ingestor = _ingestor_for(paths, iter_input_files)
    results = []
    with typer.progressbar(length=len(files), label="ingesting", file=sys.stderr) as bar:
        def progress(path, result):
            results.append(result)
            bar.update(1)
        try:
            ingestor.ingest_paths(files, progress=progress, workers=workers or os.cpu_count() or 1)
        except PolicyKGError as e:
            _fail(e)
    failed = [r for r in results if r.outcome == "failed"]
    if any(r.outcome in ("created", "replaced") for r in results):
        typer.echo("learning term vectors from the passages …", err=True)
        try:
            train_vectors(graph, settings.data_dir)
        except PolicyKGError as e:
            typer.secho(f"term vectors not learned ({e}); search ranks without them until `policykg reindex`",
                        fg=typer.colors.YELLOW, err=True)
    for r in results:
        if as_json:
            typer.echo(json.dumps(r.to_json(), ensure_ascii=False))
        elif r.outcome == "failed":
            typer.secho(f"✗ {r.source}: {r.error}", fg=typer.colors.RED, err=True)
    counts = graph.counts()
    if not as_json:
        by = {o: sum(1 for r in results if r.outcome == o) for o in ("created", "replaced", "unchanged", "failed")}
        typer.echo(
            f"{len(results)} files: {by['created']} new, {by['replaced']} replaced, {by['unchanged']} unchanged, "
            f"{by['failed']} failed. Store: {counts['documents']} documents, {counts['nodes']} nodes, "
            f"{counts['edges']} edges in {settings.data_dir}"
        )
    graph.close()
    index.close()
    if failed:
        raise typer.Exit(code=1)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to look for, e.g. 高新技术企业 or 高企.")],
    types: Annotated[Optional[list[str]], typer.Option("--type", "-t", help="Only these node labels (PolicyClause, Agency …).")] = None,
    limit: Annotated[int, typer.Option(help="Number of hits (1-100).")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Search. Without --type: documents best first, each with the sentences that answer; with
    --type: nodes of those types (BM25 over jieba tokens with the ontology's synonyms)."""
    def public(h) -> dict:
        return {"node_id": h.node_id, "label": h.label, "doc_id": h.doc_id, "title": h.title,
                "score": h.score, "text": h.text}

    def marked(h) -> str:
        return html.unescape(h.snippet.replace("<mark>", "【").replace("</mark>", "】"))

    try:
        settings, graph, index = _stores()
        service = SearchService(index, load_vectors(settings.data_dir))
        if types:
            hits, documents, entities = service.nodes(query, labels=tuple(types), limit=limit), [], []
        else:
            hits, documents, entities = [], service.documents(query, limit=limit), service.entities(query)
    except PolicyKGError as e:
        _fail(e)
    if as_json:
        out = {"query": query, "hits": [public(h) for h in hits],
               "documents": [{"doc_id": d.doc_id, "title": d.title, "score": d.score, "why": list(d.why),
                              "passages": [public(p) for p in d.passages]} for d in documents],
               "entities": [public(h) for h in entities]}
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
    elif not (hits or documents or entities):
        typer.echo("nothing found")
    else:
        for i, h in enumerate(hits, 1):
            typer.echo(f"{i}. [{h.label}] {h.title}  ({h.score:.2f})\n   {marked(h)}\n   id: {h.node_id}")
        for i, d in enumerate(documents, 1):
            typer.echo(f"{i}. {d.title}  [{d.doc_id}]  ({' · '.join(d.why)})")
            for p in d.passages:
                typer.echo(f"   › {marked(p)}\n     {p.node_id}")
        if entities:
            typer.echo("named: " + "; ".join(f"{h.title} [{h.label}]" for h in entities))
    graph.close()
    index.close()


class ExportFormat(str, Enum):
    jsonl = "jsonl"
    ttl = "ttl"


@app.command()
def export(
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="jsonl (one node/edge a line) or ttl (Turtle).")] = ExportFormat.jsonl,
) -> None:
    """Write the whole graph to stdout."""
    try:
        _settings, graph, index = _stores()
        (export_jsonl if fmt is ExportFormat.jsonl else export_turtle)(graph, sys.stdout)
    except PolicyKGError as e:
        _fail(e)
    graph.close()
    index.close()


@app.command()
def stats() -> None:
    """Counts of documents, nodes (per label) and edges; the search lexicon and the term vectors."""
    try:
        _settings, graph, index = _stores()
        counts = graph.counts()
        counts["search_units"] = index.count()
        lexicon = load_ontology().concepts(PKG.SearchLexiconScheme)
        counts["search_lexicon"] = {"entries": len(lexicon),
                                    "examples": [" = ".join(c.labels) for c in lexicon[:8]]}
        vectors = load_vectors(_settings.data_dir)
        counts["term_vectors"] = ({"terms": len(vectors), "dim": vectors.dim, **vectors.params} if vectors
                                  else "not learned yet (policykg reindex)")
    except PolicyKGError as e:
        _fail(e)
    typer.echo(json.dumps(counts, ensure_ascii=False, indent=2))


@app.command()
def reindex() -> None:
    """Rebuild the search index from the graph (the old index serves until the new one is ready)."""
    try:
        _settings, graph, index = _stores()
        with typer.progressbar(length=graph.counts()["documents"], label="reindexing", file=sys.stderr) as bar:
            n = rebuild_index(graph, index, progress=lambda _doc: bar.update(1))
        typer.echo("learning term vectors from the passages …", err=True)
        started = time.perf_counter()
        vectors = train_vectors(graph, _settings.data_dir)
    except PolicyKGError as e:
        _fail(e)
    learned = f"; term vectors: {len(vectors)} terms in {time.perf_counter() - started:.1f} s" if vectors else ""
    typer.echo(f"reindexed {n} documents: {index.count()} search units{learned}")


class Backend(str, Enum):
    sqlite = "sqlite"
    neo4j = "neo4j"


@app.command()
def migrate(
    source: Annotated[Backend, typer.Option("--from", help="Graph backend to read.")],
    target: Annotated[Backend, typer.Option("--to", help="Graph backend to write.")],
) -> None:
    """Copy the graph from one backend to another (e.g. --from sqlite --to neo4j), one document
    per transaction; safe to run again after an interruption."""
    if source == target:
        _fail(InvalidInput("--from and --to name the same backend"))
    try:
        settings = get_settings()
        src = open_graph(settings.model_copy(update={"graph": source.value}))
        dst = open_graph(settings.model_copy(update={"graph": target.value}))
        with typer.progressbar(length=src.counts()["documents"], label="migrating", file=sys.stderr) as bar:
            n = copy_store(src, dst, progress=lambda _doc: bar.update(1))
        a, b = src.counts(), dst.counts()
    except PolicyKGError as e:
        _fail(e)
    typer.echo(f"migrated {n} documents: {source.value} has {a['nodes']} nodes/{a['edges']} edges, "
               f"{target.value} has {b['nodes']} nodes/{b['edges']} edges")
    if (a["nodes"], a["edges"]) != (b["nodes"], b["edges"]):
        typer.secho("note: the target held other documents before; counts differ", err=True)


def _parse_answers(pairs: list[str], file: Path | None) -> dict[str, object]:
    """--answers FILE.json, then each --answer ID=VALUE over it. A VALUE is read as JSON when it
    is JSON (true, false, 320, "…"), else as text (浙江省嘉兴市南湖区)."""
    answers: dict[str, object] = {}
    if file is not None:
        try:
            data = json.loads(file.read_text(encoding="utf-8-sig"))
        except OSError as e:
            raise InvalidInput(f"{file}: cannot read the answers ({e.strerror or e})") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise InvalidInput(f"{file}: answers must be UTF-8 JSON ({e})") from None
        if not isinstance(data, dict):
            raise InvalidInput(f"{file}: answers are a JSON object of question id → answer")
        answers.update(data)
    for pair in pairs:
        qid, sep, raw = pair.partition("=")
        if not sep or not qid.strip():
            raise InvalidInput(f"--answer {pair!r}: expected ID=VALUE, e.g. qualification:高新技术企业=true")
        try:
            answers[qid.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            answers[qid.strip()] = raw
    return answers


@app.command()
def match(
    firm: Annotated[Optional[str], typer.Option("--firm", help="统一社会信用代码, firm name, or a profile .json file.")] = None,
    policy: Annotated[Optional[str], typer.Option("--policy", help="PolicyDocument id, 文号 or clause id.")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Rules and facts in force on this date (YYYY-MM-DD).")] = None,
    answer: Annotated[Optional[list[str]], typer.Option(
        "--answer", help="Answer a question: ID=VALUE with the id the questions show, e.g. "
        "qualification:高新技术企业=true, open:设备投资额=320 (in the question's unit, money in 万元), "
        "registered_place=浙江省嘉兴市南湖区. Repeatable; not stored.")] = None,
    answers_file: Annotated[Optional[Path], typer.Option(
        "--answers", help="A JSON file of answers: {question id: answer}; --answer wins over it.")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Also list clauses the firm is not eligible for.")] = False,
    limit: Annotated[int, typer.Option(help="Results to print (text output).")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Which policies apply: --firm gives the firm's clauses (eligible / unknown / ineligible,
    with reasons, benefit and the questions that would settle the unknowns, each with the id to
    answer it by with --answer ID=VALUE); --policy gives the firms a policy's clauses apply to."""
    if (firm is None) == (policy is None):
        _fail(InvalidInput("give exactly one of --firm or --policy"))
    try:
        answers = _parse_answers(answer or [], answers_file)
        if answers and firm is None:
            raise InvalidInput("--answer and --answers go with --firm")
        _settings, graph, _index = _stores()
        rules = matching.load_rules(graph)
        if firm is not None:
            known = matching.known_questions(rules)
            subject = matching.firm_of(graph, firm, answers=answers, known=known, on=as_of)
            result = matching.match_firm(subject, rules, as_of=as_of, include_ineligible=show_all)
            if as_json:
                typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
            else:
                _print_answer(result, limit)
        else:
            rows = matching.match_policy(graph, policy, matching.stored_firms(graph), rules, as_of=as_of)
            if as_json:
                typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            for row in rows if not as_json else []:
                c = row["counts"]
                typer.echo(f"{row['clause']['name']}  eligible {c['eligible']}, unknown {c['unknown']}, "
                           f"ineligible {c['ineligible']}")
                for f in row["firms"]["eligible"][:limit]:
                    typer.echo(f"   ✓ {f['name']} ({f['credit_code']})")
    except PolicyKGError as e:
        _fail(e)


QUESTIONS_SHOWN = 10
_ANSWER_HINT = {"yes_no": "true / false", "number": "a number", "date": "YYYY-MM-DD", "choice": "one of the choices",
                "text": "text"}


def _print_answer(answer, limit: int) -> None:
    marks = {"eligible": "✓", "unknown": "?", "ineligible": "✗"}
    data = answer.to_json()
    s = data["summary"]
    typer.echo(f"{answer.firm.name} ({answer.firm.credit_code}): {s['eligible']} eligible, {s['unknown']} unknown, "
               f"{s['ineligible']} ineligible; estimated benefit {s['estimate_yuan']:,.0f} 元")
    for r in data["results"][:limit]:
        est = r["benefit"]["estimate_yuan"]
        title = r["policy"]["title"] + (f"（{r['policy']['doc_number']}）" if r["policy"]["doc_number"] else "")
        typer.echo(f"{marks[r['status']]} {title} {r['clause']['name']}"
                   + (f" — 最高 {est:,.0f} 元" if est else "") + ("" if r["benefit"]["counted"] else " (不重复享受)"))
        if r.get("application_window"):
            typer.echo(f"    申报时间：{r['application_window']}")
        for line in r["reasons"]:
            typer.echo(f"    [{line['outcome']}] {line['summary']} 「{line['criterion'].get('text', '')}」"
                       + (f" → {line['advice']}" if line.get("advice") else ""))
    questions = data["questions"]
    if questions:
        typer.echo("To settle the unknown answers, answer with --answer ID=VALUE:")
        for q in questions[:QUESTIONS_SHOWN]:
            kind = _ANSWER_HINT.get(q["answer_type"], q["answer_type"]) + (f" in {q['unit']}" if q.get("unit") else "")
            money = f", up to {q['money_yuan']:,.0f} 元" if q["money_yuan"] else ""
            typer.echo(f"  {q['id']}  {q['question']}  [{kind}] (decides {q['clauses']} clauses{money})")
        if len(questions) > QUESTIONS_SHOWN:
            typer.echo(f"  … and {len(questions) - QUESTIONS_SHOWN} more (--json lists them all)")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
) -> None:
    """Run the HTTP API (OpenAPI docs at /docs)."""
    uvicorn.run("policykg.api.main:create_app", factory=True, host=host, port=port)


firms_app = typer.Typer(help="Firms: registries and firm profiles in the graph.", no_args_is_help=True)


@firms_app.command("import")
def firms_import(
    paths: Annotated[list[Path], typer.Argument(
        help="Registry files (.csv, .xlsx, or .json holding an array of rows, with headers such as 企业名称, "
             "统一社会信用代码, 注册日期, 注册资金, 经营范围, 注册地址) or firm profiles (.json holding one object with "
             "credit_code, name, qualifications, yearly, patents, …), or folders of them.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON result per line.")] = False,
) -> None:
    """Import firm registries and firm profiles. Each file is checked whole and stored as one
    document: a bad row (invalid 统一社会信用代码, unreadable capital or date) fails its file, names the
    row and column, and stores nothing from it. Re-importing an unchanged file changes nothing; a
    changed file replaces what it stored before. Exit code 1 if any file failed."""
    settings, graph, index, files, ingestor = _ingestor_for(paths, iter_firm_files)
    with typer.progressbar(length=len(files), label="importing firms", file=sys.stderr) as bar:
        try:
            results = import_firm_files(files, ingestor, done=lambda _path, _result: bar.update(1))
        except PolicyKGError as e:
            _fail(e)
    for r in results:
        if as_json:
            typer.echo(json.dumps(r.to_json(), ensure_ascii=False))
        elif r.outcome == "failed":
            typer.secho(f"✗ {r.source}: {r.error}", fg=typer.colors.RED, err=True)
    if not as_json:
        ok = [r for r in results if r.outcome != "failed"]
        changed = sum(r.firms for r in ok if r.outcome in ("created", "replaced"))
        typer.echo(f"{len(results)} files: {changed} firms imported, "
                   f"{sum(r.firms for r in ok if r.outcome == 'unchanged')} unchanged, "
                   f"{len(results) - len(ok)} files failed (nothing stored from them). "
                   f"Store: {graph.counts().get('nodes:' + term(PKG.Enterprise), 0)} firms in {settings.data_dir}")
    graph.close()
    index.close()
    if any(r.outcome == "failed" for r in results):
        raise typer.Exit(code=1)


app.add_typer(firms_app, name="firms")


rules_app = typer.Typer(help="Curated rules: hand-checked conditions that win over what extraction read.",
                        no_args_is_help=True)


@rules_app.command("list")
def rules_list(as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False) -> None:
    """Show the rule files in use, where they are read from (the packaged folder, or
    POLICYKG_RULES_DIR), and the clauses each rule overrides — with whether that clause is in
    the graph. A file that does not validate is an error naming the file and the rule."""
    try:
        settings, graph, index = _stores()
        folder = rules_dir()
        listing = rule_files(folder)
        clauses = {r.clause: graph_has(graph, r.clause) for _f, rules in listing for r in rules}
    except PolicyKGError as e:
        _fail(e)
    origin = "POLICYKG_RULES_DIR" if settings.rules_dir else "packaged with policykg"
    if as_json:
        typer.echo(json.dumps({
            "folder": str(folder), "origin": origin,
            "files": [{"file": f.name, "rules": [{**r.summary(), "in_graph": clauses[r.clause]} for r in rules]}
                      for f, rules in listing]}, ensure_ascii=False, indent=2))
    else:
        typer.echo(f"rules folder: {folder} ({origin})")
        for f, rules in listing:
            typer.echo(f"{f.name}: {len(rules)} rule{'s' if len(rules) != 1 else ''}")
            for r in rules:
                until = f" to {r.effective_to}" if r.effective_to else ""
                seen = "in the graph" if clauses[r.clause] else "not in the graph yet"
                typer.echo(f"  {r.clause}  v{r.version}, from {r.effective_from}{until} — overrides extraction ({seen})")
        if not listing:
            typer.echo("no rule files: every clause is answered from what extraction read")
    graph.close()
    index.close()


app.add_typer(rules_app, name="rules")


criteria_app = typer.Typer(help="What criteria reading finds: the open attributes the ontology does not name yet.",
                           no_args_is_help=True)


@criteria_app.command("vocabulary")
def criteria_vocabulary(
    limit: Annotated[int, typer.Option(help="Show at most this many attributes.")] = 50,
    min_count: Annotated[int, typer.Option("--min-count", help="Only attributes used at least this often.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """List the open attributes in the stored criteria (open:设备投资额 …) with how often they
    are used, their value type and example sentences, so a curator can promote one into the
    ontology (a concept of the AttributeScheme, or an altLabel of an existing one)."""
    try:
        _settings, graph, index = _stores()
        found = [a for a in open_vocabulary(graph) if a.count >= min_count]
    except PolicyKGError as e:
        _fail(e)
    shown = found[:limit]
    if as_json:
        typer.echo(json.dumps({"total": len(found), "attributes": [a.to_json() for a in shown]},
                              ensure_ascii=False, indent=2))
    else:
        typer.echo(f"{len(found)} open attributes in the stored criteria (showing {len(shown)}):")
        for a in shown:
            typer.echo(f"{a.count:5d}  {a.attribute}  [{a.value_type}]")
            for ex in a.examples:
                typer.echo(f"         「{ex}」")
        if not found:
            typer.echo("none: every criterion read names an attribute of the ontology")
    graph.close()
    index.close()


app.add_typer(criteria_app, name="criteria")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
