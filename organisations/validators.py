"""Validation of French administrative identifiers."""
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

INSEE_COMMUNE_RE = re.compile(r"^(\d{2}|2A|2B)\d{3}$")


def validate_siren(value: str) -> None:
    """SIREN: 9 digits with a Luhn check digit (La Poste's 356000000 is the documented exception)."""
    if not re.fullmatch(r"\d{9}", value or ""):
        raise ValidationError(_("Le SIREN doit compter exactement 9 chiffres."), code="siren_format")
    if value == "356000000":
        return
    total = 0
    for index, char in enumerate(reversed(value)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    if total % 10:
        raise ValidationError(_("Le SIREN %(value)s a une clé de contrôle (Luhn) invalide."), code="siren_luhn", params={"value": value})


def validate_insee_commune(value: str) -> None:
    """INSEE commune code: 5 characters, département (2 digits, 2A or 2B) then 3 digits."""
    if not INSEE_COMMUNE_RE.fullmatch(value or ""):
        raise ValidationError(
            _("Le code INSEE %(value)s n'est pas valide (5 caractères attendus, par exemple 29232 ou 2A004)."),
            code="insee_format",
            params={"value": value},
        )
