"""What the agent accepts as one message, and what it answers otherwise, whatever the model."""

from __future__ import annotations

MAX_MESSAGE_CHARS = 2000

EMPTY = "Say what you're in the mood for, e.g. “a light comedy from the 90s”."
TOO_LONG = f"That message is too long for me; please keep it under {MAX_MESSAGE_CHARS} characters."
