"""Scenario input schema (pydantic v2).

A scenario is plain, validated data: people in cohorts, withdrawal lines, places and routes, and a
list of rules, each with an ``id`` unique in the scenario. Nothing here knows about the solver or
the route graph. The format is documented in ``docs/scenario-format.md``; ``planner schema``
prints the JSON Schema.

- ``base``: ids, hours, limits, the strict base class
- ``people``, ``places``: cohorts and members; places, routes, withdrawal lines
- ``rules``: THE RULE CATALOGUE, one class per rule kind
- ``scenario``: the whole, and the cross-reference pass
- ``settings``: the objective and the solver settings

Time is in whole hours from t=0 (the cease-fire start).
"""

from __future__ import annotations

from planner.scenario.base import *  # noqa: F403
from planner.scenario.base import Problem, ScenarioProblems, Strict, names
from planner.scenario.people import HostageCohort, Member, PrisonerCohort
from planner.scenario.places import Place, Route, WithdrawalLine
from planner.scenario.rules import *  # noqa: F403
from planner.scenario.rules import RULE_CLASSES, RULE_KINDS, Rule, RuleBase
from planner.scenario.scenario import Scenario, cross_check, estimated_size
from planner.scenario.settings import DEFAULT_OBJECTIVE, Objective, ObjectiveTerm, SolverSettings

__all__ = [
    "DEFAULT_OBJECTIVE",
    "HostageCohort",
    "Member",
    "Objective",
    "ObjectiveTerm",
    "Place",
    "PrisonerCohort",
    "Problem",
    "RULE_CLASSES",
    "RULE_KINDS",
    "Route",
    "Rule",
    "RuleBase",
    "Scenario",
    "ScenarioProblems",
    "SolverSettings",
    "Strict",
    "WithdrawalLine",
    "cross_check",
    "estimated_size",
    "names",
]
