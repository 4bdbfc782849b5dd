"""What the back-test's methods, metrics and notes mean, in English and Chinese, for notebooks and reports.

Texts with ``{placeholders}`` are filled from :class:`~tagkit.params.BacktestParams`
by :func:`explain`; the report shows the text of its language.
"""
from __future__ import annotations

from tagkit.params import BacktestParams
from tagkit.plurals import fill

Text = dict[str, str]  # language ("en", "zh") -> text

METHODS: dict[str, Text] = {
    "tagkit": {
        "en": "tagkit: the at-risk tag (flag) and the risk score (ranking)",
        "zh": "tagkit：危险客户标签（判定）与风险分（排序）",
    },
    "no_order_rule": {
        "en": "Simple rule: no order for at least {no_order_days} days at the quarter's end (flag); "
              "days since the last order (ranking)",
        "zh": "简单规则：季度末已连续 {no_order_days} 天以上未下单（判定）；距上次下单的天数（排序）",
    },
    "recency_frequency": {
        "en": "Recency plus frequency: the percentile of days since the last order plus the percentile of few "
              "ordering days in the last 4 quarters (ranking); as many customers as tagkit tagged, riskiest "
              "first (flag)",
        "zh": "最近购买加购买频次：距上次下单天数的百分位，加上近四季下单天数少的百分位（排序）；"
              "按风险从高到低取与 tagkit 相同数量的客户（判定）",
    },
    "abc": {
        "en": "ABC baseline: class C (flag); class A/B/C with C riskiest (ranking)",
        "zh": "ABC 分类基准：C 类客户（判定）；按 A/B/C 排序，C 类风险最高（排序）",
    },
}

METRICS: dict[str, Text] = {
    "customers_scored": {"en": "Customers scored that quarter", "zh": "该季度参与评分的客户数"},
    "excluded_no_purchase_yet": {
        "en": "Not judged: no purchase yet by the quarter's end (not a customer yet)",
        "zh": "未纳入：截至季度末尚无采购（还不是客户）",
    },
    "excluded_already_left": {
        "en": "Not judged: no purchase in the 4 quarters up to the scored quarter (had already left; "
              "calling them at risk predicts nothing)",
        "zh": "未纳入：评分季度及之前共四个季度内没有采购（已经流失，再标为危险并不是预测）",
    },
    "excluded_net_sales_not_positive": {
        "en": "Not judged: only returns or credits in those 4 quarters (no sales level to decline from)",
        "zh": "未纳入：这四个季度内只有退货或冲账（没有可供比较的销售水平）",
    },
    "excluded_already_past_bar": {
        "en": "Not judged: already past the went-bad bar in the scored quarter (no purchase, or sales already "
              "below half of its base): a warning then is late news, not a prediction",
        "zh": "未纳入：评分季度已经越过“变差”线（没有采购，或销售额已不到其基准的一半）；"
              "此时预警已是迟到的消息，不算预测",
    },
    "excluded_tagged_at_risk": {
        "en": "Of the customers not judged, how many tagkit tagged at risk",
        "zh": "未纳入的客户中被 tagkit 标为危险客户的数量",
    },
    "customers": {
        "en": "Customers judged: net sales above zero in the 4 quarters up to the scored quarter",
        "zh": "纳入检验的客户数：评分季度及之前共四个季度的净销售额大于零",
    },
    "went_bad": {"en": "Customers that went bad in the following quarter", "zh": "下一季度变差的客户数"},
    "went_bad_no_order": {
        "en": "Of those, customers with no order at all in the following quarter",
        "zh": "其中下一季度完全没有下单的客户数",
    },
    "base_rate": {
        "en": "Share of customers that went bad: what flagging customers at random would hit",
        "zh": "变差客户的比例：随机挑选客户的命中率",
    },
    "flagged": {"en": "Customers the method flagged", "zh": "该方法判定为有风险的客户数"},
    "flagged_went_bad": {"en": "Flagged customers that went bad", "zh": "被判定且确实变差的客户数"},
    "precision": {
        "en": "Precision: of the customers tagged at risk, the share that really went bad next quarter "
              "(70% means 7 of every 10 warnings were right)",
        "zh": "精确率：被标为危险的客户中，下一季真的变差的比例（70% 即每 10 个预警有 7 个是对的）",
    },
    "recall": {
        "en": "Recall: of the customers that really went bad, the share tagged at risk beforehand "
              "(how many of the losses were seen coming)",
        "zh": "召回率：真正变差的客户中，事先已被标为危险的比例（有多少损失被提前看到）",
    },
    "lift": {
        "en": "Lift: precision divided by the base rate; how many times better than picking at random (1 = no better)",
        "zh": "提升度：精确率除以基准比例，即比随机挑选好几倍（1 表示不比随机好）",
    },
    "auc": {
        "en": "AUC: how well the risk ranking puts customers who go bad above those who do not: the chance "
              "that one who went bad ranks riskier than one who did not (0.5 = a coin toss, 1 = perfect; ties "
              "count one half)",
        "zh": "AUC：风险排名能否把会变差的客户排在不会变差的前面：任取一个变差客户和一个未变差客户，"
              "前者排得更靠前的概率（0.5 相当于抛硬币，1 为完美；并列算一半）",
    },
    "u_statistic": {
        "en": "Mann–Whitney U: pairs (went bad, did not) ranked the right way round, ties counting one half",
        "zh": "Mann–Whitney U 统计量：排序正确的（变差，未变差）客户对数，并列算一半",
    },
    "pairs": {"en": "Pairs (went bad, did not) compared for the AUC", "zh": "计算 AUC 时比较的客户对数"},
    "top_k": {
        "en": "k: the number of customers tagkit tagged at risk (the same workload for every ranking)",
        "zh": "k：tagkit 标为危险客户的数量（各排序方法按相同工作量比较）",
    },
    "top_k_went_bad": {
        "en": "Customers that went bad among the k riskiest (ties at the cut share the places)",
        "zh": "风险最高的 k 个客户中变差的数量（在分界处并列的客户平分名额）",
    },
    "precision_top_k": {
        "en": "Precision in the top k: the share that went bad among the k customers the ranking puts first",
        "zh": "前 k 名精确率：排序最靠前的 k 个客户中变差的比例",
    },
    "null_scores": {"en": "Customers without a score (ranked lowest)", "zh": "没有得分的客户数（排在最后）"},
}

# short names, for sentences and table headings (METHODS and METRICS explain them)
METHOD_NAMES: dict[str, Text] = {
    "tagkit": {"zh": "tagkit", "en": "tagkit"},
    "no_order_rule": {"zh": "简单规则（未下单天数）", "en": "simple rule (days without an order)"},
    "recency_frequency": {"zh": "最近购买 + 购买频次", "en": "recency + frequency"},
    "abc": {"zh": "ABC 分类", "en": "ABC classes"},
}
METRIC_NAMES: dict[str, Text] = {
    "flagged": {"zh": "判定客户数", "en": "Flagged"}, "precision": {"zh": "精确率", "en": "Precision"},
    "recall": {"zh": "召回率", "en": "Recall"}, "lift": {"zh": "提升度", "en": "Lift"},
    "auc": {"zh": "AUC", "en": "AUC"}, "precision_top_k": {"zh": "前 k 名精确率", "en": "Precision, top k"},
    "customers": {"zh": "检验客户数", "en": "Customers judged"}, "base_rate": {"zh": "基准比例", "en": "Base rate"},
}

DEFINITIONS: dict[str, Text] = {
    "population": {
        "en": "Each of the {quarters} {quarters|quarter|quarters} before the run's quarter is scored as of its own "
              "last day, with a risk model learned only from the quarters before it. "
              "Judged are the customers who were active (net sales above zero in the 4 quarters up to it) "
              "and still buying: not yet past the went-bad bar. Customers who had not bought yet, had already left, "
              "had only returns, or had already stopped or collapsed are counted and left out: "
              "flagging those would be late news, not a warning.",
        "zh": "运行季度之前的 {quarters} 个季度，各自以当季最后一天为截止日评分，所用风险模型只从更早的季度学习。"
              "纳入检验的是当时仍活跃（评分季度及之前四个季度净销售额大于零）且仍在正常采购、尚未越过“变差”线的客户；"
              "尚未采购、已经流失、只有退货、或当时已经停购或骤降的客户单独计数，不纳入检验："
              "对它们预警只是迟到的消息，不是预测。",
    },
    "outcome": {
        "en": "A customer went bad if, in the quarter after the scored one, it placed no order at all, or its "
              "net sales fell more than {decline_pct}% below its average quarter of the 4 quarters up to the "
              "scored quarter, with the region's usual seasonal movement taken out.",
        "zh": "若客户在评分季度的下一季度完全没有下单，或其净销售额比评分季度及之前四个季度的季度平均值"
              "下降超过 {decline_pct}%（已扣除大区的正常季节波动），即视为变差。",
    },
    "calibration": {
        "en": "Calibration: the judged customers in ten groups by risk score; in each, the average predicted "
              "chance of going bad beside the share that did. Close together means the percentage can be "
              "taken at its word.",
        "zh": "校准：把纳入检验的客户按风险分分成十组，每组比较预测的平均变差概率和实际变差的比例；"
              "两者越接近，风险分的百分比越可以按字面理解。",
    },
    "pooled": {
        "en": "Pooled figures add up the counts of every scored quarter; the pooled AUC compares customers only "
              "with customers scored in the same quarter.",
        "zh": "合计数字为各评分季度计数之和；合计 AUC 只在同一评分季度的客户之间比较。",
    },
}

NOTES: dict[str, Text] = {
    "no_orders": {
        "en": "No order lines up to {run_end}: nothing could be back-tested.",
        "zh": "截至 {run_end} 没有任何订单行，无法进行回测。",
    },
    "before_data": {
        "en": "{quarter} skipped: it ends before the first order line ({data_start}), so there is nothing to score.",
        "zh": "{quarter} 已跳过：该季度在第一条订单（{data_start}）之前就已结束，没有可评分的数据。",
    },
    "no_outcome": {
        "en": "{quarter} skipped: there are no order lines in {next}, the quarter its outcome is measured in; "
              "the extract may be incomplete.",
        "zh": "{quarter} 已跳过：用于衡量结果的 {next} 季度没有任何订单行，数据提取可能不完整。",
    },
    "data_ends_early": {
        "en": "{quarter}: the last order line is dated {data_end}, {days} days before {next} ends; customers "
              "with no order in {next} may only be missing from the extract, so its outcomes look worse than they are.",
        "zh": "{quarter}：最后一条订单日期为 {data_end}，距 {next} 季度结束还有 {days} 天；{next} 无订单的客户"
              "可能只是尚未进入数据，结果会显得比实际更差。",
    },
    "partial_history": {
        "en": "{quarter}: the data starts {data_start}, so the average quarter is taken over {history} of the four "
              "quarters and the engine saw less history than usual; read its figures with care.",
        "zh": "{quarter}：数据从 {data_start} 开始，季度平均值只基于四个季度中的 {history} 个，"
              "评分时可用的历史也少于平常，请谨慎解读。",
    },
    "excluded": {
        "en": "{quarter}: {excluded} of {scored} customers not judged: {no_purchase_yet} not a customer yet, "
              "{already_left} had already left (no purchase {window}), {net_sales_not_positive} with only returns "
              "or credits, {already_past_bar} already past the went-bad bar; {tagged} of them were tagged at risk.",
        "zh": "{quarter}：{scored} 个客户中有 {excluded} 个未纳入检验：{no_purchase_yet} 个尚未成为客户，"
              "{already_left} 个已经流失（{window} 无采购），{net_sales_not_positive} 个只有退货或冲账，"
              "{already_past_bar} 个当时已越过变差线；其中 {tagged} 个被标为危险客户。",
    },
    "not_better": {
        "en": "tagkit does not beat the {method} baseline on {metric}: {tagkit} against {baseline} (pooled). "
              "On this history the simple rule does at least as well there.",
        "zh": "tagkit 在 {metric} 上没有胜过基准方法 {method}：{tagkit} 对 {baseline}（合计）。"
              "在这份历史数据上，这条简单规则在该指标上至少一样好。",
    },
    "documented_model": {
        "en": "{quarter}: scored with the documented weights, not a learned model ({reason}).",
        "zh": "{quarter}：按文档中的默认权重评分，未使用学习得到的模型（{reason}）。",
    },
    "empty_population": {
        "en": "{quarter}: no customer to judge; every figure of this quarter is null.",
        "zh": "{quarter}：没有可检验的客户，该季度所有指标为空。",
    },
    "auc_undefined": {
        "en": "{quarter}: AUC is undefined because {why}; it is reported as null.",
        "zh": "{quarter}：由于{why_zh}，AUC 无法计算，记为空值。",
    },
    "flagged_none": {
        "en": "{quarter}: {method} flagged no customer; its precision and lift are null.",
        "zh": "{quarter}：{method} 没有判定任何客户，其精确率和提升度为空值。",
    },
    "null_scores": {
        "en": "{quarter}: {n} {n|customer|customers} had no {method} score; they rank lowest.",
        "zh": "{quarter}：{n} 个客户没有 {method} 得分，排在最后。",
    },
}


def explain(params: BacktestParams, language: str = "en", *,
            decline_threshold: float = 0.5) -> dict[str, dict[str, str]]:
    """Methods, metrics and definitions in one language, with the params filled in.

    ``decline_threshold`` is the scoring params' ``risk.decline_threshold`` (what "went bad" means).

    >>> explain(BacktestParams(quarters=2, no_order_days=90))["methods"]["no_order_rule"][:37]
    'Simple rule: no order for at least 90'
    """
    figures = {"quarters": params.quarters, "decline_pct": round(decline_threshold * 100),
               "no_order_days": params.no_order_days}
    return {
        group: {key: fill(text[language], **figures) for key, text in texts.items()}
        for group, texts in (("methods", METHODS), ("metrics", METRICS), ("definitions", DEFINITIONS))
    }
