"""The report's own words — headings, column names, notes — in Chinese and English.

One entry per key, ``(zh, en)``; ``{placeholders}`` are filled by :func:`ui`. The words of the
data (reasons, playbook actions) come from the run folder and params, not from here.
Longer than 400 lines on purpose: one declarative table, in the report's order, so a translator reads it whole.
"""
from __future__ import annotations

from tagkit.lang import Lang
from tagkit.plurals import fill

UI: dict[str, tuple[str, str]] = {
    # page furniture
    "title": ("{region} 客户标签报告 · {quarter}", "{region} customer tags · {quarter}"),
    "index_title": ("客户标签报告 · {quarter}", "Customer tag reports · {quarter}"),
    "generated": ("数据截至 {as_of}", "Data as of {as_of}"),
    "contents": ("目录", "Contents"),
    "noscript": ("图表需要启用 JavaScript；表格和文字不受影响。",
                 "Charts need JavaScript; the tables and text do not."),
    "filter": ("筛选…", "Filter…"),
    "filter_label": ("筛选表格", "Filter the table"),
    "rows_shown": ("显示 {shown} / {total} 行", "{shown} of {total} rows"),
    "more_items": ("轻点查看全部", "Tap for the rest"),
    "rows_printed": ("打印版只列出前 {n} 行（共 {total} 行）；完整名单见报告开头的 CSV / Excel 下载。",
                     "On paper, the first {n} of {total} rows; the full list is in the CSV / Excel "
                     "download at the top."),
    "shown_of": ("按优先级列出前 {shown} 位，共 {total} 位；本区完整名单（同样排序）",
                 "the first {shown} of {total} by priority; the region's full list, ranked the same way"),
    "sort_hint": ("点击表头可排序", "click a column header to sort"),
    "not_computed": ("本次运行未计算：{what}", "Not computed in this run: {what}"),
    "none_in_region": ("本大区本季没有{what}。", "No {what} in this region this quarter."),
    "dash": ("–", "–"),
    "yes": ("是", "yes"),
    "footer": ("由 tagkit 生成 · 离线可读的单一文件 · 参数摘要 {digest}",
               "Made by tagkit · one self-contained file, readable offline · params digest {digest}"),
    # sections
    "sec_headline": ("概览", "At a glance"),
    "sec_abc": ("ABC 分类看不到的", "What ABC hides"),
    "sec_at_risk": ("危险客户：优先防守", "At-risk customers: defend first"),
    "sec_nails": ("钉子客户：价值、原因与拔钉", "Nail customers: value, cause, who pulls them"),
    "sec_benchmarks": ("标杆客户：维护、展示、辐射",
                       "Benchmark customers: keep them, show them off, let them win over their neighbours"),
    "sec_reps": ("业务员记分卡与拜访分配", "Rep scorecards and visit allocation"),
    "sec_map": ("客户地图", "Customer map"),
    "sec_transitions": ("标签变化与客户质量", "Tag changes and customer quality"),
    "sec_trust": ("标签有多可信", "How far to trust the tags"),
    "sec_notes": ("数据说明与方法", "Data notes and method"),
    # headline
    "customers": ("客户数", "Customers"),
    "sales_quarter": ("本季销售额", "Sales this quarter"),
    "sales_previous_quarter": ("上季销售额", "Sales last quarter"),
    "sales_trailing_4q": ("近四季销售额", "Sales, last 4 quarters"),
    "sales_share": ("销售占比", "Share of sales"),
    "vs_last_quarter": ("较上季", "vs last quarter"),
    "delta_vs_last": ("较上季 {delta}", "{delta} vs last quarter"),
    "strategy": ("策略：{text}", "Strategy: {text}"),
    "new_this_quarter": ("上季无标签", "no tag last quarter"),
    "quality_index": ("客户质量指数", "Customer-quality index"),
    "development_stage": ("区域发展阶段", "Development stage"),
    "speculators": ("投机客户", "Speculators"),
    "speculator_share": ("占本季销售 {share}，不计为优质销量",
                         "{share} of this quarter's sales, not counted as healthy sales"),
    "this_quarter": ("本季", "This quarter"),
    "last_quarter": ("上季", "Last quarter"),
    "period": ("季度", "Quarter"),
    "chart_mix": ("各标签的销售占比", "Share of sales by tag"),
    "headline_lead": ("本季共 {customers} 位客户：{at_risk} 位危险（其中 {bar} 位为标杆级）、{nail} 位钉子、"
                      "{benchmark} 位标杆。",
                      "{customers} customers this quarter: {at_risk} at risk ({bar} of them benchmark-quality), "
                      "{nail} nails, {benchmark} benchmarks."),
    # region alert
    "region_alert_title": ("大区警报：整体下滑，并非季节性", "Region alert: a region-wide fall that is not the season"),
    "region_alert": ("本大区本季销售额同比{change}（{now}，去年同期{before}）；去年同一季度并无此降幅，"
                     "因此不是季节因素。扣除季节因素后，较前四季的平常水平{adjusted}。竞品动态：本季 {signals_now} 条，"
                     "去年同期 {signals_before} 条。每位客户仍按其自身历史评估，整体下滑不会被当作“正常”而掩盖。"
                     "下表列出下滑主要来自哪里。",
                     "The region's sales this quarter: {change} against the same quarter last year ({now} against "
                     "{before}); last year's same quarter did not fall like this, so it is not the season. With the "
                     "season taken out, against its usual level of the 4 quarters before: {adjusted}. Competitor "
                     "signals: {signals_now} this quarter, {signals_before} a year ago. Every customer is still judged "
                     "on its own history: the fall is shown, not excused. Where it comes from:"),
    "alert_dimension": ("维度", "By"),
    "alert_key": ("对象", "Which"),
    "alert_last_year": ("去年同期", "Same quarter last year"),
    "alert_share": ("占整体降幅", "Share of the fall"),
    "alert_signals": ("竞品动态（本季/去年）", "Competitor signals (now / a year ago)"),
    "alert_by_city": ("城市", "City"),
    "alert_by_rep_id": ("业务员", "Rep"),
    "alert_by_tag": ("本季标签", "Tag now"),
    "alert_by_competitor": ("竞品动作", "Competitor move"),
    "index_alert": ("大区警报", "Region alert"),
    "index_alert_cell": ("同比{change}", "{change} on last year"),
    # ABC
    "abc": ("ABC", "ABC"),
    "abc_class": ("ABC 分类", "ABC class"),
    "chart_abc": ("ABC 分类 × 标签（客户数）", "ABC class × tag (customers)"),
    "abc_lead": ("ABC 只按销售额排名。{a_not} 位 A 类客户不是标杆（销量大不等于有影响力、满意、配合）；"
                 "{c_tagged} 位 C 类客户是标杆或钉子，按 ABC 它们得到的关注最少。橙框为这些格子。",
                 "ABC ranks by sales alone. {a_not} class-A customers are not benchmarks (buying a lot is not "
                 "influence, satisfaction and cooperation); {c_tagged} class-C customers are benchmarks or nails, "
                 "the ones ABC would give the least attention. Those cells are outlined in orange."),
    "abc_surprises": ("ABC 与标签不一致的客户", "Customers where ABC and the tags disagree"),
    "surprise": ("不一致之处", "What ABC misses"),
    "surprise_a": ("A 类但不是标杆", "class A, not a benchmark"),
    "surprise_c": ("C 类但是{tag}", "class C, yet a {tag}"),
    "share_of_class": ("占该类", "Share of the class"),
    # customer tables
    "customer": ("客户", "Customer"),
    "customer_id": ("客户编号", "Customer ID"),
    "rep": ("业务员", "Rep"),
    "city": ("城市", "City"),
    "tag": ("标签", "Tag"),
    "previous_tag": ("上季标签", "Previous tag"),
    "score_risk": ("风险分", "Risk score"),
    "reasons": ("原因与依据", "Reasons and evidence"),
    "flags": ("提示", "Flags"),
    "actions": ("建议行动", "Recommended actions"),
    "defences": ("防守方式", "Defences"),
    "visits_per_month": ("建议每月拜访 {n} 次", "visit {n}× a month"),
    "visits_planned_sub": ("下季计划拜访 {planned} 次（不计人力建议 {recommended} 次）",
                           "{planned} {planned|visit|visits} planned next quarter ({recommended} recommended without "
                           "regard to time)"),
    "yoy": ("同比", "vs last year"),
    "rank": ("#", "#"),
    # at risk
    "at_risk_lead": ("风险分是客户下季“变差”（不再下单，或销售额不到其近四季季度平均的一半）的预计概率。"
                     "先列早期预警：仍在正常采购、但已出现预警信号的客户，这时防守最有效；再列已在下滑的客户。"
                     "两张表都按预计损失金额（概率 × 近四季销售额）排序。{dormant}",
                     "The risk score is the estimated chance that the customer goes bad next quarter (no order, or "
                     "sales below half of its average quarter of the last four). Early warnings come first: customers "
                     "still buying normally but showing warning signs, when defending works best; then those already "
                     "declining. Both lists are ranked by the sales at stake (chance × last 4 quarters' sales). "
                     "{dormant}"),
    "at_risk_model_learned": ("本季的风险模型从本公司 {quarters} 的历史中学习（{rows} 个客户季度，"
                              "其中 {bad} 个随后变差）。",
                              "This quarter's risk model was learned from the company's own history, {quarters} "
                              "({rows} customer-quarters, {bad} of which went bad the quarter after)."),
    "at_risk_model_documented": ("本季历史数据不足以学习风险模型（{reason}），"
                                 "风险分按 params/scoring.yaml 中的默认权重计算。",
                                 "Too little history to learn the risk model this quarter ({reason}): the risk "
                                 "score uses the documented weights of params/scoring.yaml."),
    "early_warnings": ("早期预警：仍在采购，已现预警信号", "Early warnings: still buying, showing warning signs"),
    "declining": ("已在下滑", "Already declining"),
    "no_early_warnings": ("本大区本季没有早期预警。", "No early warnings in this region this quarter."),
    "chance": ("下季变差概率", "Chance of going bad"),
    "at_stake": ("预计损失", "Sales at stake"),
    "what_changed": ("发生了什么变化", "What changed"),
    "win_back": ("挽回名单", "Win-back list"),
    "rep_changes": ("建议更换业务员的客户", "Customers whose rep should change"),
    "rep_changes_lead": ("客户多次投诉现任业务员：由主管安排更换，并向客户说明。",
                         "The customer complained about its current rep more than once: the supervisor assigns "
                         "another rep and tells the customer."),
    "rep_complaints": ("对现任业务员的投诉", "Complaints about the current rep"),
    "speculator_list": ("投机客户（季末甩库）", "Speculators (quarter-end dumping)"),
    "speculator_list_lead": ("销量集中在季末、靠折扣拿货的客户：其销量不计为优质销量，不按季末冲量奖励。",
                             "Customers whose purchases bunch at the quarter's end on discounts: their sales do not "
                             "count as healthy sales, and quarter-end pushes are not rewarded."),
    "quarter_end_share": ("季末销售占比", "Share bought at quarter end"),
    "win_back_lead": ("长期未订货的客户：不再按危险客户防守，由业务员联系挽回。按近四季销售额排序。",
                      "Customers who have not ordered for a long time: not defended as at risk but called back "
                      "by their rep, the largest last-4-quarter sales first."),
    "last_order": ("最后订货", "Last order"),
    "days_without_order": ("未订货天数", "Days without an order"),
    "dormant_note": ("另有 {n} 位长期未订货的客户列入挽回名单，不在此表。",
                     "{n} long-dormant customers are on the win-back list instead, not here."),
    "chart_risk": ("风险与价值", "Risk against value"),
    "benchmark_group": ("标杆级危险客户", "benchmark-quality, at risk"),
    "other_risk_group": ("其他危险客户", "other at-risk customers"),
    "defences_general": ("各防守方式的一般做法（每位客户先按上表中的具体步骤执行）：",
                         "What each defence means in general (each customer's specific steps above come first):"),
    "what_defences": ("推荐的防守方式（处方步骤）", "the recommended defences (prescription step)"),
    "at_risk_customers": ("危险客户", "at-risk customers"),
    # nails
    "nails_lead": ("钉子客户的关键不是僵局，而是背后的价值。按可争取的增量排序。",
                   "A nail matters for the value behind it, not the stalemate. Largest upside first."),
    "potential": ("年采购潜力", "Yearly potential"),
    "share_of_wallet": ("我方份额", "Share of wallet"),
    "upside": ("可争取增量", "Upside"),
    "upside_is": ("可争取增量：{what}", "Upside: {what}"),
    "upside_headroom": ("未开发潜力（潜力−近四季销售）", "untapped potential (potential − last 4 quarters' sales)"),
    "cause": ("原因", "Cause"),
    "evidence": ("依据", "Evidence"),
    "escalate_to": ("牵头人", "Led by"),
    "decision": ("决定", "Decision"),
    "chart_upside": ("钉子客户：已购与可争取增量", "Nails: bought from us and the upside"),
    "chart_untapped": ("钉子客户：已购与未开发潜力", "Nails: bought from us and untapped potential"),
    "why_nail": ("为何是钉子", "Why a nail"),
    "line_gap_nails": ("产品线缺口", "Line gap"),
    "lines_bought": ("已采购产品线", "Lines bought"),
    "of_lines": ("{n}/{of}条", "{n} of {of}"),
    "missing_lines": ("未采购的产品线", "Lines not bought"),
    "no_reference": ("无可参照的标杆（无坐标或无标杆采购这些产品线）",
                     "no benchmark to visit (no location, or none buys these lines)"),
    "bought": ("向我方采购（近四季）", "bought from us (last 4 quarters)"),
    "untapped": ("未开发", "untapped"),
    "amount": ("金额", "Amount"),
    "part": ("部分", "Part"),
    "what_nail": ("原因诊断、升级对象与决定（处方步骤）", "cause, escalation and decision (prescription step)"),
    "escalate_why": ("为何由其牵头", "Why this lead"),
    "escalate_tried": ("已拜访未果的最高一级：{level}", "highest level already visited without success: {level}"),
    "escalate_top_tried": ("{level}近期拜访也未成功，上面已无人可升级：再评估是否值得投入",
                           "the {level} has already visited without success and nobody is above: reassess whether "
                           "the nail is worth the effort"),
    "senior_heading": ("高层拜访去了哪里", "Where the senior visits went"),
    "senior_lead": ("近 {quarters} 季{senior}及以上对钉子的拜访共 {visits} 次，"
                    "其中 {wasted} 次用在减少投入或放弃的钉子上。攻坚的钉子按牵头人分列：业务员搞不定，"
                    "主管去；主管搞不定，大区经理去。",
                    "Visits by a {senior} or above to nails in the last {quarters} quarters: {visits}, {wasted} of "
                    "them to nails to reduce or drop. The nails to invest in by who leads them: where the rep "
                    "fails, the supervisor goes; where the supervisor fails, the regional manager."),
    "senior_group": ("钉子", "Nails"),
    "senior_invest_led": ("攻坚 · {lead}牵头", "invest · led by the {lead}"),
    "senior_nails": ("钉子数", "Nails"),
    "senior_with": ("有{senior}及以上拜访", "With a visit by a {senior} or above"),
    "senior_visits": ("{senior}及以上拜访次数", "Visits by a {senior} or above"),
    "nail_customers": ("钉子客户", "nail customers"),
    # benchmarks
    "benchmarks_lead": ("标杆需要影响力、满意度、配合度三者兼备。用前后对比的数据让它们的成功被看见。",
                        "A benchmark needs influence, satisfaction and cooperation, all three. Make its success "
                        "visible with before-and-after figures."),
    "level": ("级别", "Level"),
    # a level whose bar is not met now (prescription benchmark_level_status): never shown as if it were
    "level_former": ("原{level}", "former {level}"),
    "level_candidate": ("{level}（潜在）", "{level} (potential)"),
    "level_benchmark": ("{level}标杆", "{level} benchmark"),
    "level_former_note": ("标“原”的级别：影响力、满意度、配合度现已低于标杆标准，级别为此前达到的。",
                          "A level marked “former”: influence, satisfaction or cooperation is now below the "
                          "benchmark bar; the level is the one it had."),
    "influence": ("影响力", "Influence"),
    "satisfaction": ("满意度", "Satisfaction"),
    "cooperation": ("配合度", "Cooperation"),
    "before": ("前四季", "4 quarters before"),
    "after": ("近四季", "last 4 quarters"),
    "change": ("变化", "Change"),
    "chart_showcase": ("标杆展示：前四季 → 近四季销售额", "Showcase: sales, 4 quarters before → last 4 quarters"),
    "chart_showcase_rx": ("标杆展示：成为标杆之前 → 现在（每季平均销售额）",
                          "Showcase: before it became a benchmark → now (sales per quarter)"),
    "showcase_counts": ("前后对比只用于真正有“之前”且销售已增长的标杆：{shown} 家可以展示；{slipping} 家销售下滑，"
                        "先防守，不作为成功案例宣传；{no_before} 家没有成为标杆之前的数据（数据开始时已是标杆，"
                        "或最初几季的标签尚不可靠）；{no_growth} 家成为标杆后销售未增长。",
                        "A before/after is shown only where a benchmark has a real \"before\" and has grown since: "
                        "{shown} can be shown; {slipping} {slipping|is|are} slipping: defend {slipping|it|them} first, "
                        "no success story; {no_before} {no_before|has|have} no period before {no_before|it|they} "
                        "became a benchmark (a benchmark when the data starts, or its first quarters' tags too young "
                        "to count); {no_growth} {no_growth|has|have} not grown since."),
    "before_rx": ("之前（每季）", "Before (per quarter)"),
    "after_rx": ("现在（每季）", "Now (per quarter)"),
    "reasons_actions": ("依据与建议行动", "Evidence and actions"),
    "neighbour_change": ("邻近客户销售 {change}", "neighbours' sales {change}"),
    "points_short": ("（差 {gap} 分）", " ({gap} points short)"),
    "candidates_lead": ("三项条件已满足两项的客户：补齐所缺的一项，就是新的标杆。",
                        "Customers meeting two of the three criteria: close the third and they are the "
                        "next benchmarks."),
    "sales": ("销售额", "Sales"),
    "neighbours": ("辐射邻近客户", "Customers nearby"),
    "neighbours_named": ("最近的邻近客户", "Nearest of them"),
    "candidates": ("潜在标杆（候选）", "Benchmark candidates"),
    "missing_criterion": ("尚缺条件", "Missing criterion"),
    "what_level": ("标杆级别（处方步骤）", "benchmark levels (prescription step)"),
    "what_radiation": ("辐射邻近客户（radiation.parquet）", "radiation neighbours (radiation.parquet)"),
    "what_candidates": ("潜在标杆名单（处方步骤）", "the benchmark candidates (prescription step)"),
    "benchmark_customers": ("标杆客户", "benchmark customers"),
    "benchmark_candidates": ("潜在标杆", "benchmark candidates"),
    # reps
    "reps_lead": ("时间花在哪里，结果就在哪里：每位业务员的拜访花在了哪类客户身上。",
                  "Your time goes where your results go: which customers each rep's visits went to."),
    "visits": ("拜访次数", "Visits"),
    "visit_share": ("拜访占比", "Share of visits"),
    "chart_visits": ("各业务员近四季的拜访分配", "Visits of the last 4 quarters by rep"),
    "chart_visits_quarter": ("各业务员本季的拜访分配（黑色刻度：拜访计划）",
                             "This quarter's visits by rep (black ticks: the visit plan)"),
    "sc_benchmarks": ("标杆 / 最低", "Benchmarks / min"),
    "sc_new_benchmarks": ("近四季新标杆 / 目标", "New benchmarks / target"),
    "sc_candidates": ("潜在标杆", "Candidates"),
    "sc_borrow": ("可借用的标杆", "Benchmark to borrow"),
    "sc_nails": ("钉子", "Nails"),
    "sc_nails_sub": ("攻坚 {invest} · 已拔 {pulled}", "{invest} in attack · {pulled} pulled"),
    "sc_at_risk": ("危险", "At risk"),
    "sc_at_risk_sub": ("挽回 {saved} · 流失 {lost}", "{saved} saved · {lost} lost"),
    "sc_speculators": ("投机客户", "Speculators"),
    "sc_alignment": ("拜访契合度", "Visit alignment"),
    "scorecard_help": ("标杆少于最低要求的业务员已标出；没有自己标杆的业务员可先借用大区内更高级别的标杆。"
                       "拜访契合度：本季拜访在各类客户间的分配与该业务员拜访计划的接近程度"
                       "（100% 为完全一致：照计划拜访即得 100%）。",
                       "Reps short of the minimum of benchmarks are marked; a rep without one borrows the region's "
                       "highest-level benchmark first. Visit alignment: how close the split of this quarter's visits "
                       "across the kinds of customer came to the rep's visit plan (100% = exactly; visiting as "
                       "planned scores 100%)."),
    "target": ("计划占比", "Planned share"),
    "targets_lead": ("黑色刻度为该业务员拜访计划的分配（见下方“下季拜访计划”）：每段应在刻度处结束。",
                     "The black ticks mark the split of the rep's visit plan (see \"Next quarter's visit plan\" "
                     "below): each segment should end at its tick."),
    "what_scorecards": ("业务员记分卡与拜访计划对比（reps.parquet）",
                        "rep scorecards against the visit plan (reps.parquet)"),
    "plan_title": ("下季拜访计划", "Next quarter's visit plan"),
    "plan_lead": ("计划按每位业务员近四季的实际拜访量安排（另加 {slack} 余量），不按理想频次："
                  "人力不足时先保证危险客户，其次标杆、攻坚中的钉子、普通客户，最后是减少投入的钉子；"
                  "每位客户不低于其类别的最低拜访次数。“建议”为不考虑人力时的拜访次数，各客户的计划次数见导出名单。",
                  "The plan fits what each rep actually made over the last 4 quarters (plus {slack} slack), not the "
                  "ideal frequencies: when time runs short, at-risk customers come first, then benchmarks, nails "
                  "under attack, regular customers, and last the nails whose effort is reduced; no customer falls "
                  "below the minimum of its kind. "
                  "\"Recommended\" is the number of visits without regard to time; each customer's planned visits "
                  "are in the exported list."),
    "plan_lead_unknown": ("没有拜访记录，无法得知业务员实际能拜访多少次：下季计划沿用建议次数，未按人力调整。",
                          "Without visit records the reps' capacity is unknown: next quarter's plan is the "
                          "recommendation, not fitted to what the reps can make."),
    "plan_made": ("近四季每季拜访", "Made per quarter (last 4)"),
    "plan_capacity": ("可用拜访（含余量）", "Capacity (with slack)"),
    "plan_recommended": ("建议（不计人力）", "Recommended (unconstrained)"),
    "plan_planned": ("计划", "Planned"),
    "plan_status": ("说明", "Note"),
    "plan_fits": ("计划在能力范围内", "within capacity"),
    "plan_over": ("最低拜访次数已超出能力：客户过多，需分配给其他业务员",
                  "the minimum visits alone exceed the capacity: too many customers for one rep, reassign some"),
    "plan_no_visits_table": ("无拜访记录：能力未知，沿用建议次数",
                             "no visit records: capacity unknown, the recommendation kept"),
    "plan_no_rep_visits": ("近四季无本人拜访记录：能力未知，沿用建议次数",
                           "no visits of this rep in the last 4 quarters: capacity unknown, the recommendation kept"),
    "scorecards": ("记分卡", "Scorecards"),
    "role": ("角色", "Role"),
    "no_visits": ("没有拜访数据。", "No visit data."),
    # map
    "map_lead": ("每个点是一位客户，按标签着色；虚线圆为每位标杆 {km} 公里的辐射范围；"
                 "橙色圈出的客户不在任何标杆的辐射范围内。离线绘制，无底图。",
                 "Each point is a customer, coloured by tag; dashed circles are each benchmark's {km} km reach; "
                 "customers ringed in orange are outside every benchmark's reach. Drawn offline, without a base map."),
    "map_cells": ("地图逐个标出 {shown} 位客户（标杆、覆盖缺口外、危险、钉子优先，其余按销售额）；"
                  "另外 {rest} 位客户按位置合并为灰色方块，方块越大客户越多。",
                  "The map draws {shown} customers one by one (benchmarks, those outside every reach, "
                  "at-risk and nails first, then by sales); the other {rest} are merged by place into grey squares, "
                  "larger where there are more."),
    "cell_customers": ("该处客户数", "customers here"),
    "map_lead_plain": ("每个点是一位客户，按标签着色。离线绘制，无底图。",
                       "Each point is a customer, coloured by tag. Drawn offline, without a base map."),
    "what_reach": ("标杆辐射范围与覆盖缺口（处方步骤的 radiation.radius_km）",
                   "benchmark reach and coverage gaps (the prescription's radiation.radius_km)"),
    "chart_map": ("客户分布（墨卡托投影）", "Customers (Mercator projection)"),
    "gap": ("覆盖缺口", "Coverage gap"),
    "gap_yes": ("不在任何标杆辐射范围内", "outside every benchmark's reach"),
    "gaps_lead_short": ("{n} 位客户（近四季 {sales}）不在任何标杆的辐射范围内。",
                        "{n} customers ({sales} in the last 4 quarters) are outside every benchmark's reach."),
    "gaps_by_city": ("缺口最大的城市：", "The largest gaps by city:"),
    "gaps_rx_lead": ("覆盖缺口：没有标杆辐射的城市，以及在当地最值得培养为标杆的客户。",
                     "Coverage gaps: cities no benchmark reaches, and the customer there most worth developing "
                     "into one."),
    "no_coverage_gaps": ("没有覆盖缺口：每个城市都有标杆在辐射范围内。",
                         "No coverage gap: every city has a benchmark within reach."),
    "gap_candidate": ("建议培养", "Develop"),
    "gap_missing": ("尚缺{what}", "lacks {what}"),
    "no_coordinates": ("本大区客户没有经纬度，无法绘制地图。", "This region's customers have no coordinates to map."),
    "no_benchmark_reach": ("本大区没有标杆客户，所有客户都在辐射范围之外。",
                           "No benchmark in this region: every customer is outside any reach."),
    "missing_coordinates": ("{n} 位客户没有经纬度，未画出。", "{n} customers without coordinates are not drawn."),
    # transitions
    "transitions_lead": ("上季标签 → 本季标签。对角线以外的格子是发生变化的客户。",
                         "Last quarter's tag → this quarter's. Cells off the diagonal are customers that moved."),
    "chart_transitions": ("上季 → 本季（客户数）", "Last quarter → this quarter (customers)"),
    "previous_published": ("上季标签取自 {quarter} 已发布的结果（{customers} 位客户），与当时下发给经理的报告一致。",
                           "Last quarter's tags are those published for {quarter} ({customers} customers): the "
                           "ones managers received."),
    "previous_rescored": ("上季标签按 {quarter} 末的历史数据重新计算：未找到 {quarter} 已发布的运行结果，"
                          "因此可能与当时下发的报告不同。",
                          "Last quarter's tags were re-scored from the history as of the end of {quarter}: no "
                          "published run of {quarter} was found, so they may differ from the report managers "
                          "received then."),
    "chart_flows": ("标签变化", "Tag changes"),
    "move": ("变化", "Move"),
    "no_previous": ("上季无记录", "no record"),
    "changed_customers": ("标签发生变化的客户", "Customers whose tag changed"),
    "no_changes": ("本季没有客户改变标签。", "No customer changed tag this quarter."),
    "chart_quality": ("客户质量指数：各季度销售额来自哪类客户",
                      "Customer quality: where each quarter's sales came from"),
    "chart_movements": ("本季的变化", "This quarter's movements"),
    "quality_lead": ("客户质量指数 = 来自标杆客户和健康普通客户的销售额占比（黑线）；其余来自钉子、危险、"
                     "投机和长期未订货客户。两三年内它应当上升。",
                     "Customer-quality index = the share of sales from benchmarks and healthy regular customers (the "
                     "black line); the rest comes from nails, at-risk, speculating and dormant customers. Over two to "
                     "three years it should rise."),
    "quality_thin": ("{quarters} 的历史数据不足四个季度，请谨慎解读。",
                     "{quarters}: less than 4 quarters of history behind them; read with care."),
    "what_quality": ("客户质量指数（quality_index.parquet）", "the customer-quality index (quality_index.parquet)"),
    "what_stage": ("区域发展阶段（regions.parquet）", "the development stage (regions.parquet)"),
    "quarter": ("季度", "Quarter"),
    "value": ("数值", "Value"),
    # trust
    "trust_lead": ("回测：过去 {quarters} 个季度，各自只用当时已有的数据（风险模型也只从更早的季度学习）重新贴标签，"
                   "再看下一季度谁真的变差，并与三种简单做法对比。只检验当时仍在正常采购的客户："
                   "对已经停购的客户“预警”不算预测。以下为全公司数字。",
                   "Back-test: each of the previous {quarters} {quarters|quarter|quarters} was tagged again from the "
                   "data available then (the risk model, too, learned only from the quarters before it), "
                   "and checked against which customers really went bad the quarter after, "
                   "beside three simple methods. Only customers still buying normally then are judged: "
                   "warning about one that has already stopped predicts nothing. Company-wide figures."),
    "trust_summary": ("在 {customers} 位当时仍正常采购的客户中，tagkit 标了 {flagged} 位为危险：其中 {precision} "
                      "下季确实变差，是随机挑选（{base}）的 {lift} 倍；所有下季变差的客户中，有 {recall} 被事先标出"
                      "（召回率）。把任一变差客户和任一未变差客户放在一起，tagkit 把前者排在更危险位置的概率为 {auc}"
                      "（AUC；0.5 相当于抛硬币）。",
                      "Of {customers} customers still buying normally then, tagkit tagged {flagged} at risk: "
                      "{precision} of them went bad the next quarter, {lift}× picking at random ({base}); "
                      "of all who went bad, it had tagged {recall} beforehand (recall). "
                      "Take one customer who went bad and one who did not: tagkit ranks the first as riskier {auc} of "
                      "the time (AUC; 0.5 is a coin toss)."),
    "trust_beats_all": ("在这份历史上，tagkit 的排序（AUC）和前 k 名精确率都不低于三种简单做法。",
                        "On this history, tagkit's ranking (AUC) and its precision in the top k are at least those "
                        "of all three simple methods."),
    "trust_loses_lead": ("请注意：在这份历史上，tagkit 并没有胜过以下简单做法——在这些指标上，简单规则至少一样好：",
                         "Mind this: on this history tagkit does not beat these simple methods; there, the simple "
                         "rule does at least as well:"),
    "trust_loses": ("{metric}：tagkit {tagkit}，{method} {baseline}", "{metric}: tagkit {tagkit}, {method} {baseline}"),
    "trust_models_learned": ("每个回测季度的风险模型都只从它之前的季度学习。",
                             "Each back-tested quarter's risk model learned only from the quarters before it."),
    "trust_models_documented": ("{quarters} 的历史不足以学习风险模型，改用文档中的默认权重；"
                                "这些季度的数字反映的是默认权重。",
                                "{quarters}: too little history to learn the risk model, so the documented weights "
                                "scored them; those quarters' figures judge the documented weights."),
    "chart_calibration": ("校准：预测的变差概率与实际比例", "Calibration: predicted chance against what happened"),
    "calibration_predicted": ("预测概率（每组平均）", "Predicted chance (group mean)"),
    "calibration_observed": ("实际变差比例", "Share that went bad"),
    "chart_trust": ("回测：tagkit 与简单做法", "Back-test: tagkit against simple methods"),
    "method": ("方法", "Method"),
    "metric": ("指标", "Metric"),
    "what_backtest": ("回测（backtest.json）", "the back-test (backtest.json)"),
    "metrics_help": ("指标说明", "What the figures mean"),
    "definitions": ("口径", "Definitions"),
    "backtest_notes": ("注意", "Notes"),
    # data notes
    "unavailable_signals": ("缺失的信号", "Unavailable signals"),
    "unavailable_lead": ("以下信号对部分客户不可用，依赖它们的分数为空（不是零）：",
                         "These signals are unavailable for some customers; the scores that need them are null, "
                         "not zero:"),
    "all_signals": ("所有信号均可用。", "Every signal is available."),
    "signal": ("信号", "Signal"),
    "missing_tables": ("本次数据缺少可选表：{tables}", "Optional tables missing from this extract: {tables}"),
    "quarantine": ("被隔离的数据行", "Rows set aside by validation"),
    "quarantine_lead": ("校验时被剔除的行（全公司，各表），详见 validation.html：",
                        "Rows validation set aside (company-wide, per table); validation.html lists them:"),
    "no_quarantine": ("没有数据行被隔离。", "No row was set aside."),
    "table": ("表", "Table"),
    "reason": ("原因", "Reason"),
    "rows": ("行数", "Rows"),
    "rows_read": ("读取行数", "Rows read"),
    "validation_warnings": ("校验警告", "Validation warnings"),
    "what_validation": ("数据校验摘要（validation.json）", "the validation summary (validation.json)"),
    "parameters": ("方法与参数", "Method and parameters"),
    "parameters_lead": ("本次运行使用的阈值（params/*.yaml，运行记录见 manifest.json）：",
                        "The thresholds this run used (params/*.yaml; the run's record is manifest.json):"),
    "parameter": ("参数", "Parameter"),
    "setting": ("取值", "Value"),
    "meaning": ("含义", "Meaning"),
    # index
    "region": ("大区", "Region"),
    "report": ("报告", "Report"),
    "open": ("打开", "Open"),
    "full_list": ("全部客户名单：", "Every customer:"),
    "failed": ("生成失败", "failed"),
    "failed_notebook": ("查看出错的 notebook", "see the failing notebook"),
    "failed_cell": ("查看出错的单元格", "see the failing cell"),
    "failed_at": ("In [{cell}] 出错：{error}", "failed at In [{cell}]: {error}"),
    "failed_error": ("出错：{error}", "error: {error}"),
    "failure_line": ("{region}：{what}", "{region}: {what}"),
    "not_generated": ("未生成", "not generated"),
    "validation": ("数据校验报告", "Validation report"),
    "other_quarters": ("其他季度", "Other quarters"),
    "no_other_quarters": ("旁边没有其他季度的运行结果。", "No other quarter's run beside this one."),
    "benchmark_at_risk_short": ("标杆级危险", "Benchmark at risk"),
    "index_lead": ("每个大区一份独立的 HTML 报告，可离线打开、转发。", "One self-contained HTML report per region, "
                   "to open offline and forward."),
    "regions_failed": ("{n} 个大区的报告生成失败，已标出。",
                       "{n} region {n|report|reports} failed; {n|it is|they are} marked."),
    # --- the action lists (sections/actions.py, digest.py, the index) ---
    "actions_title": ("行动清单：谁、做什么、何时完成，效果如何", "Actions: who does what by when, and did it work"),
    "actions_nav": ("行动清单", "Actions"),
    "action_list": ("行动清单", "action list"),
    "actions_lead": ("本季 {n} 项有截止日期的行动，分给 {owners} 位负责人。请在行动清单中填写每项的状态和备注，"
                     "下季运行时读回（数据文件夹中的 actions/，或 tagkit run --actions 文件夹），"
                     "下季报告据此显示落实情况和效果。",
                     "{n} {n|action|actions} with a deadline this quarter, for {owners} {owners|owner|owners}. "
                     "Fill in each one's status and note in the action list; next quarter's run reads it back "
                     "(actions/ in the data folder, or tagkit run --actions DIR) "
                     "and its report shows what was done and how it worked."),
    "actions_none": ("本季没有有截止日期的行动。", "No action with a deadline this quarter."),
    "owner": ("负责人", "owner"),
    "actions_count": ("行动", "actions"),
    "due_7": ("7天内到期", "due within 7 days"),
    "first_due": ("最早截止", "first due"),
    "digest": ("本人清单", "digest"),
    "adoption_title": ("上季行动落实情况（{quarter}）", "Last quarter's actions ({quarter}): what was done"),
    "adoption_counts": ("上季发布 {published} 项行动；交回 {returned} 行，其中 {matched} 行对上了发布的行动，"
                        "{set_aside} 行无法对应（{reasons}），{validation} 行未通过校验（见数据校验报告）；"
                        "{no_response} 项没有交回，按未回应计。",
                        "{published} {published|action was|actions were} published last quarter; {returned} "
                        "{returned|row came|rows came} back, {matched} matching a published action, "
                        "{set_aside} matching none ({reasons}), {validation} failing validation (see the validation "
                        "report); {no_response} {no_response|action was|actions were} not returned and count "
                        "as no response."),
    "adoption_missing": ("上季（{quarter}）的行动清单没有交回：把填好的清单放在数据文件夹的 actions/ 中，"
                         "或运行时加 --actions 文件夹。",
                         "Last quarter's ({quarter}) action lists did not come back: "
                         "put the filled-in lists in the data folder's actions/, or pass --actions DIR to the run."),
    "done_share": ("完成率", "done"),
    "status_done": ("已完成", "done"), "status_in_progress": ("进行中", "in progress"),
    "status_not_started": ("未开始", "not started"), "status_declined": ("不执行", "declined"),
    "status_no_response": ("未回应", "no response"),
    "outcomes_title": ("各项行动的效果", "How each action's customers fared"),
    "outcomes_lead": ("客户本季表现是否向好（危险客户：已挽回并在采购；钉子：采购额高于上季；标杆：仍是标杆；其他："
                      "仍在采购且不危险），按行动是否完成分开比较。业务员会挑选要跟进的客户，"
                      "所以这一比较说明精力花在哪里，不能证明行动的作用；"
                      "对照组（playbook.holdout_share）才能回答这一点。",
                      "Whether each customer fared well this quarter (at risk: saved and buying; nail: "
                      "buying more than last quarter; benchmark: still one; others: still buying, not at risk), "
                      "for actions done and not done. Reps choose whom they act on, "
                      "so this shows where the effort went, not what it caused; a holdout "
                      "(playbook.holdout_share) answers that."),
    "action": ("行动", "action"),
    "done_fared": ("完成：向好", "done: fared well"),
    "not_done_fared": ("未完成：向好", "not done: fared well"),
    "not_done": ("未完成", "not done"),
    "points": ("{n}个百分点", "{n} points"),
    "holdout_title": ("对照组：防守措施的真实效果", "The holdout: what the defences changed"),
    "holdout_result": ("上季 {treated} 个采取行动的危险客户中 {treated_saved} 个已挽回（{treated_rate}），"
                       "随机留作对照、不采取行动的 {held} 个中 {held_saved} 个（{held_rate}）："
                       "行动带来的挽回率提升 {uplift}（95% 区间 {low} 至 {high}）。",
                       "Of last quarter's {treated} at-risk customers given actions, {treated_saved} were saved "
                       "({treated_rate}); of the {held} drawn at random to get none, {held_saved} ({held_rate}): the "
                       "actions lifted the share saved by {uplift} (95% interval {low} to {high})."),
    "holdout_few": ("对照组人数太少（行动组 {treated} 个、对照组 {held} 个，每组至少需要 5 个），暂不计算效果。",
                    "Too few customers to measure the holdout ({treated} given actions, {held} held out; at least 5 "
                    "each are needed)."),
    "digest_title": ("{rep} · {quarter} 本周清单", "{rep} · {quarter} this week"),
    "digest_basis_published": ("变化与上季已发布的报告相比", "changes since last quarter's published report"),
    "digest_basis_rescored": ("上季报告未找到：变化与按历史重算的上季标签相比",
                              "last quarter's report was not found: changes against last quarter "
                              "re-scored from history"),
    "digest_due": ("待办行动", "Actions due"),
    "digest_due_by": ("截止", "due"),
    "digest_plan": ("下季计划拜访 {planned} 次（按近期的拜访量，可做约 {capacity} 次）；每位客户的次数见报告",
                    "Next quarter's plan: {planned} {planned|visit|visits} (about {capacity} fit what you made "
                    "lately); each customer's in the report"),
    "digest_plan_unknown": ("下季建议拜访 {planned} 次（无拜访记录，无法按实际拜访量安排）",
                            "Next quarter: {planned} {planned|visit|visits} recommended (no visit records "
                            "to fit them to)"),
    "digest_none": ("本季没有变化，也没有待办行动。", "Nothing changed and nothing is due."),
}


def ui(key: str, language: Lang, **fmt: object) -> str:
    """The report's word for ``key`` in ``language``, placeholders filled."""
    zh, en = UI[key]
    text = zh if language == "zh" else en
    return fill(text, **fmt)
