"""The ontology files (Turtle). `policykg.ontology` loads them."""

from pathlib import Path

ONTOLOGY_DIR = Path(__file__).resolve().parent
ONTOLOGY_FILES = ("policykg.ttl", "schemes.ttl")
SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"
