"""Scenario -> CP-SAT model: variables, one builder per rule class, objective terms.

The only place (with planner.solver) that knows CP-SAT types.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from planner.model import objective
from planner.model.rules import add_rules
from planner.model.variables import IntVar, LinExpr, Variables, build_variables
from planner.record import ExecutionRecord
from planner.scenario import Scenario


@dataclass
class BuiltModel:
    model: cp_model.CpModel
    vars: Variables
    literals: dict[str, IntVar] = field(default_factory=dict)  # rule id -> enforcement literal
    terms: dict[str, LinExpr] = field(default_factory=dict)  # objective term -> expression
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)  # rule id -> constraints

    def size(self) -> dict[str, int]:
        proto = self.model.proto
        return {"variables": len(proto.variables), "constraints": len(proto.constraints)}

    def assume(self, rule_ids: Collection[str]) -> None:
        """Assume the rules ``rule_ids`` (CP-SAT assumptions, for a conflict core) and switch
        every other rule off: a rule switched off is a rule deleted from the file."""
        wanted = set(rule_ids)
        for rid, lit in self.literals.items():
            if rid not in wanted:
                self.model.add(lit == 0)
        self.model.add_assumptions([lit for rid, lit in self.literals.items() if rid in wanted])


def build_model(
    sc: Scenario,
    *,
    enforce_rules: bool = True,
    with_objective: bool = True,
    record: ExecutionRecord | None = None,
) -> BuiltModel:
    """Build the model. ``enforce_rules``: every rule literal is fixed true; otherwise the
    literals are left for ``BuiltModel.assume``. To drop a rule, delete it from the scenario
    (``Scenario.without``) and build again. ``record``: its stages are fixed as the first
    slots and the rest is planned from its ``now_hour`` (``sc`` must hold every recorded
    person: ``planner.record.effective_scenario``)."""
    m = cp_model.CpModel()
    v = build_variables(sc, m, record)
    built = BuiltModel(model=m, vars=v)

    def literal_for(rule_id: str) -> IntVar:
        lit = m.new_bool_var(f"rule[{rule_id}]")
        if enforce_rules:
            m.add(lit == 1)
        return lit

    built.literals = add_rules(v, literal_for, all_enforced=enforce_rules, spans=built.spans)
    if with_objective:
        for term in sc.objective_terms:
            built.terms[term] = objective.TERMS[term](v)
        built.terms["tidy_people"] = objective.tidy_people(v)
        built.terms["tidy_hours"] = objective.tidy_hours(v)
    return built
