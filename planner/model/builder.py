"""Scenario -> CP-SAT model: variables, one builder per rule kind, objective terms.

The only place (with planner.solver) that knows CP-SAT types.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from planner.model import objective
from planner.model.rules import add_rules
from planner.model.variables import IntVar, LinExpr, Variables, build_variables
from planner.scenario import Scenario


@dataclass
class BuiltModel:
    model: cp_model.CpModel
    vars: Variables
    literals: dict[str, IntVar] = field(default_factory=dict)  # rule id -> enforcement literal
    terms: dict[str, LinExpr] = field(default_factory=dict)  # objective term -> expression

    def size(self) -> dict[str, int]:
        proto = self.model.proto
        return {"variables": len(proto.variables), "constraints": len(proto.constraints)}


def build_model(
    sc: Scenario,
    *,
    enforce_rules: bool = True,
    with_objective: bool = True,
    drop: Collection[str] = (),
) -> BuiltModel:
    """Build the model. ``enforce_rules``: every rule literal is fixed true, except those of
    the rule ids in ``drop``; otherwise all literals are left free for assumptions
    (explanations, relaxations). A free literal is a dropped rule."""
    m = cp_model.CpModel()
    v = build_variables(sc, m)
    built = BuiltModel(model=m, vars=v)

    def literal_for(rule_id: str) -> IntVar:
        lit = m.new_bool_var(f"rule[{rule_id}]")
        built.literals[rule_id] = lit
        if enforce_rules and rule_id not in drop:
            m.add(lit == 1)
        return lit

    add_rules(v, literal_for)
    if with_objective:
        for term in sc.objective.terms:
            built.terms[term] = objective.TERMS[term](v)
        built.terms["tidy_people"] = objective.tidy_people(v)
        built.terms["tidy_hours"] = objective.tidy_hours(v)
    return built
