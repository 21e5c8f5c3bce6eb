"""Models: frozen attrs classes with the server's key names, built by one cattrs converter."""

from .base import MeegleModel, converter, structure, structure_list, to_dict
from .common import FieldValuePair, Pagination, RoleOwner, Schedule, input_json, input_json_list
from .fields import (
    FieldOption,
    OptionAction,
    OptionUpdate,
    SimpleField,
    TeamDataScope,
    TeamOption,
)
from .tasks import NodeTask, SubTask, TaskSearchItem, TaskSearchPage

__all__ = [
    "FieldOption",
    "FieldValuePair",
    "MeegleModel",
    "NodeTask",
    "OptionAction",
    "OptionUpdate",
    "Pagination",
    "RoleOwner",
    "Schedule",
    "SimpleField",
    "SubTask",
    "TaskSearchItem",
    "TaskSearchPage",
    "TeamDataScope",
    "TeamOption",
    "converter",
    "input_json",
    "input_json_list",
    "structure",
    "structure_list",
    "to_dict",
]
