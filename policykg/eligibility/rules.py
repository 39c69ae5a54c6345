"""Curated eligibility rules: versioned YAML files that override what extraction read.

A rule names one PolicyClause and states its condition (nested ``all`` / ``any`` / ``not`` of
criteria) and benefits by hand. Rules are checked against the ontology when loaded, so a typo
in an attribute or operator fails loudly with the file and the rule's index. See
``curated/README.md`` for the format.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from policykg.core.errors import InvalidInput
from policykg.core.ontology import PKG, load_ontology
from policykg.core.settings import get_settings
from policykg.eligibility.attributes import attribute_keys
from policykg.eligibility.engine import BenefitTerm, Condition, Criterion
from policykg.eligibility.operators import OPERATORS

# The curated rules shipped with the package; POLICYKG_RULES_DIR points a deployment at its own.
PACKAGED_RULES_DIR = Path(str(files(__package__) / "curated"))


def rules_dir() -> Path:
    """The folder rules are read from: the setting `rules_dir` when given, else the packaged one."""
    return get_settings().rules_dir or PACKAGED_RULES_DIR

_CRITERION_KEYS = {"attribute", "operator", "value", "unit", "period", "text", "needs_review"}
_BENEFIT_KEYS = {"kind", "amount_yuan", "rate", "cap_yuan", "recurrence", "text", "per_unit"}
_RULE_KEYS = {"clause", "version", "effective_from", "effective_to", "condition", "benefits", "note"}
_RECURRENCES = ("one-off", "yearly")


@dataclass(frozen=True)
class Rule:
    """A hand-checked condition and benefits for one clause, in force from a date."""

    clause: str
    version: int
    effective_from: str
    condition: Condition
    benefits: tuple[BenefitTerm, ...] = ()
    effective_to: str | None = None
    note: str = ""
    source: str = field(default="", compare=False)  # file:index, for messages

    def summary(self) -> dict[str, Any]:
        """What `policykg rules list` shows of a rule."""
        return {"clause": self.clause, "version": self.version, "effective_from": self.effective_from,
                "effective_to": self.effective_to, "source": self.source}

    def in_force(self, on: str) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


def _benefit_kinds() -> dict[str, str]:
    """Every label of a benefit type → its preferred label (补贴 → 补助)."""
    return {label: c.pref_label for c in load_ontology().concepts(PKG.BenefitTypeScheme) for label in c.labels}


def _date(value: Any, where: str, key: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise InvalidInput(f"{where}: {key} {value!r} is not an ISO date (YYYY-MM-DD)") from None


def _criterion(d: Any, where: str) -> Criterion:
    if not isinstance(d, dict):
        raise InvalidInput(f"{where}: a criterion must be a mapping, got {d!r}")
    extra = set(d) - _CRITERION_KEYS
    if extra:
        raise InvalidInput(f"{where}: unknown criterion keys {sorted(extra)}", hint=f"allowed: {sorted(_CRITERION_KEYS)}")
    review = bool(d.get("needs_review", False))
    attr, op = d.get("attribute"), d.get("operator", "true" if review else None)
    if not review and attr not in attribute_keys():
        raise InvalidInput(f"{where}: unknown attribute {attr!r}",
                           hint="attributes are the AttributeScheme concepts: " + ", ".join(sorted(attribute_keys())))
    if op not in OPERATORS:
        raise InvalidInput(f"{where}: unknown operator {op!r}", hint="operators: " + ", ".join(OPERATORS))
    return Criterion(attr, op, d.get("value"), d.get("unit"), d.get("period"), str(d.get("text", "")), review)


def _condition(d: Any, where: str) -> Condition:
    if isinstance(d, dict) and len(d) == 1 and next(iter(d)) in ("all", "any", "not"):
        (key, parts), = d.items()
        if key == "not":
            return Condition("NOT", (_condition(parts, f"{where}.not"),))
        if not isinstance(parts, list) or not parts:
            raise InvalidInput(f"{where}: '{key}' needs a non-empty list")
        children = [_condition(p, f"{where}.{key}[{i}]") for i, p in enumerate(parts)]
        return Condition.all_of(*children) if key == "all" else Condition.any_of(*children)
    return Condition.leaf(_criterion(d, where))


def _benefit(d: Any, where: str, kinds: dict[str, str]) -> BenefitTerm:
    if not isinstance(d, dict):
        raise InvalidInput(f"{where}: a benefit must be a mapping")
    extra = set(d) - _BENEFIT_KEYS
    if extra:
        raise InvalidInput(f"{where}: unknown benefit keys {sorted(extra)}", hint=f"allowed: {sorted(_BENEFIT_KEYS)}")
    kind = kinds.get(str(d.get("kind")))
    if kind is None:
        raise InvalidInput(f"{where}: unknown benefit kind {d.get('kind')!r}", hint="kinds: " + ", ".join(sorted(kinds)))
    if d.get("recurrence") not in (None, *_RECURRENCES):
        raise InvalidInput(f"{where}: recurrence must be one of {_RECURRENCES}")
    nums = {}
    for k in ("amount_yuan", "rate", "cap_yuan"):
        v = d.get(k)
        if v is not None and (not isinstance(v, int | float) or isinstance(v, bool) or v < 0):
            raise InvalidInput(f"{where}: {k} must be a non-negative number, got {v!r}")
        nums[k] = v
    if nums["rate"] is not None and nums["rate"] > 1:
        raise InvalidInput(f"{where}: rate is a fraction (0.5 for 50%), got {nums['rate']!r}")
    return BenefitTerm(kind, nums["amount_yuan"], nums["rate"], nums["cap_yuan"], d.get("recurrence"), str(d.get("text", "")),
                       per_unit=str(d["per_unit"]) if d.get("per_unit") else None)


def parse_rules(data: Any, source: str) -> list[Rule]:
    """Rules from the parsed YAML of one file.

    Raises:
        InvalidInput: naming the file and the rule's index, for any rule that does not validate.
    """
    if not isinstance(data, list):
        raise InvalidInput(f"{source}: a rule file is a YAML list of rules")
    kinds = _benefit_kinds()
    out = []
    for i, r in enumerate(data):
        where = f"{source}: rule {i}"
        if not isinstance(r, dict):
            raise InvalidInput(f"{where}: a rule must be a mapping")
        extra = set(r) - _RULE_KEYS
        if extra:
            raise InvalidInput(f"{where}: unknown keys {sorted(extra)}", hint=f"allowed: {sorted(_RULE_KEYS)}")
        for key in ("clause", "version", "effective_from", "condition"):
            if r.get(key) is None:
                raise InvalidInput(f"{where}: '{key}' is required")
        if not str(r["clause"]).startswith("PolicyClause:"):
            raise InvalidInput(f"{where}: clause must be a PolicyClause id, got {r['clause']!r}")
        if not isinstance(r["version"], int) or isinstance(r["version"], bool):
            raise InvalidInput(f"{where}: version must be an integer")
        benefits = r.get("benefits") or []
        if not isinstance(benefits, list):
            raise InvalidInput(f"{where}: benefits must be a list")
        out.append(Rule(
            clause=str(r["clause"]), version=r["version"],
            effective_from=_date(r["effective_from"], where, "effective_from"),
            effective_to=_date(r.get("effective_to"), where, "effective_to"),
            condition=_condition(r["condition"], f"{where}.condition"),
            benefits=tuple(_benefit(b, f"{where}.benefits[{j}]", kinds) for j, b in enumerate(benefits)),
            note=str(r.get("note") or ""), source=f"{source}#{i}",
        ))
    return out


def load_rule_file(path: Path) -> list[Rule]:
    """Read and validate one YAML rule file.

    Raises:
        InvalidInput: the file is not YAML or a rule does not validate.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise InvalidInput(f"{path.name}: not valid YAML: {e}") from None
    return parse_rules(data, path.name)


def load_rules(directory: Path | None = None) -> list[Rule]:
    """Every rule in `directory` (default: `rules_dir()`), validated.

    Raises:
        InvalidInput: the folder does not exist, or a rule in it does not validate.
    """
    return [r for _path, rules in rule_files(directory) for r in rules]


def rule_files(directory: Path | None = None) -> list[tuple[Path, list[Rule]]]:
    """Each rule file in `directory` (default: `rules_dir()`) with its validated rules, by name.

    Raises:
        InvalidInput: the folder does not exist, or a rule in it does not validate.
    """
    directory = directory or rules_dir()
    if not directory.is_dir():
        raise InvalidInput(f"rules folder {directory} does not exist",
                           hint="set POLICYKG_RULES_DIR to a folder of *.yaml rule files, or unset it")
    return [(p, load_rule_file(p)) for p in sorted(directory.glob("*.yaml"))]


@lru_cache(maxsize=4)
def _cached(directory: str) -> tuple[Rule, ...]:
    return tuple(load_rules(Path(directory)))


def rule_in_force(clause: str, *, on: str | None = None, directory: Path | None = None) -> Rule | None:
    """The newest version of the rule for a clause that is in force on a date (default today)."""
    on = on or dt.date.today().isoformat()
    found = [r for r in _cached(str(directory or rules_dir())) if r.clause == clause and r.effective_from <= on]
    return max(found, key=lambda r: (r.version, r.effective_from), default=None)
