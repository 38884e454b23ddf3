"""Select options built the way WTForms 3.3+ wants them (tuples are deprecated)."""

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

# For SelectMultipleField(invalid_choice_message=...): WTForms' own words for a value that was not
# offered have no Chinese translation, so a tampered or stale form would be refused in English.
NOT_OFFERED = _l("所选的项不在可选范围内，请重新选择。")


def choices(pairs) -> list[SelectChoice]:
    """``[(value, label), ...]`` as SelectChoice objects."""
    return [SelectChoice(value, label) for value, label in pairs]
