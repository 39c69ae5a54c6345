"""What a clause gives: grants read from its sentences, with their amounts, rates, caps and tiers;
grants that name no amount (全额 / 按比例 rewards, 贴息, loans, guarantees, titles, priority, free
premises, reductions); the conditions a grant points to (符合本办法第一条规定的 / 符合上述条件的); and
budgets, the money set aside for all firms (所有符合条件的企业补助总额不超过500万元), which is no
firm's estimate."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from policykg.core.ontology import PKG, load_ontology, name
from policykg.eligibility.engine import BenefitTerm, Condition, Criterion
from policykg.ingest.criteria.lexicon import BENEFIT_START_RE, CAP_RE, GRANT_RE, RATE_RE, STACK_RE
from policykg.ingest.criteria.pieces import (
    _AMOUNT_LIST_RE,
    _PURPOSE_RE,
    Found,
    _per_unit,
    _per_unit_of,
    _pieces,
    _qualification_words,
    _recurrence,
    _strip_number,
)
from policykg.ingest.text import MONEY_RE, money_to_yuan

# ---------------------------------------------------------------- benefit types
# What a benefit type's amount is (its pkg:valueType in the ontology's BenefitTypeScheme): money the
# firm is given, credit it may borrow or have guaranteed, or something in kind with no amount.
MONEY, CREDIT, IN_KIND = "money", "credit", "in-kind"


@dataclass(frozen=True)
class BenefitType:
    """A concept of the ontology's BenefitTypeScheme."""

    key: str  # its local name: award, loan, honour …
    label: str  # its preferred label, the kind a BenefitTerm carries
    labels: tuple[str, ...]
    value_type: str  # money | credit | in-kind


@lru_cache(maxsize=1)
def benefit_types() -> dict[str, BenefitType]:
    """Every benefit type of the ontology, by key."""
    o = load_ontology()
    return {(key := name(c.iri).rsplit("/", 1)[-1]): BenefitType(
        key, c.pref_label, c.labels, next(iter(o.annotation(c.iri, PKG.valueType)), MONEY))
        for c in o.concepts(PKG.BenefitTypeScheme)}


def value_type_of(kind: str) -> str:
    """money | credit | in-kind for a benefit kind (a preferred label)."""
    return next((t.value_type for t in benefit_types().values() if t.label == kind), MONEY)


def _as_credit(b: BenefitTerm) -> BenefitTerm:
    """A loan or guarantee: the amount the text names is lent or guaranteed, not given."""
    if value_type_of(b.kind) != CREDIT or (b.amount_yuan is None and b.cap_yuan is None):
        return b
    return replace(b, amount_yuan=None, cap_yuan=None, credit_yuan=max(
        v for v in (b.amount_yuan, b.cap_yuan) if v is not None))


# ---------------------------------------------------------------- grants without an amount
@dataclass(frozen=True)
class GrantForm:
    """One way a sentence grants something without naming an amount: a row of GRANT_FORMS.

    `pattern` finds where the benefit part of a sentence starts; ``{money}`` in it stands for the
    labels of the ontology's money benefit types (奖励, 补助, 贴息 …). The benefit's kind is that of
    the money word the text uses (全额奖励 → 奖励, 改建减半补助 → 补助), else the BenefitTypeScheme
    concept `kind` (its key). With `after_subject` the form counts only after a condition (…的，) or
    对 / 凡, or in a clause that named whom it is for, since its words also state principles (人才优先,
    给予大力支持). A sentence that matches `unless` is not a grant of this form. `examples` are
    (sentence, kind it must give), run as tests.
    """

    name: str
    pattern: str
    kind: str = "award"
    rate: float | None = None  # 全额 → 1.0 (of what the text names), 减半 → 0.5
    after_subject: bool = False
    unless: str | None = None
    examples: tuple[tuple[str, str], ...] = ()


GRANT_FORMS: tuple[GrantForm, ...] = (
    GrantForm("full", r"全额(?P<word>{money}|返还|兑现|拨付)", rate=1.0, examples=(
        ("凡是新办企业第一个完整年度内，当年企业实缴的增值税和企业所得税地方留成部分给予全额奖励", "奖励"),
        ("大学生创办的小微企业，申请创业担保贷款且符合条件的，按贷款基准利率给予全额贴息", "贴息"))),
    GrantForm("rated", r"(?:实行|给予|予以|享受|按)[^，。；\d]{0,8}?(?P<pct>\d+(?:\.\d+)?)\s*(?P<per>[%％‰])的?(?P<word>{money})",
              examples=(("其他人员实行50%贴息", "贴息"),)),
    GrantForm("matching", r"(?P<ratio>\d+(?:\.\d+)?[:：]\d+(?:\.\d+)?)的?(?:比例)?(?:进行|给予)?的?配套(?:经费|资金)?(?P<word>{money})?",
              examples=(("对我县企业引进，经国家、省外专局批准的海外引智项目，按国家、省提供的资助额给予1：1配套经费补助", "补助"),
                        ("对获得台州市人民政府及以上科学技术奖的，按上级奖励经费1:1进行配套奖励", "奖励"))),
    GrantForm("equal", r"(?:等额|同等额度的?)(?P<word>{money})", rate=1.0, examples=(
        ("对列入省重点研发计划的项目，按照省级补助金额给予等额补助", "补助"),)),
    GrantForm("share", r"(?:按|以)[^，。；]{0,24}?比例[^，。；]{0,12}?(?P<word>{money})", examples=(
        ("对企业购置的符合国家标准的工业机器人，按照设备购置款的一定比例给予财政奖励", "奖励"),)),
    GrantForm("guarantee", r"(?:给予|提供|优先)[^，。；]{0,20}?(?<!免|反)担保(?!费|金|机构|公司|基金|体系|贷款|条件)|担保额度",
              "guarantee", examples=(
                  ("改制设立股份公司的企业，符合信保基金担保条件的，台州市信保基金给予优先担保", "担保"),
                  ("为有融资需求且符合管理办法规定的工业企业提供原则上不超过500万元的融资贷款担保业务", "担保"))),
    GrantForm("loan", r"(?:(?:可|可以|均可|允许其?)(?:向[^，。；]{0,10})?申请|给予|提供)[^，。；]{0,16}?贷款"
                      r"(?!贴息|利率|利息|基准|期限|余额|合同|风险|审批|周转|担保|申请|资格)", "loan",
              unless=r"资格|申请表|认定表|材料|资料|名单|只能|一轮|一次|审核|调查|催收|不良贷款", examples=(
                  ("第七条在湖州市区注册登记的小微企业，同时满足下列条件的，可申请二类贷款：", "贷款"),
                  ("深化“银税互动”试点，对评定为A级的纳税企业提供银行免担保信用贷款", "贷款"))),
    GrantForm("honour", r"授予[^，。；]{0,30}?(?:称号|荣誉)|颁发[^，。；]{0,20}?(?:荣誉称号|称号|金牌|奖牌|牌匾)", "honour",
              examples=(("对连续三年获得优秀企业家称号的，授予“仙居县功勋企业家”终身荣誉称号", "荣誉称号"),)),
    GrantForm("free_premises", r"免租|免收[^，。；]{0,6}?(?:租金|房租)|免费(?:提供|使用)[^，。；]{0,10}?(?:场地|场所|用房|办公)",
              "free-premises", examples=(("实际投资额在500万元以上的，提供1000平方米的３年免租创业场所", "免租场地"),
                                         ("对入驻的在孵企业，免费提供300㎡生产经营场所", "免租场地"))),
    GrantForm("halved", r"减半(?:征收|收取|收费|计算|缴纳|计征|(?P<word>{money}))", "reduction", rate=0.5, examples=(
        ("对年应纳税所得额50万元以内的小型微利企业，所得减半计算应纳税所得额", "减免"),
        ("新建每平方米补助2000元，改建减半补助", "补助"))),
    GrantForm("waived", r"(?:免征|免缴|免收|免除|减免|减征)[^，。；]{0,12}?(?:费|税|金)", "reduction", examples=(
        ("改制设立股份公司的企业，3年内免收信保基金担保费", "减免"),
        ("对A类企业减征城镇土地使用税70％—100％", "减免"))),
    GrantForm("unstated", r"(?:给予|予以|给以|享受|实行|可申请|转为)[^，。；]{0,14}(?<!不)(?P<word>{money})"
                          r"(?![^，。；]{0,2}(?:政策|待遇|资格|办法|标准|资金|申请|对象|名单))",
              unless=r"申请表|申请材料|材料|资料|只能", examples=(
                  ("对市外引进的高新技术企业，从迁入年度起连续3年给予一定奖励", "奖励"),
                  ("对企业获得专利权质押贷款、购买专利保险的，给予经费补助", "补助"),
                  ("根据考核结果，由区委、区政府予以奖励", "奖励"),
                  ("经区政府认定，酌情实行“一企一策”奖励", "奖励"))),
    GrantForm("case_by_case", r"(?:实行|拟行|采取|采用|按照?|给予|予以|通过)?[^，。；]{0,4}?[“\"]?(?:一事一议|一企一策|一项一议)",
              "case-by-case", after_subject=True, unless=r"(?:不|不再|不予)(?:实行|采取)", examples=(
                  ("对固定资产投资10亿元以上的世界500强工业企业，拟行“一事一议”政策", "一事一议"),
                  ("对特别重大的招商引资项目，采取一事一议方式给予支持", "一事一议"))),
    GrantForm("priority", r"优先(?:推荐|安排|支持|给予|保障|列入|申报|考虑|入驻|入园|享受|供地|立项|参股|予以|纳入|办理"
                          r"|解决|聘任|录用)", "priority", after_subject=True, examples=(
        ("对符合相关规划的旅游重点项目，优先列入年度用地计划", "优先支持"),
        ("企业兼并重组后发展势头良好且有用地需求的，优先给予供地", "优先支持"))),
)

# 延续认定的，不再予以奖励 / 当年度给予坏账损失补助的，不再给予风险补偿补助: who gets none of the clause's grants
_NO_MORE_RE = re.compile(r"\s*(?:对于?|凡)?(?P<cond>[^，。；\d]{2,40}?)的[，,]?\s*(?:一律|均)?(?:不再|不予)(?:重复)?"
                         r"(?:予以|给予|享受|安排)?[^，。；\d]{0,12}(?:奖励|补助|补贴|资助|支持|扶持|政策)[。；;]?\s*$")
# 可申请领取2万元的一次性生活补贴: where a grant starts that BENEFIT_START_RE does not see
_APPLY_FOR_RE = re.compile(r"(?:可|可以|均可)(?:申请|领取|获得)(?:领取)?(?=[^，。；]{0,16}\d)")
# 按上级补助给予1:1配套 / 配套资金: matched money, read as a form below (配套设施 / 配套对接 are no grants)
_MATCHED_RE = re.compile(r"\d[:：]\d+(?:\.\d+)?的?配套|配套(?:资金|经费)")
# who pays, not what a firm gets: 经费由县人才专项资金承担 / 市、区两级各承担50% (对承担…项目的 is a condition)
_WHO_PAYS = re.compile(r"由[^，。；]{0,16}承担|各承担|分别承担|分级承担|承担相应|承担\d|财政承担")
# a grant taken back or refused is no grant: 全额收缴, 收回已享受的奖励, 不再予以奖励, 不得提供贷款
_TAKEN_BACK = re.compile(r"收缴|追还|追回|退还|收回|扣回|扣减|取消")
_REFUSED = re.compile(r"不予|不再|不能|不可|不给予|不享受|不提供|不实行|停止|暂停|未能|^\s*未")
_FORBIDDEN = re.compile(r"不得|严禁|禁止")
# how to apply or who decides, said where a priority is: 审核后优先安排 is no grant of priority
_PROCEDURE = re.compile(r"报送|填写|申请材料|申请表|审核|审批|审查|备案|为准(?!则)|施行|废止|公示")
# the firms a priority is for, said after it: 优先支持由…院士…领衔的团队
_OBJECT_AFTER = re.compile(r"[^，。；]{2,60}的[^，。；的]{0,6}(?:团队|企业|项目|人才|单位|机构)")
# a definition, a procedure step or a principle: no grant whatever its words
_NOT_A_GRANT = re.compile(r"所指|是指|所称|简称|到位|落到实处|的原则|战略|作为[^，。；]{0,30}依据|总额不[能得]超过|上限")
# a piece that is a condition (…的， / 对…的一类贷款，): a grant word in it describes the firm, it does not grant
_CONDITIONAL = re.compile(r"的[”\"）)]*\s*$|(?:后|时|的(?:对象|人员|企业|单位))\s*$|^[^，。；]{0,12}?(?:若|如果|如)[^，。；]*$|^\s*(?:[（(]?[一二三四五六七八九十\d]+[)）、.．]\s*)?(?:对于?|凡)[^，。；]*的(?P<tail>[^，。；的]{0,8})$")
_SUBJECT = re.compile(r"的|^\s*(?:[（(]?[一二三四五六七八九十\d]+[)）、.．]\s*)?(?:对于?|凡|符合)")
_PERMILLE_RE = re.compile(r"(?P<num>\d+(?:\.\d+)?)\s*‰")
_RATE_AFTER = re.compile(r"[^，。；\d]{0,12}?(?P<pct>\d+(?:\.\d+)?)\s*(?P<per>[%％‰])(?:\s*[—\-－~～至到]\s*(?P<pct2>\d+(?:\.\d+)?)\s*[%％‰])?")
_RATE_BEFORE = re.compile(r"(?P<pct>\d+(?:\.\d+)?)\s*(?P<per>[%％‰])[^，。；\d%％‰]{0,6}$")


@lru_cache(maxsize=1)
def _money_re() -> re.Pattern[str]:
    """The labels of the ontology's money benefit types (奖励, 补助, 贴息 …)."""
    return re.compile("|".join(re.escape(lb) for t in benefit_types().values() if t.value_type == MONEY
                               for lb in sorted(t.labels, key=len, reverse=True)))


@lru_cache(maxsize=1)
def _grant_form_res() -> tuple[tuple[GrantForm, re.Pattern[str], re.Pattern[str] | None], ...]:
    money = _money_re().pattern
    return tuple((f, re.compile(f.pattern.replace("{money}", money)), re.compile(f.unless) if f.unless else None)
                 for f in GRANT_FORMS)


def _rate(m: re.Match[str] | None) -> float | None:
    if m is None:
        return None
    pct = max(float(m["pct"]), float(m["pct2"])) if "pct2" in m.re.groupindex and m["pct2"] else float(m["pct"])
    return pct / (1000 if m["per"] == "‰" else 100)


def _enclosed(s: str, i: int) -> bool:
    """Whether s[i] is inside （…） or “…”: a note or a name, not what the sentence grants."""
    depth = quote = 0
    for ch in s[:i]:
        depth += (ch in "（(") - (ch in "）)")
        quote += (ch == "“") - (ch == "”")
    return depth > 0 or quote > 0


@dataclass(frozen=True)
class FormMatch:
    """Where a row of GRANT_FORMS matched in a sentence."""

    form: GrantForm
    start: int  # offsets in the sentence
    end: int
    word: str | None  # the money word the text uses (全额奖励 → 奖励)
    rate: float | None


def form_kind(f: FormMatch) -> str | None:
    """The kind a grant form gives (a BenefitTypeScheme preferred label): that of the money word the
    text uses, else the row's concept; None when the word names no type (全额兑现: the sentence says which)."""
    labels = {lb: t.label for t in benefit_types().values() for lb in t.labels}
    if f.word is not None:
        return labels.get(f.word)
    return benefit_types()[f.form.kind].label


def form_grant_in(s: str, *, subject_known: bool = False) -> FormMatch | None:
    """Where sentence `s` first grants something without an amount (see `form_grants_in`); None when it does not."""
    found = form_grants_in(s, subject_known=subject_known)
    return found[0] if found else None


def form_grants_in(s: str, *, subject_known: bool = False) -> list[FormMatch]:
    """Where sentence `s` grants something without an amount, by the rows of GRANT_FORMS that match
    in its benefit part (after the conditions it states): at most one a piece (对重点人群实行全额贴息，
    其他人员实行50%贴息 → two), in text order; [] when it grants nothing so.

    Args:
        s: one sentence or grant unit of a clause.
        subject_known: an earlier sentence of the clause named whom it is for (rows with
            `after_subject` then count without a condition of their own).
    """
    if _NOT_A_GRANT.search(s):
        return []
    pieces = _pieces(s, 0, len(s))
    money = _money_re()
    # 对…的一类贷款， is a condition; 对落户项目实行…的专项扶持和资助 grants (money is what follows its 的)
    conditional_end = max((b for a, b in pieces if (c := _CONDITIONAL.search(s[a:b]))
                           and not (c["tail"] and money.search(c["tail"]))), default=0)
    found: list[FormMatch] = []
    for form, rx, unless in _grant_form_res():
        if unless is not None and unless.search(s):
            continue
        if STACK_RE.search(s) and form.kind != "reduction":
            continue  # 按就高原则不重复享受: how grants combine
        for m in rx.finditer(s):
            if m.start() < conditional_end or _enclosed(s, m.start()):
                continue
            pa, pb = next(((a, b) for a, b in pieces if a <= m.start() < b), (0, len(s)))
            if _REFUSED.search(s[pa:m.end()]) or _FORBIDDEN.search(s[:m.start()]) or _TAKEN_BACK.search(s[pa:pb]):
                continue
            if s.startswith("的", m.end()):
                continue  # 已享受一次性生活补贴的人员: whom a condition is about, no grant
            if form.after_subject and (_PROCEDURE.search(s[pa:pb]) or not (
                    subject_known or conditional_end or _SUBJECT.search(s[:m.start()]) or _OBJECT_AFTER.match(s, m.end(), pb))):
                continue
            rate = form.rate
            if "ratio" in m.re.groupindex and m["ratio"]:
                x, y = re.split(r"[:：]", m["ratio"])
                rate = float(y) / float(x) if float(x) else None
            elif "pct" in m.re.groupindex and m["pct"]:
                rate = _rate(m)
            elif rate is None:  # 减征城镇土地使用税70％—100％ / 部分30%给予奖励
                rate = _rate(_RATE_AFTER.match(s, m.end(), pb)) if form.kind == "reduction" else \
                    _rate(_RATE_BEFORE.search(s, pa, m.start()))
            word = m["word"] if "word" in m.re.groupindex else None
            found.append(FormMatch(form, m.start(), m.end(), word, rate))
    out: list[FormMatch] = []
    for f in sorted(found, key=lambda f: f.start):
        if out and f.start < out[-1].end:
            # matches over the same words: the more specific row (全额奖励 over 给予…奖励)
            if GRANT_FORMS.index(f.form) < GRANT_FORMS.index(out[-1].form):
                out[-1] = f
            continue
        if out and any(a <= out[-1].start < b and a <= f.start < b for a, b in pieces):
            continue  # one grant a piece
        out.append(f)
    return out


# ---------------------------------------------------------------- budgets
def _amount(i: int) -> str:
    return rf"(?P<num{i}>\d+(?:\.\d+)?)\s*(?P<mul{i}>亿|万)?元"


# money set aside for all the firms a clause serves, not what one firm gets
BUDGET_RE = re.compile(
    rf"所有[^，。；]{{0,20}}?(?:企业|单位|项目|对象|人员)[^，。；\d]{{0,10}}?总额[^，。；\d]{{0,8}}?{_amount(1)}"
    rf"|(?:每年|年度|当年|一次性)?[^，。；\d]{{0,6}}?安排[^，。；\d]{{0,16}}?{_amount(2)}"
    rf"|总规模(?:为|达)?\s*{_amount(3)}"
    rf"|年度?(?:补助|奖励|补贴|资助)?总额控制在\s*{_amount(4)}"
    rf"|当[^，。；]{{0,12}}?总额超过\s*{_amount(5)}\s*时")
# 当补助总额超过500万元时，以500万元除以…作为补助标准: how a budget is shared out, no grant of its own
_OVERFLOW_RE = re.compile(r"当[^，。；]{0,12}?总额超过")


def budgets_in(s: str) -> list[tuple[int, int, float]]:
    """The budgets a sentence states, as (start, end, yuan): 所有符合申请补助条件的企业补助总额不超过500万元,
    县财政每年安排300万元的财政资金, 设立总规模2000万元的…基金, 当补助总额超过500万元时."""
    out = []
    for m in BUDGET_RE.finditer(s):
        i = next(k for k in range(1, 6) if m.group(f"num{k}"))
        out.append((m.start(), m.end(), money_to_yuan(m.group(f"num{i}"), m.group(f"mul{i}"))))
    return out


# ---------------------------------------------------------------- conditions said elsewhere
@dataclass(frozen=True)
class Reference:
    """A grant's condition that stands elsewhere: 符合本办法第一条规定的 / 符合上述条件其中一条."""

    start: int  # absolute offsets of the words that point
    end: int
    article: str | None  # 第一条; None: what comes before (上述 / 以上 / 前述)
    any_of: bool  # 之一 / 其中一条: one of them suffices
    text: str


_LIST_LEAD_RE = re.compile(r"(?:同时)?(?:满足|符合|具备|具有)(?:下列|以下|如下)(?:条件|要求|情形)(?:之一|其中一项)?的?")
_REF_RE = re.compile(
    r"(?:符合|满足|达到|具备|属于|按照?|依照|根据)(?:本(?:办法|细则|意见|政策|通知|规定|方案|措施|条例|文件|实施细则))?"
    r"(?:(?P<art>第[一二三四五六七八九十百]+条)(?:第?[（(][一二三四五六七八九十]+[)）](?:款|项)?)?"
    r"(?:所列|所述|所规定|规定)?的?(?:范围|条件|要求|情形|标准|规定)?"
    r"|(?P<above>上述|以上|前述|上列|前款)(?:所列|所述|规定)?的?(?:范围|条件|要求|标准|情形|规定))"
    r"(?P<any>(?:其中)?之一|其中(?:一|任意一|任一)[条项个])?")


@dataclass
class Grant:
    """One benefit read from one sentence, with the condition that sentence puts in front of it."""

    condition: Condition | None
    benefits: list[BenefitTerm]
    spans: list[tuple[int, int]]  # where each benefit's text is
    pairing_unsure: bool = False
    # 分别给予: the condition of each benefit (its tier), when the text pairs them one to one
    tiers: list[Condition] | None = None
    # conditions the grant points to (第一条, 上述条件): resolved against the document's clauses
    refers: list[Reference] = field(default_factory=list)
    from_form: bool = False  # read by a row of GRANT_FORMS (no amount of its own)

    def condition_for(self, i: int) -> Condition | None:
        return self.tiers[i] if self.tiers and i < len(self.tiers) else self.condition


class GrantReader:
    """Grant reading, mixed into CriteriaReader."""

    # -------------------------------------------------------------- benefits
    def grants(self, cid: str) -> tuple[list[Grant], float | None, str | None]:
        """The grants read from a clause's own sentences, a cap stated for the whole clause,
        and its recurrence when said once (每家企业每年最高…). Read once per clause."""
        if cid not in self._grants:
            self._grants[cid] = self._read_grants(cid)
        return self._grants[cid]

    def budget(self, cid: str) -> float | None:
        """What a clause's own sentences set aside for all the firms it serves (the largest said), if any."""
        found = [v for a, b in self.sentences(cid) for _, _, v in budgets_in(self.text[a:b])]
        return max(found, default=None)

    def _read_grants(self, cid: str) -> tuple[list[Grant], float | None, str | None]:
        grants, clause_cap, clause_rec = [], None, None
        cap_only: list[Grant] = []
        last_subject: Condition | None = None
        excluded: list[Condition] = []  # what the clause says gets none of its grants
        subject_known = named = False
        # a lead that lists its grants in sub-items (按以下方式给予贴息：) grants nothing itself
        listing = any(self.grants(k)[0] for k in self.clauses[cid].children)
        for a, b in (u for sa, sb in self.sentences(cid) for u in self._grant_units(sa, sb)):
            s = self.text[a:b]
            # an earlier sentence named whom the clause is about: a later one may grant to them
            subject_known, named = subject_known or named, bool(_SUBJECT.search(s))
            if _OVERFLOW_RE.search(s):
                continue
            if (no_more := _NO_MORE_RE.match(s)) is not None:
                # 延续认定的，不再予以奖励 / 已享受…补助的，不再重复享受: the clause's grants exclude them
                cond = self.condition_of(a + no_more.start("cond"), a + no_more.end("cond"))
                if cond is not None:
                    excluded.append(Condition("NOT", (cond,)))
                continue
            budget = {v for _, _, v in budgets_in(s)}
            m = BENEFIT_START_RE.search(s) or _APPLY_FOR_RE.search(s)
            # a money word: 贷款基准利率的85% is no grant of a loan
            kind = next((k for k in self.lex.kind_re.finditer(s) if value_type_of(self.lex.kinds[k[0]]) == MONEY), None)
            # 所有…企业补助总额不超过500万元 is a budget: it bounds no firm's grant
            cap = next((c for c in CAP_RE.finditer(s) if money_to_yuan(c["num"], c["mul"]) not in budget), None)
            form = [] if re.search(r"如下[：:]\s*$", s) or listing and re.search(r"[：:]\s*$", s) else form_grants_in(s, subject_known=subject_known)
            # 按上级奖励给予1:1配套 is matched money (a form below); 配套设施 / 配套费 are not
            matched = _MATCHED_RE.search(s[:m.start()]) if m else None
            if not m or not kind or _WHO_PAYS.search(s) or matched:
                if form:
                    g = self._form_grant(a, b, form, budget)
                    grants.append(g)
                elif cap and not m and not GRANT_RE.search(s[:cap.start()]):
                    clause_cap = money_to_yuan(cap.group("num"), cap.group("mul"))
                    clause_rec = _recurrence(s)
                continue
            start = self._benefit_start(s, m.start())
            ca = a + start
            a_cond = self._condition_start(a, b, start)
            g = self._grant(a, b, ca, a_cond, budget=budget)
            if g is not None:
                subject = self._subject(a_cond, ca)
                if subject is not None:
                    last_subject = subject
                elif last_subject is not None and not re.match(r"\s*(?:对于?|凡)", self.text[a_cond:ca]):
                    # 对新增限额以上的零售类企业，…以上的，奖励10万元；销售额在2000万元以上的，奖励20万元：
                    # the later tiers are about the same firms
                    g.condition = Condition.all_of(last_subject, g.condition) if g.condition else last_subject
                grants.append(g)
            elif cap:  # 补贴总额最高不超过5万元: a cap with no amount of its own
                cap_only.append(Grant(self.condition_of(a, a + start, review=False), [_as_credit(BenefitTerm(
                    self._kind_of(s, start), cap_yuan=money_to_yuan(cap.group("num"), cap.group("mul")),
                    recurrence=_recurrence(s), text=s))], [(a, b)]))
            elif form:  # 给予全额奖励, 按一定比例给予补助: a grant that names no amount
                g = self._form_grant(a, b, form, budget)
                grants.append(g)
                subject_known = subject_known or g.condition is not None
        grants = self._settle_forms(cid, grants)
        for g in grants if excluded else ():
            g.condition = Condition.all_of(*([g.condition] if g.condition else []), *excluded)
        if any(not g.from_form for g in grants) and cap_only and clause_cap is None:
            # 单个企业最高奖励100万元 after the grants: it bounds them
            clause_cap = cap_only[0].benefits[0].cap_yuan
            clause_rec = cap_only[0].benefits[0].recurrence
        elif cap_only:  # 补贴总额最高不超过5万元 is a grant of its own (besides 给予全额奖励, if any)
            grants = sorted(grants + cap_only, key=lambda g: g.spans[0])
        return grants, clause_cap, clause_rec

    def _settle_forms(self, cid: str, grants: list[Grant]) -> list[Grant]:
        """Grants read from a form (no amount) that say no condition of their own: a heading that names
        the clause's grant (5.给予高比例技改补助。) is not one more grant; one after another grant
        (…的，给予奖励10万元；优先推荐申报省级项目) is for the same firms."""
        out: list[Grant] = []
        first = next(iter(self.sentences(cid)), None)
        for g in grants:
            if g.from_form and g.condition is None and not g.refers:
                a, b = g.spans[0]
                heading = first is not None and first[0] <= a and b <= first[1] and not re.search(r"[，,的]", self.text[a:b])
                if heading and len(grants) > 1:
                    continue
                if out and out[-1].condition is not None:
                    g.condition = out[-1].condition
            out.append(g)
        return out

    def _benefit_start(self, s: str, start: int) -> int:
        """Where the benefit part of sentence `s` starts, given where its grant words start: at the
        piece of 按… that says what the grant is counted on (按设备购置款的10%给予补助; a note
        （如亏损的，基数为零） does not end the piece)."""
        pieces = _pieces(s, 0, start)
        seg = pieces[-1][0] if pieces and pieces[-1][1] == start else start
        return seg if re.match(r"\s*(?:按照?|根据|依据)", s[seg:start]) else start

    def _form_start(self, s: str, start: int) -> int:
        """Where the benefit part of a sentence granting by a form (matched at s[start]) starts: at the
        verb or 按… before it in its piece (再按照国家、省奖励额度给予1：1配套 starts at 按照)."""
        pieces = _pieces(s, 0, len(s))
        pa = next((x for x, y in pieces if x <= start < y), start)
        verb = re.search(r"(?:再|可|均|另)?(?:按照?|依照|参照|根据|依据|给予|予以|给以|提供|实行|进行)", s[pa:start])
        return pa + verb.start() if verb else self._benefit_start(s, start)

    def _condition_start(self, a: int, b: int, start: int) -> int:
        """Where the condition in front of the benefit part (at text[a + start]) starts."""
        s = self.text[a:b]
        lead = re.search(r"对于?|凡", s[:start])
        if lead and not re.search(r"[，,]", s[:lead.start()]):
            return a + lead.start()  # skip a run-in heading (一、鼓励…对…)
        a_cond = _strip_number(self.text, a, b)[0]
        pieces = _pieces(self.text, a_cond, a + start)
        # 鼓励开展融资性担保业务，根据…给予补助: an aim said first (with no 的 of a condition) asks nothing
        while len(pieces) > 1 and _PURPOSE_RE.match(self.text[pieces[0][0]:pieces[0][1]].strip()) \
                and not re.search(r"的[”\"）)]*\s*$", self.text[pieces[0][0]:pieces[0][1]]):
            pieces = pieces[1:]
            a_cond = pieces[0][0]
        for i, (pa, pb) in enumerate(pieces):
            # 鼓励商贸企业提高统计数据质量，准确监测市场运行动态，对纳入限上统计的每家企业：
            # what the policy wants is not who may apply
            if i and re.match(r"\s*(?:对于?|凡)", self.text[pa:pb]) and all(
                    _PURPOSE_RE.match(self.text[x:y].strip()) for x, y in pieces[:i]):
                return pa
        return a_cond

    def _read_condition(self, a: int, b: int) -> tuple[Condition | None, list[Reference]]:
        """The condition text[a:b] states, and the conditions it points to elsewhere (符合本办法第一条
        规定的 / 符合上述条件的): those words are a reference, and a budget (设立总规模5000万元的…) is
        money set aside, neither a condition to read."""
        if b <= a:
            return None, []
        refs = [Reference(m.start(), m.end(), m.group("art"), bool(m.group("any")), m.group(0))
                for m in _REF_RE.finditer(self.text, a, b) if m.group("art") or m.group("above")]
        holes = [(r.start, r.end) for r in refs] + [(a + x, a + y) for x, y, _ in budgets_in(self.text[a:b])]
        within = [c for c in self.clauses.values() if c.start <= a < c.end]
        if within and min(within, key=lambda c: c.end - c.start).children:
            # 同时满足下列条件的: the clause's items say which (they are its lead condition)
            holes += [m.span() for m in _LIST_LEAD_RE.finditer(self.text, a, b)]
        holes.sort()
        if not holes:
            return self.condition_of(a, b), []
        parts, pos = [], a
        for x, y in holes:
            if x > pos and (cond := self.condition_of(pos, x)) is not None:
                parts.append(cond)
            pos = max(pos, y)
        if b > pos and (cond := self.condition_of(pos, b)) is not None:
            parts.append(cond)
        return (Condition.all_of(*parts) if parts else None), refs

    def _kind_of(self, s: str, start: int) -> str:
        """The kind of the grant whose benefit part starts at s[start:]: the benefit word after the
        grant verb; of a compound with a loan or guarantee, its last word (贷款贴息 → 贴息, 担保贷款 → 贷款)."""
        part = s[start:]
        verb = re.search(r"给予|给以|予以|提供|享受|实行|申请", part)
        found = list(self.lex.kind_re.finditer(part, verb.end() if verb else 0)) or \
            list(self.lex.kind_re.finditer(part)) or list(self.lex.kind_re.finditer(s))
        if not found:
            return benefit_types()["award"].label
        head = found[0]
        for nxt in found[1:]:
            if nxt.start() > head.end() or value_type_of(self.lex.kinds[head[0]]) == MONEY:
                break  # 贴息补助 stays 贴息; 贷款贴息 is 贴息, 担保贷款 a loan
            head = nxt
        return self.lex.kinds[head.group(0)]

    def _form_grant(self, a: int, b: int, forms: list[FormMatch], budget: set[float]) -> Grant:
        """The grant of a sentence that names no amount (rows of GRANT_FORMS matched in it), its
        condition read in front of the first."""
        s = self.text[a:b]
        start = self._form_start(s, forms[0].start)
        terms = []
        for i, form in enumerate(forms):
            # 全额返还 / 全额兑现: the kind the sentence names, else an award
            kind = form_kind(form) or self._kind_of(s, form.start)
            end = forms[i + 1].start if i + 1 < len(forms) else len(s)
            # a loan's or guarantee's credit may be said before its words (提供最高800万元…的信用担保额度)
            begin = form.start if value_type_of(kind) != CREDIT else (forms[i - 1].end if i else 0)
            caps = [v for c in CAP_RE.finditer(s, begin, end) if (v := money_to_yuan(c["num"], c["mul"])) not in budget]
            cap = (max(caps) if value_type_of(kind) == CREDIT else caps[0]) if caps else None
            terms.append(_as_credit(BenefitTerm(kind, None, form.rate, cap, _recurrence(s), s)))
        cond, refs = self._read_condition(self._condition_start(a, b, start), a + start)
        return Grant(cond, terms, [(a, b)] * len(terms), pairing_unsure=len(terms) > 1, refers=refs, from_form=True)

    def _subject(self, a: int, b: int) -> Condition | None:
        """对新增限额以上的零售类企业，当年度销售额…的: the firms a grant is for, when the text names
        them in a piece of their own before the thresholds; None when it does not."""
        if not re.match(r"\s*(?:对于?|凡)", self.text[a:b]):
            return None
        pieces = _pieces(self.text, a, b)
        if len(pieces) < 2:
            return None
        found = [f for f in self.criteria_in(*pieces[0]) if f.criterion.attribute in ("qualification", "platform",
                                                                                        "registered_place")]
        return self._combine(found, *pieces[0])[0] if found else None

    def _grant_units(self, a: int, b: int) -> list[tuple[int, int]]:
        """Cut a sentence where a second condition starts after a complete grant:
        …以上的，奖励20万元，销售额在3亿元以上的，奖励30万元 → two units."""
        t, out, start, granted = self.text, [], a, False
        for seg_a, seg_b in _pieces(t, a, b):
            seg = t[seg_a:seg_b]
            if granted and not CAP_RE.search(seg) and not GRANT_RE.search(seg) \
                    and not re.match(r"\s*(?:单个|单项|每|最高|累计|其中|按|且|并|该|以上|分|连续|同时|超出|不超过)", seg):
                out.append((start, seg_a - 1))
                start, granted = seg_a, False
            if GRANT_RE.search(seg) and (MONEY_RE.search(seg) or RATE_RE.search(seg)):
                granted = granted or bool(re.search(r"\d+(?:\.\d+)?\s*(?:亿|万)?元|[%％]", seg))
        out.append((start, b))
        return out

    def _grant(self, a: int, b: int, ben: int, a_cond: int | None = None, *,
               budget: set[float] | frozenset[float] = frozenset()) -> Grant | None:
        """The grant of text[a:b] whose benefit part starts at `ben`, its condition read from
        text[a_cond:ben]; None when the benefit part names no amount or rate. Amounts in `budget`
        (what the sentence sets aside for all firms) are neither the grant's amount nor its cap."""
        t = self.text
        s, part = t[a:b], t[ben:b]
        a_cond = a if a_cond is None else min(a_cond, ben)
        kind = self._kind_of(s, ben - a)
        off = ben - a
        caps = [(m.start() - off, m.end() - off, v) for m in CAP_RE.finditer(s)
                if m.end() > off and (v := money_to_yuan(m["num"], m["mul"])) not in budget]
        in_cap = lambda i: any(x <= i < y for x, y, _ in caps)
        money = [m for m in MONEY_RE.finditer(part) if m["cur"] == "元" and money_to_yuan(m["num"], m["mul"]) not in budget]
        amounts = [money_to_yuan(m["num"], m["mul"]) for m in money if not in_cap(m.start()) and not _per_unit(part, m.end())]
        rates = [float(m["num"]) / 100 for m in RATE_RE.finditer(part) if not in_cap(m.start())] + \
            [float(m["num"]) / 1000 for m in _PERMILLE_RE.finditer(part) if not in_cap(m.start())]  # 按销售额的0.5‰
        cap = caps[0][2] if caps else None
        # 每件补助2万元 / 20万元/亩: amounts per unit; one stands for the grant when it names no total
        units = {m.start(): _per_unit_of(part, m.start(), m.end()) for m in MONEY_RE.finditer(part)}
        for x in _AMOUNT_LIST_RE.finditer(part):  # 每件分别补助4万元、1200元、600元: the list shares the unit
            if units.get(x.start()):
                for m in MONEY_RE.finditer(part, x.start(), x.end()):
                    units[m.start()] = units[x.start()]
        per = [(money_to_yuan(m["num"], m["mul"]), u) for m in money if not in_cap(m.start()) and (u := units.get(m.start()))]
        if per:
            amounts = [v for v in amounts if v not in {x for x, _ in per}]
            if not amounts and not rates:
                cond, refs = self._read_condition(a_cond, ben)
                amount, (unit, counted) = max(per)
                return Grant(cond, [_as_credit(BenefitTerm(kind, amount, None, cap, _recurrence(s), s, per_unit=unit,
                                                           count_of=counted))],
                             [(a, b)], pairing_unsure=len(per) > 1, refers=refs)
        # 分别给予一次性最高2万元、5万元、8万元: one cap per tier
        every = [(m.start(), money_to_yuan(m["num"], m["mul"])) for m in money if not _per_unit(part, m.end())]
        tier_caps = "分别" in s and len(every) > 1 and in_cap(every[0][0]) and len(caps) == 1
        if tier_caps:
            amounts = [v for _, v in every]
        if not amounts and not rates:
            return None
        rec = _recurrence(s)
        cond, refs = self._read_condition(a_cond, ben)
        # 奖励10万元（在有效期内的国家高新技术企业纳入该信息库不再奖励）: who is left out, said after the grant
        for x in re.finditer(r"[（(](?P<body>[^（()）]*?(?:不再|不予|不得|不享受|除外)[^（()）]*)[）)]", part):
            left_out = {self.lex.qualifications[q.group(0)] for q in _qualification_words().finditer(x["body"])}
            if len(left_out) == 1:
                [pref] = left_out
                exclusion = Condition("NOT", (Condition.leaf(Criterion("qualification", "has", pref, text=x["body"])),))
                cond = Condition.all_of(cond, exclusion) if cond is not None else exclusion
        # 分别给予…, or A、B、C的企业…给予450万元、300万元、50万元: amounts paired one to one
        listed = "分别" in s or any(len(re.findall(r"\d+(?:\.\d+)?", x.group(0))) == len(amounts)
                                   for x in _AMOUNT_LIST_RE.finditer(part))
        tiers = self._tiers(a_cond, ben, len(amounts)) if len(amounts) > 1 and listed else None
        if tiers:
            terms = [_as_credit(BenefitTerm(kind, None, None, amt, rec, s) if tier_caps else
                                BenefitTerm(kind, amt, None, cap, rec, s)) for amt in amounts]
            # the whole condition stays the clause's (the tiers are in it, as alternatives)
            return Grant(cond if cond is not None else Condition.any_of(*tiers), terms, [(a, b)] * len(terms),
                         tiers=tiers[:len(terms)], refers=refs)
        if len(amounts) > 1:
            # several amounts the text does not pair with conditions: the largest as the estimate
            return Grant(cond, [_as_credit(BenefitTerm(kind, max(amounts), rates[0] if rates else None, cap, rec, s))],
                         [(a, b)], pairing_unsure=True, refers=refs)
        return Grant(cond, [_as_credit(BenefitTerm(kind, amounts[0] if amounts else None, rates[0] if rates else None,
                                                   cap, rec, s))], [(a, b)], refers=refs)

    def _tiers(self, a: int, b: int, n: int) -> list[Condition] | None:
        """年销售额在500万元以上、1000万元以上的，分别给予…: one readable criterion per tier."""
        found = [f for f in self.criteria_in(a, b) if not f.negated]
        segments = self._segments(found)
        if segments and len(segments) == n:  # 100亿元且5亿元的…、50亿元且2.5亿元的…，分别奖励1000万元、500万元
            return [self._combine(seg, a, b)[0] for seg in segments]
        # 对注册地在我市的…获得“中华老字号”“浙江老字号”…分别奖励50万元、20万元: the tiers are the
        # criteria of one attribute that match the amounts in number; the others hold for all tiers
        groups: dict[str | None, list[Found]] = {}
        for f in found:
            groups.setdefault(f.criterion.attribute, []).append(f)
        fitting = [g for g in groups.values() if len(g) == n]
        if len(fitting) > 1 and all(f.criterion.operator in ("ge", "gt") for g in fitting for f in g):
            # 达到20亿元、10亿元…且入库税收达到1亿元、5000万元…，分别奖励150万元、100万元…: zipped tiers
            return [Condition.all_of(*(Condition.leaf(g[j].criterion) for g in fitting)) for j in range(n)]
        if len(found) != n and len(fitting) == 1:
            found = fitting[0]
        if len(found) == n and len({f.criterion.attribute for f in found}) == 1:
            tiers = [Condition.leaf(f.criterion) for f in found]
            pa, pb = next(((x, y) for x, y in _pieces(self.text, a, b) if x <= found[0].start < y), (a, b))
            more = self._unread_alternative(found, list(range(len(found))), pa, pb)
            return tiers + [Condition.leaf(more)] if more else tiers
        return None


