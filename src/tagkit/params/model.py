"""All the params as one typed model, :class:`Params`: one field per ``params/<section>.yaml``."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import ValidationError, model_validator

from tagkit.params.backtest import BacktestParams
from tagkit.params.io import IOParams
from tagkit.params.playbook import PlaybookParams
from tagkit.params.prescription import PrescriptionParams
from tagkit.params.reasons import ReasonParams
from tagkit.params.report import ReportParams
from tagkit.params.scoring import ScoringParams
from tagkit.params.types import _Frozen
from tagkit.params.validation import ValidationParams


class Params(_Frozen):
    io: IOParams
    validation: ValidationParams
    scoring: ScoringParams
    backtest: BacktestParams
    report: ReportParams
    reasons: ReasonParams
    prescription: PrescriptionParams
    playbook: PlaybookParams

    @model_validator(mode="before")
    @classmethod
    def _scoring_gets_the_reason_wording(cls, data: Any) -> Any:
        # score_customers takes ScoringParams only, so the wording of reasons.yaml travels inside it;
        # an invalid reasons section is reported once, under 'reasons', not again under 'scoring'
        if not isinstance(data, dict) or not isinstance(data.get("scoring"), dict):
            return data
        try:
            wording = ReasonParams.model_validate(data["reasons"])
        except (KeyError, ValidationError):
            wording = ReasonParams.model_construct()
        currency = data.get("report", {}).get("currency") if isinstance(data.get("report"), dict) else None
        handed = {"reasons": wording, **({"currency": currency} if isinstance(currency, dict) else {})}
        return {**data, "scoring": {**data["scoring"], **handed}}

    def digest(self) -> str:
        """A stable hash of the params, for the manifest and for skipping unchanged work."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()


SECTIONS = tuple(Params.model_fields)
