"""mmcls: an image classification toolbox implementing the MMClassification 1.x system.

The public API is loaded lazily (PEP 562) so that ``import mmcls`` does not
import torch; ``from mmcls import get_model`` imports what it needs then.
With ``MMCLS_COMPAT=1`` in the environment, importing mmcls also runs
:func:`mmcls.compat.install` (``import mmengine.model`` etc. resolve to mmcls's
classes where MMEngine/MMCV are not installed).
"""
import importlib
import os
from typing import Any

from .version import __version__, digit_version, version_info

# public name -> module that defines it
_LAZY = {
    'get_model': 'mmcls.apis',
    'list_models': 'mmcls.apis.model_index',
    'init_model': 'mmcls.apis',
    'inference_model': 'mmcls.apis',
    'ImageClassificationInferencer': 'mmcls.apis',
    'Config': 'mmcls.config',
    'ConfigDict': 'mmcls.config',
}

__all__ = ['__version__', 'version_info', 'digit_version', *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


if os.environ.get('MMCLS_COMPAT') == '1':
    from .compat import install as _install_compat
    _install_compat()
