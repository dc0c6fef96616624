"""Helpers shared by management commands: one way to turn a ValidationError into a clear refusal."""
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError


def refuse(error: ValidationError) -> CommandError:
    """A CommandError (non-zero exit, message on stderr) listing each field and reason."""
    if hasattr(error, "message_dict"):
        lines = [f"{field}: {msg}" for field, messages in error.message_dict.items() for msg in messages]
    else:
        lines = list(error.messages)
    return CommandError("refused: " + "; ".join(lines))
