"""Firm profiles: the facts registries lack (qualifications, yearly figures, patents, talents,
platforms), in a documented JSON format, and the graph form both registries and profiles share.

A firm is one `Enterprise` node, id ``Enterprise:<统一社会信用代码>``, whichever file it came
from. Its `facts` property holds the engine's view of it — `eligibility.Fact` objects as JSON —
and the store unions those lists across the documents that contribute to the node, so a
registry row and a profile of the same firm merge into one `FirmProfile`.

The profile format (JSON; `profile_json_schema()` gives its JSON Schema)::

    {
      "credit_code": "91330402MA2B3C4D5E",            # 统一社会信用代码, checked (GB 32100)
      "name": "嘉兴某某科技有限公司",
      "registered_place": "浙江省嘉兴市南湖区",          # optional; an address works too
      "qualifications": [{"name": "高企", "date": "2022-12-24", "expires": "2025-12-23"}],
                                                      # the list is complete when given: [] = none
      "yearly": [{"year": 2023, "revenue": 52000000, "tax_paid": 3100000,
                  "rd_expense": 2600000, "rd_ratio": 5.0, "employees": 86}],
      "patents": [{"type": "发明", "number": "ZL202110000000.0", "title": "…", "date": "2023-05-02"}],
      "talents": [{"role": "首席科学家", "program": "南湖英才计划"}],
      "platforms": [{"name": "嘉兴某某企业研究院", "type": "企业技术中心", "level": "市级"}],
      "no_major_violation": true,
      "answers": {"open:设备投资额": 320, "qualification:专精特新企业": false,
                  "open:拥有自主知识产权": true},     # answers to the questions a match asked
      "source": "2024年企业自报",
      "as_of": "2024-06-30"
    }

Money is in 元, `rd_ratio` in percent (5.0 = 5%). Unknown keys are rejected, so a misspelt
attribute is an error rather than a silently missing fact. `answers` are in each question's
own unit (money in 万元) and are read by `eligibility.questions.answers_to_facts`, dated
`as_of`; here only their ids and JSON types are checked, the rest is checked against the
questions the clauses ask when the profile is matched or stored.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from policykg.core.credit_code import validate_credit_code
from policykg.core.errors import InvalidInput
from policykg.core.model import Node, node_id
from policykg.core.ontology import PKG, Concept, load_ontology, name
from policykg.core.places import strip_level
from policykg.eligibility.attributes import Attribute, yearly_attributes
from policykg.eligibility.engine import Fact, FirmProfile
from policykg.eligibility.questions import ID_FORMS, check_id

L_ENTERPRISE, L_PLACE, L_INDUSTRY, L_QUAL = (name(PKG.Enterprise), name(PKG.Place), name(PKG.Industry),
                                             name(PKG.Qualification))
L_PATENT, L_TALENT, L_PLATFORM = name(PKG.Patent), name(PKG.Talent), name(PKG.Platform)
R_HOLDS, R_LOCATED_IN, R_IN_INDUSTRY, R_OWNS, R_WORKS_AT, R_OPERATES, R_PART_OF = (
    name(PKG.HOLDS), name(PKG.LOCATED_IN), name(PKG.IN_INDUSTRY), name(PKG.OWNS), name(PKG.WORKS_AT),
    name(PKG.OPERATES), name(PKG.PART_OF))
P_CREDIT, P_FACTS, P_NUMBER, P_TITLE, P_ROLE, P_LEVEL, P_PTYPE, P_FROM, P_TO = (
    name(PKG.credit_code), name(PKG.facts), name(PKG.number), name(PKG.title), name(PKG.role), name(PKG.level),
    name(PKG.platform_type), name(PKG.effective_from), name(PKG.effective_to))
# Not in the ontology yet (asked for): the kind of a patent and the programme a talent came through.
P_PATENT_TYPE, P_PROGRAM = name(PKG.patent_type), name(PKG.program)

SENTENCE_CHARS = 300
# The value of the fact a profile states with "qualifications": [] (the firm holds none): any
# qualification a clause asks for is then not met, where no fact at all would leave it unknown.
NO_QUALIFICATION = "无"
PATENT_TYPES = ("发明", "实用新型", "外观设计")


def enterprise_id(credit_code: str) -> str:
    return node_id(L_ENTERPRISE, credit_code)


# ---------------------------------------------------------------------------- ontology lookups
def label_index(scheme) -> dict[str, Concept]:
    return {label: c for c in load_ontology().concepts(scheme) for label in c.labels}


@lru_cache(maxsize=1)
def _qualifications() -> dict[str, Concept]:
    return label_index(PKG.QualificationScheme)


def qualification_concept(label: str) -> Concept:
    """The QualificationScheme concept of a prefLabel or alias; KeyError when there is none."""
    return _qualifications()[label]


def canonical_qualification(label: str) -> str:
    """The QualificationScheme prefLabel for a label or alias (高企 → 高新技术企业).

    Raises:
        InvalidInput: the label is not in the scheme.
    """
    c = _qualifications().get(label.strip())
    if c is None:
        # 省级专精特新中小企业, 浙江省科技型中小企业: a level or place in front of a label the scheme has
        bare = strip_level(label)
        c = _qualifications().get(bare) if bare != label.strip() else None
    if c is None:
        known = sorted({c.pref_label for c in _qualifications().values()})
        raise InvalidInput(f"unknown qualification {label!r}; known: {', '.join(known)} (or their aliases)")
    return c.pref_label


def canonical_in(scheme, label: str | None) -> str | None:
    if not label:
        return label
    c = label_index(scheme).get(label.strip())
    return c.pref_label if c else label.strip()


# ---------------------------------------------------------------------------- the profile format
def _checked(check: Callable[[str], str]) -> Callable[[str], str]:
    """A field validator from a check that raises InvalidInput (pydantic reports ValueError)."""
    def validate(value: str) -> str:
        try:
            return check(value)
        except InvalidInput as e:
            raise ValueError(e.detail) from None
    return validate


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class QualificationIn(_Strict):
    """A qualification the firm holds (资质认定)."""

    name: Annotated[str, AfterValidator(_checked(canonical_qualification))] = Field(description="资质: a label or alias of the ontology's QualificationScheme "
                                  "(高新技术企业 / 高企, 科技型企业, 专精特新企业 …); stored as the canonical label.")
    date: dt.date = Field(description="认定日期 (ISO date).")
    expires: dt.date | None = Field(None, description="有效期至 (ISO date), if the qualification lapses.")

    @model_validator(mode="after")
    def _dates(self) -> QualificationIn:
        if self.expires is not None and self.expires < self.date:
            raise ValueError(f"expires {self.expires} is before date {self.date}")
        return self


def _yearly_field(a: Attribute) -> tuple[Any, Any]:
    """The profile field of one yearly attribute: a count is whole, a ratio a percentage."""
    unit = {"%": "percent (5.0 = 5%)", "元": "元", "人": "people", "件": "items"}.get(a.unit or "", a.unit or "")
    description = f"{a.label}, {unit}." if unit else f"{a.label}."
    if a.value_type == "count":
        return int | None, Field(None, ge=0, description=description)
    return float | None, Field(None, ge=0, le=100 if a.unit == "%" else None, description=description)


# The figures of one year are the attribute table's yearly attributes (营业收入, 实缴税费 …): a
# yearly attribute added to the ontology is a profile field at once.
YearlyIn = create_model(
    "YearlyIn",
    __base__=_Strict,
    __doc__="Figures for one year; every figure is optional.",
    year=(int, Field(ge=1949, le=2100, description="The year the figures are for.")),
    **{a.key: _yearly_field(a) for a in yearly_attributes()},
)


class PatentIn(_Strict):
    """A patent the firm owns."""

    type: Literal["发明", "实用新型", "外观设计"] = Field(description="专利类型: 发明, 实用新型 or 外观设计.")
    number: str | None = Field(None, description="专利号, e.g. ZL202110000000.0.")
    title: str | None = Field(None, description="专利名称.")
    date: dt.date | None = Field(None, description="授权日期 (ISO date).")

    @field_validator("type", mode="before")
    @classmethod
    def _short(cls, v: Any) -> Any:
        return v.strip().removesuffix("专利") if isinstance(v, str) else v  # 发明专利 → 发明


class TalentIn(_Strict):
    """A person on the firm's staff whom policies count (引进人才); no personal name needed."""

    role: str | None = Field(None, description="Role, e.g. 首席科学家, 研发负责人.")
    program: str | None = Field(None, description="Talent programme the person was selected for.")
    name: str | None = Field(None, description="Optional personal name; stored under an opaque id.")


class PlatformIn(_Strict):
    """A platform the firm runs (研发中心, 重点实验室, 孵化器 …)."""

    name: str = Field(min_length=1, description="平台名称.")
    type: str | None = Field(None, description="平台类型, a PlatformTypeScheme label where one fits.")
    level: str | None = Field(None, description="级别: 国家级, 省级, 市级, 区级.")


def _answer_values(v: dict[str, Any] | None) -> dict[str, Any] | None:
    """Ids well formed, values JSON scalars; whether a value fits its question is checked when
    the answers are read (`answers_to_facts`), against the questions the clauses ask."""
    for qid, value in (v or {}).items():
        try:
            check_id(qid)
        except InvalidInput as e:
            raise ValueError(e.detail) from None
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"answer to {qid!r}: expected a finite number, not {value!r}")
        if not isinstance(value, bool | int | float | str):
            raise ValueError(  # noqa: TRY004 - pydantic reports a ValueError as the field's error
                f"answer to {qid!r}: expected true / false, a number or a string, not {value!r}")
    return v


def _answers_schema(schema: dict[str, Any]) -> None:
    """The JSON Schema of `answers`: an object of question id → JSON boolean, number or string."""
    schema.pop("anyOf", None)
    schema.update({
        "type": ["object", "null"],
        "propertyNames": {"pattern": r"^(open:\S.*|qualification:\S.*|platform:\S.*|[a-z_]+)$"},
        "additionalProperties": {"type": ["boolean", "number", "string"]},
        "examples": [{"open:设备投资额": 320, "qualification:专精特新企业": False, "registered_place": "浙江省嘉兴市南湖区"}],
    })


ANSWERS_DESCRIPTION = (
    "Answers to the questions a match returned: question id → answer. Ids: " + ID_FORMS + " — e.g. "
    "revenue, registered_place, qualification:高新技术企业, platform:省级企业技术中心, open:设备投资额, "
    "open:拥有自主知识产权. A yes/no question takes true or false (JSON booleans; false to a qualification "
    "or platform question makes clauses asking for it 'not met'); a number question a finite number in the "
    "question's `unit` (money in 万元, ratios in %, counts whole), never negative for amounts, counts and "
    "quantities; a date question YYYY-MM-DD; a choice question one of its choices; the registered place an "
    "address (浙江省嘉兴市南湖区). Each answer is stored as a fact with source 'answer', dated as_of.")


class FirmProfileIn(_Strict):
    """One firm's self-reported facts. Numbers are in 元 unless said otherwise."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, title="FirmProfile")

    credit_code: Annotated[str, AfterValidator(_checked(validate_credit_code))] = Field(description="统一社会信用代码 (18 characters, GB 32100 check character).")
    name: str = Field(min_length=1, description="企业名称.")
    registered_place: str | None = Field(None, description="注册地, e.g. 浙江省嘉兴市南湖区 (an address works).")
    qualifications: list[QualificationIn] = Field(
        default_factory=list, description="Qualifications held. Give the key to state the complete list "
        "([] = holds none): a qualification not listed is then 'not met'; leave the key out when unknown.")
    yearly: list[YearlyIn] = Field(default_factory=list, description="One entry per year.")
    patents: list[PatentIn] = Field(
        default_factory=list, description="Patents owned; give [] to state that the firm has none.")
    talents: list[TalentIn] = Field(default_factory=list)
    platforms: list[PlatformIn] = Field(default_factory=list)
    no_major_violation: bool | None = Field(None, description="无重大违法违规行为 (true) or not (false).")
    answers: Annotated[dict[str, Any] | None, AfterValidator(_answer_values)] = Field(
        None, description=ANSWERS_DESCRIPTION,
        json_schema_extra=_answers_schema)
    source: str | None = Field(None, description="Where these facts come from (defaults to the file name).")
    as_of: dt.date | None = Field(None, description="The date the facts were stated (ISO date).")

    @field_validator("yearly")
    @classmethod
    def _one_entry_per_year(cls, v: list[YearlyIn]) -> list[YearlyIn]:
        years = [y.year for y in v]
        dup = sorted({y for y in years if years.count(y) > 1})
        if dup:
            raise ValueError(f"year {dup[0]} is given more than once")
        return v


_SUBMODELS: dict[str, type[BaseModel]] = {"qualifications": QualificationIn, "yearly": YearlyIn,
                                          "patents": PatentIn, "talents": TalentIn, "platforms": PlatformIn}


def profile_json_schema() -> dict[str, Any]:
    """The JSON Schema of the profile format (the API serves it)."""
    return FirmProfileIn.model_json_schema()


def _path(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _explain(e: ValidationError) -> str:
    lines = []
    for err in e.errors():
        loc = err["loc"]
        if err["type"] == "extra_forbidden":
            owner = next((_SUBMODELS[p] for p in reversed(loc[:-1]) if p in _SUBMODELS), FirmProfileIn)
            msg = f"unknown attribute; allowed here: {', '.join(owner.model_fields)}"
        else:
            msg = err["msg"].removeprefix("Value error, ")
        lines.append(f"{_path(loc)}: {msg}")
    return "; ".join(lines)


def load_profile(source: str | Path | Mapping[str, Any], *, label: str | None = None) -> FirmProfileIn:
    """Read and check a firm profile.

    Args:
        source: a path to a JSON file, or the parsed JSON object.
        label: how to name the input in messages (defaults to the file name).

    Raises:
        InvalidInput: the file is missing or not JSON (with line and column), or the profile
            breaks the format (each problem with its field path, e.g. ``yearly[0].revenue``).
    """
    if isinstance(source, Mapping):
        data, label = dict(source), label or "profile"
    else:
        path = Path(source)
        label = label or path.name
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except OSError as e:
            raise InvalidInput(f"{label}: cannot read the profile ({e.strerror or e})") from None
        except UnicodeDecodeError:
            raise InvalidInput(f"{label}: a profile must be UTF-8 JSON") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise InvalidInput(f"{label}: malformed JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{label}: a profile is a JSON object with credit_code, name, …")
    try:
        return FirmProfileIn.model_validate(data)
    except ValidationError as e:
        raise InvalidInput(f"{label}: invalid profile: {_explain(e)}",
                           hint="see profile_json_schema() / the API's profile schema") from None


# ---------------------------------------------------------------------------- graph → engine
_FACT_FIELDS = frozenset(Fact.__dataclass_fields__)


def fact_from_json(d: Mapping[str, Any] | str) -> Fact:
    """A stored fact (a JSON object, or its text) as an `eligibility.Fact`; keys the engine
    does not know (``expires``) are dropped."""
    obj = json.loads(d) if isinstance(d, str) else d
    return Fact(**{k: v for k, v in obj.items() if k in _FACT_FIELDS})


def firm_from_graph(node: Node, *, as_of: str | None = None) -> FirmProfile:
    """The engine's view of a stored Enterprise node: its `facts` as `eligibility.Fact`s.

    Args:
        node: a merged Enterprise node (`GraphStore.get_node`).
        as_of: an ISO date; qualifications that expired before it are left out.

    Raises:
        InvalidInput: the node is not an Enterprise.
    """
    if node.label != L_ENTERPRISE:
        raise InvalidInput(f"{node.id} is a {node.label}, not an {L_ENTERPRISE}")
    facts = []
    for raw in node.properties.get(P_FACTS, []):
        obj = json.loads(raw) if isinstance(raw, str) else raw
        if as_of and obj.get("expires") and obj["expires"] < as_of:
            continue
        facts.append(fact_from_json(obj))
    code = node.properties.get(P_CREDIT) or node.id.split(":", 1)[-1]
    return FirmProfile(code, node.name, facts)
