"""Looking up a named architecture in a backbone's table of archs."""
from typing import Any, Mapping


def lookup_arch(arch: Any, settings: Mapping, owner: str, case_sensitive: bool = True) -> Any:
    """``settings[arch]`` (``settings[arch.lower()]`` unless ``case_sensitive``); a KeyError
    naming ``owner``, ``arch`` as given and the choices otherwise."""
    key = arch if case_sensitive else arch.lower()
    if key not in settings:
        raise KeyError(f'{owner}: unknown arch {arch!r}, choose from {sorted(settings)}')
    return settings[key]


__all__ = ['lookup_arch']
