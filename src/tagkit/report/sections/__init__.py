"""One module per report section; each exposes ``build(ctx) -> Section``, in page order in :data:`BUILDERS`
(:mod:`.lists` is not a section: the lists of flagged customers that sections share)."""
from __future__ import annotations

from tagkit.report.sections import (
    abc,
    actions,
    at_risk,
    benchmarks,
    geo,
    headline,
    history,
    nails,
    notes,
    reps,
    trust,
)

BUILDERS = (headline, abc, at_risk, nails, benchmarks, reps, actions, geo, history, trust, notes)
