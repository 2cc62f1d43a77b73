"""The package version and version-string helpers.

``parse_version_info`` splits ``'1.0.0rc6'`` into ``(1, 0, 0, 'rc6')`` as MMClassification
reports it; ``digit_version`` turns any PEP 440 version into a tuple of ints that compares in
release order (the form MMCV/MMEngine use for "torch is at least 1.13" checks).
"""
from __future__ import annotations

import re
from typing import Tuple, Union

__version__ = '1.0.0'

__all__ = ['__version__', 'version_info', 'parse_version_info', 'digit_version']

_PEP440 = re.compile(
    r'^\s*v?(?P<release>\d+(?:\.\d+)*)'
    r'(?:[-_.]?(?P<pre>a|alpha|b|beta|c|rc|pre|preview)[-_.]?(?P<pre_n>\d*))?'
    r'(?:(?:[-_.]?(?:post|rev|r)[-_.]?(?P<post_n>\d*))|-(?P<post_implicit>\d+))?'
    r'(?:[-_.]?dev[-_.]?(?P<dev_n>\d*))?'
    r'(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?\s*$', re.IGNORECASE)

# pre-release kinds rank below the release itself; 'dev' alone ranks below any of them
_PRE_RANK = {'a': -3, 'alpha': -3, 'b': -2, 'beta': -2, 'c': -1, 'rc': -1, 'pre': -1,
             'preview': -1}


def parse_version_info(version_str: str) -> Tuple[Union[int, str], ...]:
    """``'1.3.0'`` -> ``(1, 3, 0)``; ``'2.0.0rc1'`` -> ``(2, 0, 0, 'rc1')``."""
    info = []
    for part in version_str.split('.'):
        if part.isdigit():
            info.append(int(part))
        elif 'rc' in part:
            number, _, rc = part.partition('rc')
            info.extend([int(number), f'rc{rc}'])
    return tuple(info)


def digit_version(version_str: str, length: int = 4) -> Tuple[int, ...]:
    """A PEP 440 version as ``length`` release numbers plus two ints ranking pre/post releases.

    ``'1.13.1'`` -> ``(1, 13, 1, 0, 0, 0)``; ``'2.0.0rc1'`` -> ``(2, 0, 0, 0, -1, 1)``;
    ``'1.0.post2'`` -> ``(1, 0, 0, 0, 1, 2)``; ``'2.1.0.dev20230101'`` -> ``(2, 1, 0, 0, -4, 0)``.
    A local part (``+cu118``) is ignored. Unparsable strings raise ``ValueError``.
    """
    match = _PEP440.match(version_str) if isinstance(version_str, str) else None
    if match is None:
        raise ValueError(f'version_str {version_str!r} is not a PEP 440 version')
    release = [int(x) for x in match['release'].split('.')][:length]
    release += [0] * (length - len(release))
    if match['pre']:
        release += [_PRE_RANK[match['pre'].lower()], int(match['pre_n'] or 0)]
    elif match['dev_n'] is not None:
        release += [-4, 0]
    elif match['post_n'] is not None or match['post_implicit'] is not None:
        release += [1, int(match['post_n'] or match['post_implicit'] or 0)]
    else:
        release += [0, 0]
    return tuple(release)


version_info = parse_version_info(__version__)
