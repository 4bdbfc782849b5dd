"""The planted truth: one row per customer saying what the generator made it, and a README explaining it.

Kept in ``_truth/`` so intake (which skips names starting with ``_``) never sees it, beside
``next_quarter/orders.parquet``, the orders of the outcome quarter (written by :mod:`tagkit.sample.generate`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from tagkit.contract import TAGS
from tagkit.sample import population as pop
from tagkit.sample import reference as ref
from tagkit.sample.archetypes import (
    ARCHETYPE_NAMES,
    ARCHETYPES,
    NAIL_CAUSES,
    PROFILES,
    archetype_code,
    profile_code,
)
from tagkit.sample.population import Plan
from tagkit.sample.timeline import Calendar

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

_TRUTH_DTYPES: dict[str, PolarsDataType] = {  # annotated: a List instance among dtype classes
    "customer_id": pl.String,
    "region": pl.String,
    "true_tag": pl.String,
    "archetype": pl.String,
    "nail_cause": pl.String,
    "expected_flags": pl.List(pl.String),
    "planted_since_quarter": pl.String,
    "complained_rep_id": pl.String,
    "rep_change_quarter": pl.String,
    "competitor": pl.String,
    "in_dip_region": pl.Boolean,
    "planted_share_of_wallet": pl.Float64,
    "order_interval_days": pl.Float64,
    "order_cutoff": pl.Date,
    "risk_stage": pl.String,
    "slip_quarter": pl.String,
    "collapse_quarter": pl.String,
}
TRUTH_SCHEMA = pl.Schema(_TRUTH_DTYPES)  # DataFrame.cast's stub takes a Schema, not a dict[str, ...]
RISK_STAGES = ("early", "declining")


def _quarter_or_blank(cal: Calendar, index: np.ndarray) -> np.ndarray:
    return np.where(index >= 0, np.array(cal.quarters)[np.maximum(index, 0)], "")


def truth_frame(plan: Plan, cal: Calendar) -> pl.DataFrame:
    """One row per customer, in customer order."""
    a = plan.archetype
    nail = plan.nail_cause >= 0
    internal = plan.nail_cause == NAIL_CAUSES.index("internal")
    rep_complaint = a == archetype_code("rep_complaint")
    at_risk = plan.onset >= 0
    lone_visit = plan.profile[cal.last] == profile_code("lone_visit")
    recovered = a == archetype_code("recovered")
    courted = (plan.nail_cause == NAIL_CAUSES.index("competitor")) | at_risk | recovered | lone_visit
    cutoff = at_risk | (plan.stop_quarter >= 0)
    # early: the collapse is still to come (the outcome quarter); declining: a run can already see it
    stage = np.where(at_risk, np.array(RISK_STAGES)[(plan.onset <= cal.last).astype(np.int64)], "")
    complained = np.where(internal, plan.former_rep, np.where(rep_complaint, plan.rep, -1))
    flags = pl.Series([list(x.flags) for x in ARCHETYPES], dtype=pl.List(pl.String))
    return pl.DataFrame(
        {
            "customer_id": plan.customer_ids,
            "region": np.array(plan.region_names)[plan.region],
            "true_tag": np.array([x.true_tag for x in ARCHETYPES])[a],
            "archetype": np.array(ARCHETYPE_NAMES)[a],
            "nail_cause": pl.Series(np.where(nail, np.array(NAIL_CAUSES)[np.maximum(plan.nail_cause, 0)], "")),
            "expected_flags": flags.gather(a),
            "planted_since_quarter": _quarter_or_blank(cal, plan.story_quarter),
            "complained_rep_id": np.where(complained >= 0, plan.rep_ids[np.maximum(complained, 0)], ""),
            "rep_change_quarter": _quarter_or_blank(cal, plan.handover),
            "competitor": np.where(courted, np.array(ref.COMPETITORS)[plan.competitor], ""),
            "in_dip_region": plan.in_dip_region,
            "planted_share_of_wallet": plan.share_of_wallet.round(4),
            "order_interval_days": pl.Series(
                np.where(plan.speculator, np.nan, plan.interval.round(1)), nan_to_null=True
            ),
            "order_cutoff": pl.Series(plan.order_until.astype(np.int32)).cast(pl.Date),
            "risk_stage": stage,
            "slip_quarter": _quarter_or_blank(cal, plan.slip),
            "collapse_quarter": _quarter_or_blank(cal, np.where(at_risk, plan.onset, plan.stop_quarter)),
            "_cutoff": cutoff,
        }
    ).with_columns(
        *(
            pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c)
            for c in (
                "nail_cause", "planted_since_quarter", "complained_rep_id", "rep_change_quarter", "competitor",
                "risk_stage", "slip_quarter", "collapse_quarter",
            )
        ),
        pl.when(pl.col("_cutoff")).then(pl.col("order_cutoff")).otherwise(None).alias("order_cutoff"),
    ).drop("_cutoff").cast(TRUTH_SCHEMA)


def _how() -> dict[str, str]:
    """How each archetype is planted, quoting the generator's own parameters."""
    a = {x.name: x for x in ARCHETYPES}
    reg, bench, nail, slow = a["regular"], a["benchmark"], a["nail"], a["long_rhythm"]
    p = {x.name: x for x in PROFILES}
    slip, dip = p["slip"], p["dip"]
    pct = lambda lo_hi: f"{lo_hi[0] * 100:g}–{lo_hi[1] * 100:g} %"  # noqa: E731
    collapse = (
        f"{pct(pop.DECLINE_KEEP)} of its scheduled orders kept (evenly, so the gaps stretch), orders "
        f"{pct(pop.DECLINE_SIZE)} of their size, "
        f"and no order at all after `order_cutoff` ({pop.LAPSE_DAYS[0]}–{pop.LAPSE_DAYS[1]} days before the end of "
        "the collapse quarter, or of the last visible quarter if it collapsed earlier: several usual intervals); "
        f"{p['decline'].visit_rate:g} visits a quarter, survey scores {-p['decline'].survey_shift:g} points lower, "
        "complaints about price/payment/delivery, competitor quotes/visits/promotions/lost listings"
    )
    return {
        "regular": f"Most customers: mostly local or city scope, ~{reg.outlets[0]:.0f} outlets, ~{reg.referrals[0]} "
        f"referrals, surveys around {reg.satisfaction[0]} of 5, "
        f"{reg.lines_held[0]}–{reg.lines_held[1]} product lines, "
        f"{pct(reg.share_of_wallet)} share of wallet, a steady order rhythm (every ~{reg.interval[0]:.0f} days) "
        "with mild growth.",
        "benchmark": "标杆. High influence (scope mostly city/provincial/national, "
        f"~{bench.outlets[0]:.0f} downstream "
        f"outlets, ≥ {bench.referrals[1]} referrals), surveys ~{bench.satisfaction[0]} of 5 for satisfaction and "
        f"~{bench.cooperation[0]} for cooperation, {bench.lines_held[0]}–{bench.lines_held[1]} product lines, "
        f"{pct(bench.share_of_wallet)} share of wallet, steady rhythm (every ~{bench.interval[0]:.0f} days), "
        "positive visits incl. the odd executive visit. Sales are solid, not the biggest.",
        "benchmark_at_risk": "A benchmark (same profile) on the at-risk path: about half slip in the last visible "
        "quarter and collapse in the outcome quarter (`risk_stage` early, like `slipping`), the others collapsed "
        "already (`risk_stage` declining, like `at_risk`). true_tag **at_risk**: defending it comes first; a run "
        "should also set the flag `benchmark_at_risk`.",
        "nail": f"钉子. Potential ≥ {nail.potential[2] / 1e6:.0f} M CNY/yr "
        f"(median {nail.potential[0] / 1e6:.0f} M, the "
        f"top of its region) but {pct(nail.share_of_wallet)} share of wallet for the whole window, "
        f"{nail.lines_held[0]}–{nail.lines_held[1]} product lines, a customer for over 1.5 years, small steady "
        "orders, frequent visits (6 per quarter against 2) with neutral/negative outcomes and escalations to "
        "supervisor/manager. `nail_cause` says why: *trust* (product/service complaints, lower satisfaction), "
        "*competitor* (exclusive offers, promotions and quotes from `competitor`, about one a quarter), *internal* "
        "(topic-`rep` complaints while `complained_rep_id`, another rep of the same region, made the routine "
        "visits; the current rep took over in `rep_change_quarter`, the odd `rep` complaint continues).",
        "at_risk": "危险, already declining (`risk_stage` declining). A healthy customer that slips in "
        "`slip_quarter` (as `slipping` below) and collapses in `collapse_quarter`, the last or second-to-last "
        f"visible quarter: from then on {collapse}. The drop shows against its own history and against the same "
        "quarter last year, and its region does not share it.",
        "slipping": "危险, caught early (`risk_stage` early): the warning a run should give while the customer "
        f"still buys. A steady, frequent buyer (every ~{a['slipping'].interval[0]:.0f} days, few push orders), healthy "
        "until the last visible quarter, its *slip* (`slip_quarter`): it buys "
        f"{pct(pop.SLIP_DEPTH)} of its normal (against the same quarter last year mostly 0.5–0.9: sales are noisy), "
        f"part fewer orders (gaps stretching), part smaller ones, on {slip.basket:.0%} of its product lines (its "
        f"favourites); visits: {slip.visit_rate:g} a quarter (against {p['regular'].visit_rate:g}), more of them "
        "negative; {slip.min_complaints}–{slip.max_complaints} "
        "complaints (price, delivery, service, payment); "
        f"{slip.min_signals}–{slip.max_signals} quotes, visits or promotions from `competitor`; surveys "
        f"{-slip.survey_shift:g} point lower. In the outcome quarter (`collapse_quarter`) it collapses like "
        "`at_risk`: well under a third of its normal, often nothing.",
        "dormant": "No order since `order_cutoff` (in `collapse_quarter`, the quarter before "
        "`planted_since_quarter`, at least three full quarters before the as-of date), after a slip "
        "(`slip_quarter`) and a collapse like an at-risk customer's: a whole slip → collapse → gone episode in "
        "the history. Then visits and surveys taper off, the odd lost listing. true_tag **regular**: "
        "it has already left, so it belongs on a win-back list (flag `dormant`), not on the at-risk watch list; its "
        "zero share of wallet must not make it a nail either.",
        "big_buyer_no_influence": "Confounder for benchmark: the top sales (potential ~10 M, 55–80 % share), but "
        "local scope, ≤ 20 outlets, hardly any referrals and surveys ~3 of 5. true_tag regular.",
        "influential_dissatisfied": "Confounder for benchmark: national/provincial scope, ~180 outlets, referrals, "
        "steady buying, but satisfaction ~1.5 of 5 (survey mean ≤ 2) and more complaints. true_tag regular.",
        "seasonal_dip": "Confounder for at-risk: a regular customer whose own low season is the end quarter's "
        f"quarter of the year ({pop.TROUGH_KEEP:.0%} of its orders kept, {pop.TROUGH_SIZE:.0%} of their size), so it "
        "drops against the previous quarter but not against the same quarter last year. true_tag regular.",
        "isolated_signal": "Confounder for the early warning: a steady regular buyer with exactly one complaint "
        f"(price, delivery, service or payment; {pop.ISOLATED_COMPLAINT:.0%} of them), or else exactly one "
        "competitor `visit` (from `competitor`), in the last visible quarter (`planted_since_quarter`), and nothing "
        "else unusual: sales, visits and surveys as ever. true_tag regular.",
        "long_rhythm": "Confounder for at-risk: a steady buyer with a long natural order interval "
        f"(`order_interval_days`, ~{slow.interval[0]:.0f}, {slow.interval[2]:.0f}–{slow.interval[3]:.0f} days) "
        "and no quarter-end push orders, so two or three months without an order, even a quarter without one, is its "
        "normal. true_tag regular.",
        "recovered": "Confounder for at-risk: slipped a year ago and healed. In `planted_since_quarter` and the "
        f"quarter after it ({pop.RECOVERED_BACK} and {pop.RECOVERED_BACK - 1} quarters before the end quarter) it "
        f"bought {pct(pop.RECOVERED_DIP)} of its normal, with {dip.min_complaints}–{dip.max_complaints} complaints, "
        f"{dip.min_signals}–{dip.max_signals} competitor approaches and colder visits; from then on it buys as "
        "normal, with no complaint or competitor signal at all, through the last visible quarter and the outcome "
        "quarter. true_tag regular.",
        "speculator": f"Buys only in the last 7 days of a quarter ({pop.SPECULATOR_ACTIVE:.0%} of quarters, "
        f"{pop.SPECULATOR_ACTIVE_LATEST:.0%} in the latest and the outcome quarter) at discounts of 30–50 %, "
        "cooperation ~2 of 5: the article's quarter-end dumping buyer. true_tag regular, flag `speculator`.",
        "new_customer": "`since` within the last two quarters (≤ 172 days of history), so few orders and a low "
        "share of wallet, sometimes a high potential: neither a nail (tenure) nor at-risk (no history). true_tag "
        "regular, flag `new_customer`.",
        "rep_complaint": "A healthy regular customer that from `planted_since_quarter` on complains about its "
        "current rep (`complained_rep_id`, topic `rep`, at least one a quarter) and rates that rep's visits poorly. "
        "true_tag regular, flag `rep_change_recommended`.",
    }


def truth_readme(truth: pl.DataFrame, cal: Calendar, seed: int, dip_region: str, scale: str = "") -> str:
    """The README of ``_truth/``: what every archetype is and how it was planted, with this run's counts.

    ``scale`` is a closing section on a non-default size (regions, order density), empty by default.
    """
    counts = dict(truth.group_by("archetype").len().iter_rows())
    tags = dict(truth.group_by("true_tag").len().iter_rows())
    how = _how()
    rows = "\n".join(f"| `{x.name}` | {x.true_tag} | {counts.get(x.name, 0)} | {how[x.name]} |" for x in ARCHETYPES)
    dip_drop = 1 - pop.DIP_KEEP * pop.DIP_SIZE
    tag_line = ", ".join(f"{t} {tags.get(t, 0)}" for t in TAGS)
    stages = dict(truth.group_by("risk_stage").len().drop_nulls().iter_rows())
    end, nxt = cal.quarters[cal.last], cal.quarters[cal.outcome]
    return f"""# Planted truth of this sample

Generated by `tagkit.sample.generate_sample` (seed {seed}) for {cal.quarters[0]}–{end}
(as of {end}'s last day). Intake ignores this folder; use it to score a run.

`planted.parquet` has one row per customer:

| column | meaning |
|---|---|
| customer_id, region | as in customers.csv |
| true_tag | benchmark, nail, at_risk or regular as of {end} |
| archetype | the finer story planted (below) |
| nail_cause | trust, competitor or internal (nails only) |
| expected_flags | prescription flags a perfect run would set (benchmark_at_risk, dormant, speculator, \
new_customer, rep_change_recommended) |
| planted_since_quarter | the quarter the planted behaviour starts (an at-risk customer's slip, the first quarter \
without orders, the first complaint quarter, a recovered customer's first dip quarter, an isolated signal's quarter, \
the `since` quarter); the first quarter for standing traits; null for plain regulars |
| complained_rep_id | the rep complained about (internal nails: a former rep; rep_complaint: the current rep) |
| rep_change_quarter | internal nails: the quarter the current rep took over from `complained_rep_id` |
| competitor | the competitor courting the customer (competitor nails, at-risk and recovered customers, an \
isolated signal's visit) |
| in_dip_region | the customer is in {dip_region}, the region whose sales dip as a whole in {end} (and on in {nxt}) |
| planted_share_of_wallet | the share of wallet the amounts were drawn around (realised values differ) |
| order_interval_days | the customer's usual days between orders (null for speculators) |
| order_cutoff | at-risk and dormant customers: no order after this day (in {nxt} for those collapsing there) |
| risk_stage | at-risk customers: `early` (slipping in {end}, collapsing in {nxt}: still buying, with warning signs) \
or `declining` (collapsed in {end} or the quarter before: a run sees the drop) |
| slip_quarter | at-risk and dormant customers: the quarter they slipped (bought less, complained, were courted) |
| collapse_quarter | at-risk and dormant customers: the quarter their buying collapsed (may be {nxt}) |

True tags in this run: {tag_line}. At-risk stages: early {stages.get("early", 0)}, \
declining {stages.get("declining", 0)}.

## The outcome quarter

The generator makes one quarter more than the data shows: {nxt}, the quarter after the as-of date.
Its order lines are in `next_quarter/orders.parquet` (the contract's order columns, as `orders/`);
nothing in the visible data is dated after {end}'s last day. Every planted story carries on into it:
regular customers keep buying, dormant ones stay gone, declining at-risk customers buy nothing, early
ones collapse, speculators raid, the {dip_region} dip goes on, recovered customers stay well. Use it to
measure a warning forward (a tag is judged by what happens next): did a customer tagged at-risk as of {end} \
buy much less
in {nxt}? Its other events (visits, feedback, signals) are not written.

## Archetypes

| archetype | true_tag | customers | how it is planted |
|---|---|---|---|
{rows}

## Effects shared by whole regions (not customer behaviour)

- Spring Festival: every region's Q1 is lower (×{min(ref.Q1_FACTOR.values())} to ×{max(ref.Q1_FACTOR.values())}):
  no orders for {min(ref.CNY_BREAK_DAYS.values())}–{max(ref.CNY_BREAK_DAYS.values())} days from about 21 January
  (longest in the north-east), smaller orders for the rest of the quarter. Q4 is slightly higher.
- Quarter-end push: every customer outside the speculators gets extra orders in the last two weeks of each
  quarter, at slightly higher discounts.
- {dip_region}: every customer's orders in {end} are down about {dip_drop:.0%} (fewer and smaller orders), and in
  {nxt} too.
  None of these should make a customer at-risk; a scorer should compare a customer with its region.

## Who visits

Routine visits are made by the customer's rep (for internal nails, by `complained_rep_id` until
`rep_change_quarter`), supervisor visits by that rep's supervisor, manager and executive visits by the
region's regional manager (who accompanies the executive).

## Noise

Order lines vary in size (lognormal), 1.5 % of lines are returns (negative quantity and amount, no discount),
regular customers complain now and then (including the odd single `rep` complaint), see competitors now and
then, and answer surveys with ±0.5 noise; 4 % of surveys leave cooperation empty, complaints carry no scores.
{scale}"""
