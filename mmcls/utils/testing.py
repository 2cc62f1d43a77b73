"""Assertions for tests of models and hooks (MMEngine's ``assert_allclose``)."""
from __future__ import annotations

from typing import Any, Optional

__all__ = ['assert_allclose']


def assert_allclose(actual: Any, expected: Any, rtol: Optional[float] = None,
                    atol: Optional[float] = None, equal_nan: bool = True, msg: str = '') -> None:
    """Assert that ``actual`` and ``expected`` (tensors, arrays, numbers or nests of them) are
    elementwise close, with ``torch.testing.assert_close``'s dtype-based default tolerances.

    Unlike ``assert_close`` the dtypes need not match (an int ``expected`` compares with a float
    ``actual``); devices must. ``msg``, when given, replaces the mismatch report.
    """
    import torch

    actual_t = actual if isinstance(actual, torch.Tensor) else torch.as_tensor(actual)
    expected_t = (expected if isinstance(expected, torch.Tensor)
                  else torch.as_tensor(expected, device=actual_t.device))
    kwargs = {'rtol': rtol, 'atol': atol, 'equal_nan': equal_nan, 'check_dtype': False}
    if msg:
        kwargs['msg'] = msg
    torch.testing.assert_close(actual_t, expected_t, **kwargs)
