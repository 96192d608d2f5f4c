"""The store fixtures of both backends (see contract.py), for every store test here."""

from tests.bot.store.contract import open_backend, second, store

__all__ = ["open_backend", "second", "store"]
