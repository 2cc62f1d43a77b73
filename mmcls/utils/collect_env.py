"""What the running environment is made of, for bug reports and run logs."""
from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections import OrderedDict

__all__ = ['collect_env']


def _git_hash(folder: str) -> str:
    """Short commit of the checkout holding ``folder``, or ``''`` outside a git checkout."""
    try:
        out = subprocess.run(['git', 'rev-parse', '--short=7', 'HEAD'], cwd=folder,
                             capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return ''
    return out.stdout.strip() if out.returncode == 0 else ''


def _cuda_entries(torch) -> dict:
    info = {'CUDA available': torch.cuda.is_available()}
    if info['CUDA available']:
        devices: dict = {}
        for index in range(torch.cuda.device_count()):
            devices.setdefault(torch.cuda.get_device_name(index), []).append(str(index))
        for name, indices in devices.items():
            info['GPU ' + ','.join(indices)] = name
        info['CUDA (torch build)'] = torch.version.cuda
        info['cuDNN'] = torch.backends.cudnn.version()
    return info


def collect_env() -> 'OrderedDict[str, object]':
    """Platform, Python, PyTorch (and its CUDA), NumPy, OpenCV and MMClassification versions.

    The MMClassification entry is ``VERSION+COMMIT`` when the package runs from a git checkout.
    """
    import cv2
    import numpy
    import torch

    from mmcls.version import __version__

    info: 'OrderedDict[str, object]' = OrderedDict()
    info['sys.platform'] = sys.platform
    info['Python'] = sys.version.replace('\n', '')
    info.update(_cuda_entries(torch))
    info['OS'] = platform.platform()
    info['PyTorch'] = torch.__version__
    info['PyTorch compiling details'] = torch.__config__.show()
    info['NumPy'] = numpy.__version__
    info['OpenCV'] = cv2.__version__
    commit = _git_hash(os.path.dirname(os.path.abspath(__file__)))
    info['MMClassification'] = __version__ + (f'+{commit}' if commit else '')
    return info
