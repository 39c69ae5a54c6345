"""The ontology files (Turtle), shipped as package data; `policykg.core.ontology` loads them.

Found through `importlib.resources`, so a wheel installed anywhere reads the same files as a
checkout.
"""

from importlib.resources import files
from importlib.resources.abc import Traversable

ONTOLOGY_FILES = ("policykg.ttl", "schemes.ttl", "words.ttl")
SHAPES_NAME = "shapes.ttl"


def ontology_file(name: str) -> Traversable:
    """One of this package's Turtle files (`policykg.ttl`, `schemes.ttl`, `shapes.ttl`)."""
    return files(__name__) / name


def read_turtle(name: str) -> str:
    """The text of one of this package's Turtle files."""
    return ontology_file(name).read_text(encoding="utf-8")
