"""The ontology's words arranged for reading criteria and benefits, and the regular expressions
that cut clause text into sentences, pieces and grants."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from policykg.core.ontology import PKG, load_ontology, name
from policykg.core.places import (
    OWN_PLACE,
    PLACE_IN_TEXT,
    level_pattern,
)
from policykg.eligibility.attributes import attribute_table

L_CLAUSE, L_CRIT, L_BENEFIT = name(PKG.PolicyClause), name(PKG.EligibilityCriterion), name(PKG.Benefit)
HAS_CLAUSE, REQUIRES, PROVIDES = name(PKG.HAS_CLAUSE), name(PKG.REQUIRES), name(PKG.PROVIDES)
P = {p: name(getattr(PKG, p)) for p in (
    "attribute", "operator", "value", "period", "needs_review", "text", "condition", "benefit_kind",
    "amount_yuan", "rate", "cap_yuan", "recurrence", "stacking_group", "effective_from", "effective_to",
    "issuer", "application_window", "per_unit", "attribute_label", "value_type")}

ONE_OFF, YEARLY = "one-off", "yearly"
_TOTAL = "总额|金额|合计|总计|累计"  # 研发费用，总额在30万元以上: the figure just named, continued
_TOTAL_RE = re.compile(rf"(?:{_TOTAL})(?:在|达到|超过|不低于)?\s*\d")
_CJK = "\u4e00-\u9fa5"


# ---------------------------------------------------------------- the ontology's words
@dataclass(frozen=True)
class Lexicon:
    """The ontology's labels, arranged for reading criteria and benefits."""

    attributes: dict[str, str]  # label → attribute key
    value_types: dict[str, str]  # key → place | money | ratio | count | boolean | …
    units: dict[str, str]  # key → 元 | % | 人 | 件
    attr_labels: dict[str, str]  # key → preferred label
    operators: dict[str, str]  # label → operator
    qualifications: dict[str, str]  # label → preferred label
    kinds: dict[str, str]  # benefit type label → preferred label
    qualification_re: re.Pattern[str] = field(repr=False)
    violation_re: re.Pattern[str] = field(repr=False)
    place_re: re.Pattern[str] = field(repr=False)
    kind_re: re.Pattern[str] = field(repr=False)
    platforms: dict[str, str] = field(default_factory=dict)  # platform type label → preferred label
    platform_re: re.Pattern[str] | None = field(default=None, repr=False)


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    o = load_ontology()
    key = lambda c: name(c.iri).rsplit("/", 1)[-1]
    table = attribute_table()
    prefs = {k: a.label for k, a in table.items()}
    vtypes = {k: a.value_type for k, a in table.items()}
    units = {k: a.unit for k, a in table.items() if a.unit is not None}
    attrs = {label: k for k, a in table.items() for label in a.labels}
    ops = {label: key(c) for c in o.concepts(PKG.OperatorScheme) for label in c.labels}
    quals = {label: c.pref_label for c in o.concepts(PKG.QualificationScheme) for label in c.labels}
    kinds = {label: c.pref_label for c in o.concepts(PKG.BenefitTypeScheme) for label in c.labels}

    # Labels of two characters (高企) are too often part of other words (提高企业) to match alone.
    qual_labels = [lb for lb in quals if len(lb) > 2]
    qualification = re.compile(
        rf"(?P<neg>非|未被?(?:认定为?)?|不属于|不是)?(?P<q>{_alt(qual_labels)})"
        rf"(?=$|[^{_CJK}]|[的、和或及等与除认资称，；。])(?P<except>[（(]?除外)?")
    violation_words = [lb for lb, k in attrs.items() if vtypes[k] == "boolean"]
    violation = re.compile(
        rf"(?P<period>近[一二三两\d]年(?:内|来)?|(?:当|上一?)?年(?:度|内)?)?(?:{_alt(violation_words)}"
        rf"|(?:无|未发生|没有)(?:重大|严重)?(?:违法|违规|失信|不良信用)[^，。；]{{0,6}}?(?:行为|记录)"
        # 未发生较大安全生产事故、重大环境污染事故 / 无发生…违法行为责任处罚 / 全年无重大旅游投诉
        rf"|(?:未|无|没有)(?:发生|出现)?(?:较大|重大|严重)?[^，。；]{{0,30}}?(?:事故|刑事案件|投诉|处罚|违法行为)"
        # 未被列入…失信被执行人…黑名单 / 无被列入…负面清单
        rf"|(?:未|无|没有|不得)被?列入[^。；]{{0,80}}?(?:黑名单|负面清单|失信[^，。；、”]{{0,6}}|异常名录|严重违法))"
        rf"(?:[、和及与或][^，。；、]{{1,14}}?(?:事故|刑事案件|投诉|处罚))*")
    place_labels = [lb for lb, k in attrs.items() if vtypes[k] == "place"]

    def place_word(group: str) -> str:
        return rf"(?P<{group}>{PLACE_IN_TEXT}|{OWN_PLACE})"

    place = re.compile(
        rf"(?:在|于)?{place_word('place')}(?:范围内|行政区域内|区域内|境内|内)?(?:依法|完成)?(?:工商|税务|登记)?"
        rf"(?:注册|登记注册|登记|{_alt(place_labels)})(?:[和及、]税务登记)?"
        # 我市企业 / 本县企业: a firm of the issuer's place
        rf"|(?P<place3>{OWN_PLACE})(?:内|辖区内?)?(?:的)?(?=企业|工业企业|中小企业|新认定|新引进|首次)"
        rf"|(?:{_alt(place_labels)}|注册地?)(?:和税务登记)?(?:地址)?(?:均)?(?:在|为|于){place_word('place2')}")
    kind = re.compile(_alt(kinds))
    # 对新认定的国家级、省级企业技术中心 / 市级以上众创空间: the firm runs a platform of that level
    # (a market such as 省股权交易中心 is where a firm lists, not a platform it runs)
    platforms = {lb: c.pref_label for c in o.concepts(PKG.PlatformTypeScheme) for lb in c.labels
                 if "交易" not in c.pref_label}
    level = level_pattern()
    platform = re.compile(
        rf"(?P<levels>{level}(?:[、和及与或]{level})*)(?P<up>及?以上)?的?"
        rf"(?P<fill>[{_CJK}]{{0,4}}?)(?P<ptype>{_alt(platforms)})") if "platform" in vtypes else None
    return Lexicon(attrs, vtypes, units, prefs, ops, quals, kinds, qualification, violation, place, kind,
                   platforms, platform)


# ---------------------------------------------------------------- reading text
GRANT_RE = re.compile(r"给予|给以|予以|奖励|奖补|补助|补贴|资助|贴息|减免|减征|免征")
# Where the benefit part of a sentence starts: 按…的20% / 给予… / 一次性 / 分别 / 每件奖励 …
BENEFIT_START_RE = re.compile(r"(?:按照?|分别|一次性|每[件家个项年人户])[^，。；]*?(?:给予|给以|予以|奖励|补助|补贴|资助|奖补|贴息)|给予|给以|予以|(?:奖励|补助|补贴|资助|奖补)(?=[^，。；]{0,6}\d)")
SCALE_RE = re.compile(rf"(?:(?P<quota>限额以上|限上)|规模以上|规上)(?:管理|统计|的)?(?:[{_CJK}、]{{0,8}}?(?:企业|单位))?")
RATE_RE = re.compile(r"(?P<num>\d+(?:\.\d+)?)\s*[%％]")
CAP_RE = re.compile(r"(?:最高|不超过|不高于|上限|封顶|限额|最多|累计不超过)[^，。；\d]{0,10}?(?P<num>\d+(?:\.\d+)?)\s*(?P<mul>亿|万)?元")
STACK_RE = re.compile(r"不重复享受|不得重复(?:享受|申请|申报)|不重复(?:支持|奖励|补助|补贴|资助|计算)|就高|从高|按最高额?|择优享受")
DOC_SCOPE_RE = re.compile(r"(?:申报|补贴|补助|奖励|支持|扶持|资助|适用|享受|使用)(?:的)?(?:对象|范围|条件)|适用于|专项资金(?:主要)?用于在")
OR_LIST_RE = re.compile(r"之一|其中一项|其中之一|以下企业|下列企业|以下单位|下列单位|具体为|以下类型|下列类型")
AND_LIST_RE = re.compile(r"同时满足|同时具备|以下条件|下列条件|基本条件")
DEFINITION_RE = re.compile(r"所指|是指|所称|主要包括|包括以下")
# Sentences of a scope article that say how to apply, who decides or how rules combine, not who may apply
PROCEDURE_RE = re.compile(r"报送|填写|申请材料|申请表|报所属|审核|审批|审查|兑现|拨付|备案|一事一议|自行申报|申报(?:时间|材料|程序|流程)|为准|讨论决定"
                          r"|施行|废止|同时享受|继续享受|出具[^，。；]{0,4}意见|汇总到|按[^，。；]{0,12}最高的?一项|本(?:意见|办法|细则|政策|通知)[^，。；]{0,10}?指")
_SENT_SPLIT = re.compile(r"[。；;！？\n]")
_PIECE_SPLIT = re.compile(r"[，,：:]")
_FILLER = re.compile(r"^(?:[（(]?[一二三四五六七八九十\d]+[)）、.．]?)?\s*(?:对于?|凡是?|其中|鼓励|支持|经|且|并|同时|以及|或者?|和|及)?"
                     r"|(?:的|之|等)?(?:企业|单位|组织|机构|项目|个人|主体|公司|市场主体)?(?:的|等)?$")

