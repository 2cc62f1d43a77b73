"""Where the shipped model-zoo configs are, and the ``mmcls::`` path syntax that names them.

``mmcls::resnet/resnet18_8xb16_cifar10.py`` (MMEngine's cross-package syntax) names
``resnet/resnet18_8xb16_cifar10.py`` under the shipped configs: ``mmcls/.mim/configs`` in an
installed wheel, ``configs/`` of the repository in a checkout.
"""
from __future__ import annotations

import os.path as osp
from typing import List, Optional

__all__ = ['ZOO_PREFIX', 'shipped_config_dirs', 'find_shipped_config', 'resolve_zoo_path']

ZOO_PREFIX = 'mmcls::'
_PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))


def shipped_config_dirs() -> List[str]:
    """The folders that may hold the zoo configs, in lookup order."""
    installed = osp.join(_PACKAGE_DIR, '.mim', 'configs')
    checkout = osp.join(osp.dirname(_PACKAGE_DIR), 'configs')
    return [installed, checkout]


def find_shipped_config(relative_path: str) -> Optional[str]:
    """The first ``<dir>/<relative_path>`` file over :func:`shipped_config_dirs`, or None."""
    for folder in shipped_config_dirs():
        candidate = osp.join(folder, relative_path)
        if osp.isfile(candidate):
            return osp.normpath(candidate)
    return None


def resolve_zoo_path(written: str) -> str:
    """The file an ``mmcls::REL`` path names; FileNotFoundError naming the path if none."""
    relative = written[len(ZOO_PREFIX):].lstrip('/')
    found = find_shipped_config(relative)
    if found is None:
        raise FileNotFoundError(f"config '{written}' not found in the shipped configs "
                                f'{shipped_config_dirs()}')
    return found
