"""Field types shared by every app: money is Decimal, never float."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.validators import validate_mainland_mobile


class MoneyField(models.DecimalField):
    """An amount of CNY (yuan) with two decimals, non-negative unless told otherwise."""

    def __init__(self, *args: object, allow_negative: bool = False, **kwargs: object) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        self.allow_negative = allow_negative
        if not allow_negative:
            validators = list(kwargs.pop("validators", []))  # type: ignore[call-overload]
            validators.append(MinValueValidator(Decimal("0"), message=_("An amount cannot be negative.")))
            kwargs["validators"] = validators
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def deconstruct(self) -> tuple:
        name, path, args, kwargs = super().deconstruct()
        if self.allow_negative:
            kwargs["allow_negative"] = True
        kwargs.pop("validators", None)
        return name, path, args, kwargs


class PercentField(models.DecimalField):
    """A percentage such as 35.50 (meaning 35.5%)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max_digits", 7)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class PhoneField(models.CharField):
    """A mainland China mobile number, 11 digits. Personal information: shown masked, never logged."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max_length", 11)
        kwargs.setdefault("validators", [validate_mainland_mobile])
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def deconstruct(self) -> tuple:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("validators", None)
        return name, path, args, kwargs
