"""Hook priorities: named levels as in MMEngine, lower value runs first."""
from __future__ import annotations

from enum import Enum
from typing import Union

__all__ = ['Priority', 'get_priority']


class Priority(Enum):
    """Named hook priorities; a hook with a smaller value is called earlier."""
    HIGHEST = 0
    VERY_HIGH = 10
    HIGH = 30
    ABOVE_NORMAL = 40
    NORMAL = 50
    BELOW_NORMAL = 60
    LOW = 70
    VERY_LOW = 90
    LOWEST = 100


def get_priority(priority: Union[int, str, Priority]) -> int:
    """Turn an int in [0, 100], a level name (``'ABOVE_NORMAL'``) or a :class:`Priority` into an int."""
    if isinstance(priority, bool):
        raise TypeError(f'priority must be an int, a str or a Priority, got {priority!r}')
    if isinstance(priority, int):
        if not 0 <= priority <= 100:
            raise ValueError(f'priority must be between 0 and 100, got {priority}')
        return priority
    if isinstance(priority, Priority):
        return priority.value
    if isinstance(priority, str):
        try:
            return Priority[priority.upper()].value
        except KeyError:
            names = ', '.join(p.name for p in Priority)
            raise ValueError(f'unknown priority {priority!r}; expected one of {names}') from None
    raise TypeError(f'priority must be an int, a str or a Priority, got {type(priority).__name__}')
