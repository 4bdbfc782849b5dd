"""``score_risk`` as a probability learned on the company's own history, or the documented weights.

**The model.** A logistic regression on the risk signals (:mod:`tagkit.scoring.risk_signals`):
``log-odds = intercept + sum(weight × signal)``, ``score_risk = 100 × the probability`` that the
customer goes bad next quarter. Each weight may only point the way ``params/scoring.yaml`` states
for its signal (``direction: up`` — more of it, more risk — weights at or above zero; ``down`` at
or below), so a complaint or a competitor signal can never lower a customer's risk, and every
customer's reasons are its largest additive contributions (``weight × signal``, in log-odds).

**Learning, rolling origin.** The model that scores quarter ``v`` learns only from quarters before
``v`` whose next quarter is known by ``v``'s last day: the customers judged then (the back-test's
population), their signals as of that quarter's last day, and whether they went bad in the quarter
after. The most recent ``model.max_training_quarters`` quarters are used, at most
``model.max_training_rows`` rows (every n-th row in a fixed order beyond that). The fit is L2-penalised
maximum likelihood on standardised signals (penalty ``model.penalty`` on the standardised weights, none
on the intercept), bounded by the directions, with SciPy's L-BFGS-B: deterministic, so the same
history gives the same weights.

**Fallback.** With fewer than ``model.min_training_quarters`` such quarters, or fewer than
``model.min_outcomes`` customers that went bad (or that did not), nothing can be learned honestly:
the documented weights of ``params/scoring.yaml`` (``risk.signals.<name>.weight``, ``risk.intercept``)
score instead, and the model says why (``source: documented``, ``reason``). The report and the
manifest show which was used.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy.optimize import minimize

from tagkit.params import ScoringParams
from tagkit.scoring.risk_signals import SIGNALS

logger = logging.getLogger(__name__)

LEARNED, DOCUMENTED = "learned", "documented"


def terms(p: ScoringParams) -> dict[str, tuple[str, float | None]]:
    """The model's terms: name → (signal, step). A plain signal is one term (weight per unit); a signal
    with ``steps`` is one term per step (weight once the signal reaches it), named ``signal>=step``."""
    out: dict[str, tuple[str, float | None]] = {}
    for s in SIGNALS:
        steps = getattr(p.risk.signals, s).steps
        out.update({f"{s}>={k:g}": (s, k) for k in steps} if steps else {s: (s, None)})
    return out


def _term(signal: str, step: float | None, column: str | None = None) -> pl.Expr:
    value = pl.col(column or f"risk_{signal}").cast(pl.Float64)
    return value if step is None else (value >= step).cast(pl.Float64)


@dataclass(frozen=True)
class RiskModel:
    """The weights that score one quarter (``vintage``, a quarter index) and how they came about.

    ``weights`` are per term (:func:`terms`: a signal, or a step of one). ``training`` describes
    what was learned from: ``quarters`` (labels), ``rows``, ``went_bad``, ``base_rate``; ``reason``
    says why the documented weights were used, when they were.
    """

    vintage: int
    source: str
    intercept: float
    weights: dict[str, float]
    training: dict[str, object] = field(default_factory=dict)
    reason: str | None = None
    centres: dict[str, float] = field(default_factory=dict)  # each term's mean over the rows learned from

    def contribution(self, signal: str, column: str | None = None) -> pl.Expr:
        """The signal's additive part of the log-odds (0 where the signal is null: it drops out).

        ``column`` reads the signal's value from another column (the steady warning signs).
        """
        parts = [pl.lit(w) * _term(*_parse(name), column) for name, w in self.weights.items()
                 if _parse(name)[0] == signal]
        return (pl.sum_horizontal(parts) if parts else pl.lit(0.0)).fill_null(0.0)

    def _typical(self, signal: str) -> pl.Expr:
        """The signal's contribution for a typical customer (its terms at their means over the rows learned from)."""
        return pl.lit(sum(w * self.centres.get(name, 0.0) for name, w in self.weights.items()
                          if _parse(name)[0] == signal))

    def log_odds(self, *, without: tuple[str, ...] = ()) -> pl.Expr:
        """The log-odds; signals in ``without`` count as a typical customer's, and the warning signs are
        counted without them (``risk_warning_signs_steady``, made for
        :data:`~tagkit.scoring.risk_signals.RHYTHM`)."""
        parts = []
        for s in SIGNALS:
            if s in without:
                parts.append(self._typical(s))
            elif s == "warning_signs" and without:
                parts.append(self.contribution(s, column="risk_warning_signs_steady"))
            else:
                parts.append(self.contribution(s))
        return pl.lit(self.intercept) + pl.sum_horizontal(parts)

    def probability(self, *, without: tuple[str, ...] = ()) -> pl.Expr:
        """``score_risk``: 100 × the probability of going bad next quarter, from the ``risk_<signal>`` columns."""
        return 100.0 / (1.0 + (-self.log_odds(without=without)).exp())

    def summary(self) -> dict[str, object]:
        """Plain JSON-safe values, for the manifest and the report."""
        return {
            "vintage": _label(self.vintage), "source": self.source, "reason": self.reason,
            "intercept": round(self.intercept, 6), "weights": {k: round(v, 6) for k, v in self.weights.items()},
            "typical": {k: round(v, 6) for k, v in self.centres.items()},
            "training": self.training,
        }


def _label(qi: int) -> str:
    return f"{qi // 4}Q{qi % 4 + 1}"


def _parse(name: str) -> tuple[str, float | None]:
    signal, _, step = name.partition(">=")
    return signal, float(step) if step else None


def documented_model(p: ScoringParams, *, vintage: int, reason: str | None = None,
                     training: dict[str, object] | None = None, centres: dict[str, float] | None = None) -> RiskModel:
    """The weights written in ``params/scoring.yaml``."""
    weights = {name: _signed(getattr(p.risk.signals, s).weight, getattr(p.risk.signals, s).direction)
               for name, (s, _) in terms(p).items()}
    return RiskModel(vintage=vintage, source=DOCUMENTED, intercept=p.risk.intercept, weights=weights,
                     training=training or {}, reason=reason, centres=centres or {})


def _signed(weight: float, direction: str) -> float:
    return -abs(weight) if direction == "down" else abs(weight)


def _design(rows: pl.DataFrame, names: dict[str, tuple[str, float | None]]) -> tuple[np.ndarray, np.ndarray]:
    x = rows.select(_term(s, k).fill_null(0.0).fill_nan(0.0).alias(n) for n, (s, k) in names.items()).to_numpy()
    y = rows["went_bad"].cast(pl.Float64).to_numpy()
    return x, y


def _fit(x: np.ndarray, y: np.ndarray, bounds: list[tuple[float | None, float | None]],
         penalty: float) -> tuple[float, np.ndarray]:
    """Intercept and weights (on the scale of ``x``) of the bounded, L2-penalised logistic regression."""
    n = len(y)
    scale = x.std(axis=0)
    usable = scale > 1e-12
    z = np.where(usable, (x - x.mean(axis=0)) / np.where(usable, scale, 1.0), 0.0)
    # a signal that never varies carries no information: its weight stays 0
    box = [(0.0, 0.0) if not ok else b for b, ok in zip(bounds, usable, strict=True)]
    start = np.zeros(1 + x.shape[1])
    prior = y.mean()
    start[0] = np.log(prior / (1 - prior))

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        eta = theta[0] + z @ theta[1:]
        # log(1 + e^eta) - y*eta, written to stay finite for large |eta|
        value = np.logaddexp(0.0, eta) - y * eta
        resid = 1.0 / (1.0 + np.exp(-eta)) - y
        grad = np.concatenate([[resid.sum()], z.T @ resid]) / n
        grad[1:] += penalty * theta[1:]
        return value.sum() / n + 0.5 * penalty * float(theta[1:] @ theta[1:]), grad

    fitted = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=[(None, None), *box],
                      options={"maxiter": 500, "ftol": 1e-10, "gtol": 1e-7})
    weights = np.where(usable, fitted.x[1:] / np.where(usable, scale, 1.0), 0.0)
    intercept = float(fitted.x[0] - (weights * x.mean(axis=0)).sum())
    return intercept, weights


def fit_risk_model(rows: pl.DataFrame, *, vintage: int, p: ScoringParams) -> RiskModel:
    """The model that scores quarter index ``vintage``, learned from ``rows`` (or the documented weights).

    ``rows``: the training rows (quarters before ``vintage``, customers judged then) with ``qi``,
    ``customer_id``, every ``risk_<signal>`` and ``went_bad``. The caller chooses the quarters
    (:func:`training_quarters`); this function only checks there are enough and learns.
    """
    m = p.risk.model
    quarters = sorted(rows["qi"].unique().to_list()) if rows.height else []
    went_bad = int(rows["went_bad"].sum()) if rows.height else 0
    training: dict[str, object] = {
        "quarters": [_label(q) for q in quarters], "rows": rows.height, "went_bad": went_bad,
        "base_rate": round(went_bad / rows.height, 6) if rows.height else None,
    }
    ordered = rows.sort("qi", "customer_id")
    names = terms(p)
    centres = (dict(zip(names, _design(ordered, names)[0].mean(axis=0).round(9).tolist(), strict=True))
               if ordered.height else {})
    if not m.learn:
        return documented_model(p, vintage=vintage, reason="learning is switched off (risk.model.learn: false)",
                                training=training, centres=centres)
    if len(quarters) < m.min_training_quarters:
        return documented_model(p, vintage=vintage, training=training, centres=centres, reason=(
            f"{len(quarters)} earlier quarter(s) with a known next quarter; {m.min_training_quarters} are needed"))
    if min(went_bad, rows.height - went_bad) < m.min_outcomes:
        return documented_model(p, vintage=vintage, training=training, centres=centres, reason=(
            f"{went_bad} customers went bad and {rows.height - went_bad} did not in the quarters learned from; "
            f"at least {m.min_outcomes} of each are needed"))
    if ordered.height > m.max_training_rows:
        step = -(-ordered.height // m.max_training_rows)
        ordered = ordered.gather_every(step)
        training["rows_used"] = ordered.height
    x, y = _design(ordered, names)
    bounds: list[tuple[float | None, float | None]] = [
        (None, 0.0) if getattr(p.risk.signals, s).direction == "down" else (0.0, None) for s, _ in names.values()]
    intercept, weights = _fit(x, y, bounds, m.penalty)
    logger.info("risk model for %s learned from %d rows of %s", _label(vintage), ordered.height, training["quarters"])
    return RiskModel(vintage=vintage, source=LEARNED, intercept=intercept,
                     weights={n: float(w) for n, w in zip(names, weights, strict=True)}, training=training,
                     centres=centres)


def training_quarters(vintage: int, *, first: int, p: ScoringParams) -> range:
    """Quarter indices whose rows may teach the model of ``vintage``: before it, their next quarter known
    by ``vintage``'s last day, the most recent ``risk.model.max_training_quarters``, none before ``first``."""
    return range(max(first, vintage - p.risk.model.max_training_quarters), vintage)
