"""MMClassification 1.x's dataset file helpers, with their signatures, at their import path.

Checksums, archive extraction and downloads for datasets that fetch their files. Nothing here
opens a URL: every transfer goes through :func:`mmcls.core.weights.download_file` (directly or
through :mod:`mmcls.datasets.download`), which writes atomically and retries mirrors over
:mod:`mmcls.core.http`, the single module of the package that talks to the network.
"""
from __future__ import annotations

import gzip
import lzma
import os
import os.path as osp
from typing import IO, Optional, Union

from mmcls.core.weights import download_file, sha256_of

from . import download as _download

__all__ = ['rm_suffix', 'calculate_md5', 'check_md5', 'check_integrity', 'download_url_to_file',
           'download_url', 'extract_archive', 'download_and_extract_archive',
           'open_maybe_compressed_file']

calculate_md5 = _download.calculate_md5


def rm_suffix(s: str, suffix: Optional[str] = None) -> str:
    """``s`` cut before its last ``suffix`` (default: before its last ``.``).

    ``s`` is returned whole when it has no such suffix.
    """
    cut = s.rfind('.' if suffix is None else suffix)
    return s if cut < 0 else s[:cut]


def check_md5(fpath: str, md5: str) -> bool:
    """Whether the file ``fpath`` has the md5 hex digest ``md5``."""
    return calculate_md5(fpath) == md5


def check_integrity(fpath: str, md5: Optional[str] = None) -> bool:
    """Whether ``fpath`` is a file and, when ``md5`` is given, has that digest."""
    return _download.check_md5(fpath, md5)


def download_url_to_file(url: str, dst: str, hash_prefix: Optional[str] = None,
                         progress: bool = True) -> str:
    """Fetch ``url`` into the file ``dst`` (atomically); returns ``dst``.

    With ``hash_prefix`` the file's SHA-256 hex digest must start with it, otherwise nothing is
    written and ``RuntimeError`` names the url.
    """

    def check(tmp: str) -> None:
        if hash_prefix is not None and not sha256_of(tmp).startswith(hash_prefix):
            raise ValueError(f'SHA-256 of the download does not start with {hash_prefix!r}')

    return download_file(url, dst, check=check, progress=progress)


def download_url(url: str, root: str, filename: Optional[str] = None,
                 md5: Optional[str] = None) -> str:
    """Download ``url`` into the folder ``root`` as ``filename`` (default: the URL's basename).

    A file already there with the right ``md5`` is kept. Returns the file path.
    """
    root = osp.expanduser(root)
    path = osp.join(root, filename or osp.basename(url))
    os.makedirs(root, exist_ok=True)
    return _download.download_url(url, path, md5)


def extract_archive(from_path: str, to_path: Optional[str] = None,
                    remove_finished: bool = False) -> str:
    """Extract a tar (any compression), zip or single ``.gz`` file into ``to_path``.

    ``to_path`` defaults to the archive's folder; ``remove_finished`` deletes the archive after.
    Returns the folder extracted into.
    """
    out = _download.extract_archive(from_path, to_path)
    if remove_finished:
        os.remove(from_path)
    return out


def download_and_extract_archive(url: str, download_root: str,
                                 extract_root: Optional[str] = None,
                                 filename: Optional[str] = None, md5: Optional[str] = None,
                                 remove_finished: bool = False) -> str:
    """Download an archive into ``download_root`` and extract it into ``extract_root``
    (default ``download_root``). Returns the folder extracted into."""
    download_root = osp.expanduser(download_root)
    archive = download_url(url, download_root, filename, md5)
    return extract_archive(archive, extract_root or download_root, remove_finished)


def open_maybe_compressed_file(path: Union[str, IO]) -> IO:
    """A binary file object over ``path``, decompressing ``.gz`` and ``.xz`` on the fly.

    Anything that is not a str (an open file) is returned unchanged.
    """
    if not isinstance(path, str):
        return path
    if path.endswith('.gz'):
        return gzip.open(path, 'rb')
    if path.endswith('.xz'):
        return lzma.open(path, 'rb')
    return open(path, 'rb')
