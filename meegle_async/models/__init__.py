"""Models: frozen attrs classes with the server's key names, built by one cattrs converter."""

from .base import MeegleModel, converter, structure, structure_list, to_dict

__all__ = ["MeegleModel", "converter", "structure", "structure_list", "to_dict"]
