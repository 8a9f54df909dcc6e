"""Located issues from the validation of one record."""

from __future__ import annotations

from pydantic import ValidationError

from agrichain.errors import InputIssue

#: The longest input value quoted in a message (longer ones are cut).
MAX_SHOWN_VALUE = 60


def validation_issues(exc: ValidationError, file: str | None, row: int | None) -> list[InputIssue]:
    """Turn a pydantic error on one record (or the settings) into located issues; the
    column of a nested value is its dotted path (``routing.engine``)."""
    out = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ())]
        column = ".".join(loc) if loc else None
        msg = err.get("msg", "invalid value")
        msg = msg.removeprefix("Value error, ")
        value = err.get("input")
        if column is not None and not isinstance(value, dict):
            shown = repr(value)
            if len(shown) > MAX_SHOWN_VALUE:
                shown = shown[: MAX_SHOWN_VALUE - 1] + "…"
            msg = f"{msg} (got {shown})"
        out.append(InputIssue(file, row, column, msg))
    return out
