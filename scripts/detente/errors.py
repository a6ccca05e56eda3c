"""Error hierarchy: every message says where (file, line, record) and what is wrong."""

from __future__ import annotations


class DetenteError(Exception):
    """Base of all errors the pipeline raises on bad input or a refused action."""


class InputError(DetenteError):
    """A source file (raw article, metadata, correction, annotation) is malformed."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}")


class SchemaError(InputError):
    """A record does not validate against its JSON Schema."""


class OffsetError(InputError):
    """Offsets do not reproduce the text they claim to cover."""


class SplitError(DetenteError):
    """The split manifest and the documented split rule disagree."""


class ReleaseExistsError(DetenteError):
    """A published version would change in place."""
