"""The fake's relations, hung off the ``Store`` lazily: work item relation definitions, space
association rules and bindings, story relations.

Association rules are made on first use: for every two spaces and every enabled work item type
both have, one rule each way (``"<here>:<there>:<type>"``). A binding is symmetric: binding B to
A under the rule A→B also binds A to B under the rule B→A, and unbinding removes both.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

from .rules import JSON
from .store import Store

__all__ = ["Binding", "RelationState", "relation_state"]


@dataclass(frozen=True)
class Binding:
    """Work item ``to`` bound to work item ``frm`` under rule ``rule_id`` (seen from ``frm``)."""

    rule_id: str
    frm: int
    to: int


@dataclass
class RelationState:
    """Relations of one fake: definitions by id, rules by id, bindings, story links."""

    relations: dict[str, JSON] = field(default_factory=dict)
    rules: dict[str, JSON] = field(default_factory=dict)
    bindings: list[Binding] = field(default_factory=list)
    story_links: dict[int, list[int]] = field(default_factory=dict)

    def build_rules(self, store: Store) -> None:
        """Make the association rules between every two spaces (once)."""
        if self.rules:
            return
        for here in store.spaces.values():
            for there in store.spaces.values():
                if here.project_key == there.project_key:
                    continue
                for key, conf in here.types.items():
                    other = there.types.get(key)
                    if conf.disabled or other is None or other.disabled:
                        continue
                    rule_id = f"{here.project_key}:{there.project_key}:{key}"
                    self.rules[rule_id] = {
                        "id": rule_id,
                        "name": f"{here.name} {conf.name} - {there.name} {other.name}",
                        "disabled": 0,
                        "work_item_relation_id": "",
                        "work_item_relation_name": "",
                        "current_work_item_type_key": key,
                        "current_work_item_type_name": conf.name,
                        "remote_work_item_type_key": key,
                        "remote_work_item_type_name": other.name,
                        "chat_group_merge": 0,
                        "_project_key": here.project_key,
                        "_remote_project_key": there.project_key,
                    }

    @staticmethod
    def mirror_rule_id(rule_id: str) -> str:
        """The id of the same rule seen from the other space."""
        here, there, key = rule_id.split(":", 2)
        return f"{there}:{here}:{key}"

    def bind(self, rule_id: str, frm: int, to: int) -> None:
        """Bind both ways."""
        self.bindings.append(Binding(rule_id, frm, to))
        self.bindings.append(Binding(self.mirror_rule_id(rule_id), to, frm))

    def unbind(self, binding: Binding) -> None:
        """Remove a binding and its mirror."""
        mirror = Binding(self.mirror_rule_id(binding.rule_id), binding.to, binding.frm)
        self.bindings = [b for b in self.bindings if b not in (binding, mirror)]


_STATES: weakref.WeakKeyDictionary[Store, RelationState] = weakref.WeakKeyDictionary()


def relation_state(store: Store) -> RelationState:
    """The relations of ``store`` (rules made on first use)."""
    state = _STATES.get(store)
    if state is None:
        state = _STATES[store] = RelationState()
    state.build_rules(store)
    return state
