"""Request parameters that more than one router takes."""

from __future__ import annotations

import enum
from typing import Annotated

from fastapi import Query

from policykg.core.ontology import load_ontology

# Node labels come from the ontology; as an enum they are validated and listed in /docs.
NodeLabel = enum.Enum("NodeLabel", {lb: lb for lb in sorted(load_ontology().node_labels)}, type=str)

AsOf = Annotated[str | None, Query(alias="as_of", pattern=r"^\d{4}-\d{2}-\d{2}$",
                                   description="rules and facts in force on this date")]
