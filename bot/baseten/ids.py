"""Baseten's hash IDs: the only text that may go into an API path."""

import re

# Baseten IDs are short lowercase hash IDs (e.g. n4q95w5, p7qr9qv); anything else is refused before any request.
HASH_ID = re.compile(r"^[a-z0-9]{4,32}$")


def is_hash_id(value: str) -> bool:
    return bool(HASH_ID.fullmatch(value))
