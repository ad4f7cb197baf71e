"""influx.vocabulary written into SQL when a file is opened, so that SQL and Python read one
definition: the views `vocabulary` and `constants` of the data model are made from its vocabularies
and constants (model/00_vocabulary.sql, model/01_constants.sql), and a model file that uses a
threshold names it `{constants.NAME}`, written in as its literal (0.05, 7, ...)."""

from __future__ import annotations

import math
import re

from influx.vocabulary import CONSTANTS, VOCABULARIES


def _literal(value: str | int | float) -> str:
    """A SQL literal of the same value: text quoted, numbers as Python writes them (0.05 stays the
    DECIMAL literal 0.05 it was in the SQL, 10 an INTEGER)."""
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"not a constant SQL can hold: {value!r}")
    return repr(value)


def vocabulary_rows() -> str:
    """The VALUES rows of the view `vocabulary`: (column_name, value, meaning, pattern)."""
    return ",\n    ".join(
        "(" + ", ".join(_literal(x) for x in (column, str(word), word.meaning, word.pattern)) + ")"
        for vocabulary, column in VOCABULARIES.items()
        for word in vocabulary
    )


def constant_columns() -> str:
    """The SELECT list of the view `constants`: one column per constant."""
    return ",\n    ".join(f"{_literal(value)} AS {name}" for name, value in CONSTANTS.as_dict().items())


def fill(text: str) -> str:
    """A model file with {vocabulary}, {constants} and each {constants.NAME} written in (a name that is
    not a constant: KeyError)."""
    values = CONSTANTS.as_dict()
    text = re.sub(r"\{constants\.(\w+)\}", lambda m: _literal(values[m.group(1)]), text)
    return text.replace("{vocabulary}", vocabulary_rows()).replace("{constants}", constant_columns())
