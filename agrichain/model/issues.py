"""Located issues from the validation of one record."""

from __future__ import annotations

from pydantic import ValidationError

from agrichain.errors import InputIssue


def validation_issues(exc: ValidationError, file: str | None, row: int | None) -> list[InputIssue]:
    """Turn a pydantic error on one record into located issues."""
    out = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ())]
        column = loc[0] if loc else None
        msg = err.get("msg", "invalid value")
        msg = msg.removeprefix("Value error, ")
        value = err.get("input")
        if column is not None and not isinstance(value, dict):
            msg = f"{msg} (got {value!r})"
        out.append(InputIssue(file, row, column, msg))
    return out
