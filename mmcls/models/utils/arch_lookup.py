"""Looking up a named architecture by its exact (case-sensitive) key."""
from typing import Any, Mapping


def lookup_arch(arch: Any, settings: Mapping, owner: str) -> Any:
    """``settings[arch]``; a KeyError naming ``owner``, ``arch`` and the choices otherwise."""
    if arch not in settings:
        raise KeyError(f'{owner}: unknown arch {arch!r}, choose from {sorted(settings)}')
    return settings[arch]


__all__ = ['lookup_arch']
