"""Who may apply and what they get: eligibility criteria and benefits read from policy clauses.

For every clause that grants something (奖励 / 补助 / 贴息 / 减免 with an amount, a rate or a cap,
and grants that name none: 全额 / 按比例 rewards, loans, guarantees, titles, priority, free premises —
the rows of benefits.GRANT_FORMS) this reads the conditions in front of the grant — registered place,
qualifications, yearly thresholds, a clean record — as `Criterion` objects whose attributes and
operators are concepts of the ontology, combines them as the text says (lists → AND; 或 / 之一 /
以下企业 → OR; 非 / 除外 → NOT), adds the conditions a document states once for all its clauses
(申报对象, 适用范围 …) and those a grant points to (符合本办法第一条规定的 / 符合上述条件的), and writes
EligibilityCriterion and Benefit nodes plus the clause's whole condition tree into the document
graph. A condition phrase it cannot read becomes a ``needs_review`` criterion quoting the phrase:
nothing is dropped silently. A curated rule (policykg/eligibility/curated/*.yaml) in force for a clause replaces what was read.
"""

from policykg.ingest.criteria.document import ClauseCriteria, add_criteria, grants_something, read_criteria

__all__ = ["ClauseCriteria", "add_criteria", "grants_something", "read_criteria"]
