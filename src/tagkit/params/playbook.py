"""``params/playbook.yaml``: the strategy per tag and the actions that carry it out."""
from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, model_validator

from tagkit.contract import TAGS
from tagkit.lang import LANGUAGES
from tagkit.params.prescription import PrescriptionReasonParams
from tagkit.params.reasons import ReasonParams
from tagkit.params.types import ReasonText, Share, _Frozen
from tagkit.params.vocabulary import (
    Cause,
    Criterion,
    Decision,
    Defence,
    Flag,
    Level,
    ShowcaseBasis,
    SignalKind,
    Tag,
    Topic,
)


class ActionCondition(_Frozen):
    """Holds when every key given matches (a list key: the customer has any of the values)."""

    reasons: list[str] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    causes: list[Cause] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)
    defences: list[Defence] = Field(default_factory=list)
    levels: list[Level] = Field(default_factory=list)
    missing: list[Criterion] = Field(default_factory=list)
    showcase: list[ShowcaseBasis] = Field(default_factory=list)
    topics: list[Topic] = Field(default_factory=list)
    signals: list[SignalKind] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty(self) -> ActionCondition:
        if not any(getattr(self, k) for k in type(self).model_fields):
            raise ValueError("a condition needs at least one key (an action without `when` applies always)")
        return self


class Action(_Frozen):
    """One playbook action: for customers of ``tags`` when any ``when`` condition holds (none: always)."""

    tags: Annotated[list[Tag], Field(min_length=1)]
    priority: int
    zh: str
    en: str
    when: list[ActionCondition] = Field(default_factory=list)
    fallback: bool = False
    # on the action list (actions/<region>.xlsx) to be done within this many days of the quarter's last day;
    # None: an ongoing way of working, not a task with a deadline, so not listed
    due_days: Annotated[int, Field(ge=0)] | None = None
    # who carries it out: the customer's rep, or the nail's escalation lead (the rep where there is none)
    owner: Literal["rep", "lead"] = "rep"


class TagText(_Frozen):
    benchmark: ReasonText
    nail: ReasonText
    at_risk: ReasonText
    regular: ReasonText


ACTION_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


class LeadWords(_Frozen):
    """What ``{lead}`` in an action's text reads, per rung of the ladder; ``any`` where the rung is not known."""

    rep: ReasonText
    supervisor: ReasonText
    regional_manager: ReasonText
    executive: ReasonText
    any: ReasonText


ACTION_PLACEHOLDERS = ("lead",)


class PlaybookParams(_Frozen):
    """Strategy per tag and the actions that carry it out (params/playbook.yaml)."""

    strategies: TagText
    actions: dict[str, Action]
    leads: LeadWords
    # share (0..1) of at-risk customers drawn at random each quarter to get no action (flag `holdout`), so
    # that the next report can tell what the defences changed; 0: none
    holdout_share: Share = 0.0

    @model_validator(mode="after")
    def _codes_known_and_every_tag_served(self) -> PlaybookParams:
        problems = [f"action code '{c}' must be lower_snake_case" for c in self.actions if not ACTION_CODE.match(c)]
        known = set(ReasonParams.model_fields) | set(PrescriptionReasonParams.model_fields)
        for code, action in self.actions.items():
            unknown = sorted({r for w in action.when for r in w.reasons} - known)
            if unknown:
                problems.append(f"action '{code}': unknown reason code(s) {unknown}")
            for lang in LANGUAGES:
                names = sorted(set(re.findall(r"\{(\w*)\}", getattr(action, lang))) - set(ACTION_PLACEHOLDERS))
                if names:
                    problems.append(f"action '{code}'.{lang}: unknown placeholder(s) {names} "
                                    f"(only {{{', '.join(ACTION_PLACEHOLDERS)}}})")
        for tag in TAGS:
            if not any(tag in a.tags and (a.fallback or not a.when) for a in self.actions.values()):
                problems.append(f"tag '{tag}' needs an action without `when` or with `fallback: true`, "
                                "so that every customer gets at least one action")
        if problems:
            raise ValueError("; ".join(problems))
        return self
