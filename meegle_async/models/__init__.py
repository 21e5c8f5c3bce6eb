"""Models: frozen attrs classes with the server's key names, built by one cattrs converter."""

from .base import MeegleModel, converter, structure, structure_list, to_dict
from .common import FieldValuePair, Pagination, RoleOwner, Schedule, input_json, input_json_list

__all__ = [
    "FieldValuePair",
    "MeegleModel",
    "Pagination",
    "RoleOwner",
    "Schedule",
    "converter",
    "input_json",
    "input_json_list",
    "structure",
    "structure_list",
    "to_dict",
]
