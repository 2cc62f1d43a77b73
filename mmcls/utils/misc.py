"""Type checks for sequences, as MMEngine user code calls them (``is_seq_of`` ...)."""
from collections import abc
from typing import Any, Optional, Type, Union

__all__ = ['is_seq_of', 'is_list_of', 'is_tuple_of']


def is_seq_of(seq: Any, expected_type: Union[Type, tuple],
              seq_type: Optional[Type] = None) -> bool:
    """Whether ``seq`` is a sequence (of ``seq_type`` if given) whose every item is an instance
    of ``expected_type``. A string is not taken for a sequence of characters."""
    exp_seq_type = abc.Sequence if seq_type is None else seq_type
    if not isinstance(seq, exp_seq_type) or isinstance(seq, (str, bytes)):
        return False
    return all(isinstance(item, expected_type) for item in seq)


def is_list_of(seq: Any, expected_type: Union[Type, tuple]) -> bool:
    """Whether ``seq`` is a list whose every item is an ``expected_type``."""
    return is_seq_of(seq, expected_type, seq_type=list)


def is_tuple_of(seq: Any, expected_type: Union[Type, tuple]) -> bool:
    """Whether ``seq`` is a tuple whose every item is an ``expected_type``."""
    return is_seq_of(seq, expected_type, seq_type=tuple)
