"""One typed, frozen params model per concern, loaded from ``params/*.yaml``.

``params/<section>.yaml`` holds the defaults of one section (``io.yaml`` →
``Params.io``, modelled in :mod:`tagkit.params.io`); a user's ``--params FILE`` is a
partial YAML with the same sections, merged on top (:mod:`tagkit.params.load`). Unknown
keys, missing keys and wrong types are all reported together in one
:class:`~tagkit.errors.ParamsError`.

>>> params = load_params(project_root() / "params")     # doctest: +SKIP
>>> params.report.language
'zh'
"""
from __future__ import annotations

from tagkit.params.backtest import BacktestParams
from tagkit.params.io import IOParams
from tagkit.params.load import OPEN_MAPPINGS, load_params, parse_params, with_changes
from tagkit.params.model import SECTIONS, Params
from tagkit.params.playbook import Action, ActionCondition, PlaybookParams
from tagkit.params.prescription import PrescriptionParams, RadiationParams, SpeculatorParams, VisitPlanParams
from tagkit.params.reasons import ReasonParams
from tagkit.params.report import ReportParams
from tagkit.params.scoring import ScoringParams, WindowParams
from tagkit.params.types import Band, ReasonText
from tagkit.params.validation import ValidationParams
from tagkit.params.vocabulary import LADDER, PRESCRIPTION_FLAGS, Flag, Tag

__all__ = [
    "LADDER", "OPEN_MAPPINGS", "PRESCRIPTION_FLAGS", "SECTIONS", "Action", "ActionCondition", "BacktestParams",
    "Band", "Flag", "IOParams", "Params", "PlaybookParams", "PrescriptionParams", "RadiationParams", "ReasonParams",
    "ReasonText", "ReportParams", "ScoringParams", "SpeculatorParams", "Tag", "ValidationParams", "VisitPlanParams",
    "WindowParams", "load_params", "parse_params", "with_changes",
]
