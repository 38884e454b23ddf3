"""Select options built the way WTForms 3.3+ wants them (tuples are deprecated)."""

from wtforms.fields.choices import SelectChoice


def choices(pairs) -> list[SelectChoice]:
    """``[(value, label), ...]`` as SelectChoice objects."""
    return [SelectChoice(value, label) for value, label in pairs]
