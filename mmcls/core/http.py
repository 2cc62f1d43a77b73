"""The one module of mmcls that opens URLs: HTTP(S) downloads into a file, and POST requests.

The weights resolver and the dataset downloads (:mod:`mmcls.core.weights`) and the TorchServe
check (``mmcls.tools.test_torchserver``) go through it, so every transfer over the network is
in one place.
"""
from __future__ import annotations

import sys
import urllib.error
import urllib.request
from typing import BinaryIO

__all__ = ['download_to', 'post']

_CHUNK = 1 << 20


def _show_progress(done: int, total: int, label: str) -> None:
    text = f'{done / total:6.1%}' if total else f'{done >> 20} MiB'
    sys.stderr.write(f'\r{label}: {text}')
    sys.stderr.flush()


def download_to(url: str, out: BinaryIO, label: str, progress: bool = True,
                timeout: float = 60.0) -> None:
    """GET ``url`` and write its body into the binary file ``out``, with a progress line
    (``label: 42.0%``) on stderr when ``progress`` and stderr is a terminal.

    Network failures raise ``OSError`` (``urllib.error.URLError`` is one).
    """
    show = progress and sys.stderr.isatty()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        total = int(response.headers.get('Content-Length') or 0)
        done = 0
        for chunk in iter(lambda: response.read(_CHUNK), b''):
            out.write(chunk)
            done += len(chunk)
            if show:
                _show_progress(done, total, label)
    if show:
        sys.stderr.write('\n')


def post(url: str, content: bytes, content_type: str = 'application/octet-stream',
         timeout: float = 60.0) -> bytes:
    """POST ``content`` to ``url`` and return the answer's body.

    An error status raises ``RuntimeError`` with the URL, the status and the answer's body.
    """
    request = urllib.request.Request(url, data=content, method='POST',
                                     headers={'Content-Type': content_type})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        raise RuntimeError(f'{url} answered {error.code}: '
                           f'{error.read().decode(errors="replace")}') from None
