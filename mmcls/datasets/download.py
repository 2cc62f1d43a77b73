"""Download and checksum helpers for the datasets that fetch their own files (CIFAR, MNIST).

Only used when files are missing and ``download=True``; everything else reads
local files.  Downloads go to a temporary file that is renamed once complete
and verified, so an interrupted download never looks like a finished one.
"""
from __future__ import annotations

import gzip
import os
import os.path as osp
import shutil
import tarfile
import zipfile
from typing import Optional

from mmcls.core.weights import download_file, file_digest

__all__ = ['calculate_md5', 'check_md5', 'download_url', 'extract_archive',
           'download_and_extract_archive']

_CHUNK = 1 << 20


def calculate_md5(fpath: str, chunk_size: int = 1024 * 1024) -> str:
    """Hex md5 digest of the file ``fpath``, read ``chunk_size`` bytes at a time."""
    if int(chunk_size) < 1:
        raise ValueError(f'chunk_size must be >= 1, got {chunk_size}')
    return file_digest(fpath, 'md5', int(chunk_size))


def check_md5(path: str, md5: Optional[str]) -> bool:
    """True if ``path`` exists and (when ``md5`` is given) has that digest."""
    if not osp.isfile(path):
        return False
    return md5 is None or calculate_md5(path) == md5


def download_url(url: str, path: str, md5: Optional[str] = None, timeout: float = 60.0) -> str:
    """Download ``url`` to ``path`` unless a file with the right md5 is already there.

    The transfer goes through :func:`mmcls.core.weights.download_file` (atomic,
    progress bar on a terminal); a file whose md5 differs is not kept.
    """
    if check_md5(path, md5):
        return path
    print(f'Downloading {url} to {path}', flush=True)
    try:
        download_file(url, path, check=lambda tmp: _require_md5(tmp, md5, url), timeout=timeout)
    except RuntimeError as error:
        raise RuntimeError(f'{error}; put the file at {path} by hand or check the network') \
            from None
    return path


def _require_md5(path: str, md5: Optional[str], url: str) -> None:
    if md5 is not None and calculate_md5(path) != md5:
        raise ValueError(f'the file downloaded from {url} does not have md5 {md5}')


def _safe_members(archive: tarfile.TarFile, dst: str):
    """Members of ``archive`` whose paths stay inside ``dst`` (no ``..``, no absolute paths)."""
    root = osp.realpath(dst)
    for member in archive.getmembers():
        target = osp.realpath(osp.join(dst, member.name))
        if not (target == root or target.startswith(root + os.sep)):
            raise RuntimeError(f'archive member {member.name!r} would be written outside {dst!r}')
        if member.issym() or member.islnk():
            continue
        yield member


def extract_archive(path: str, dst: Optional[str] = None) -> str:
    """Extract a ``.tar[.gz|.bz2|.xz]``, ``.tgz``, ``.zip`` or single-file ``.gz`` into ``dst``."""
    dst = dst or osp.dirname(path)
    os.makedirs(dst, exist_ok=True)
    if tarfile.is_tarfile(path):
        with tarfile.open(path) as archive:
            archive.extractall(dst, members=list(_safe_members(archive, dst)))
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                target = osp.realpath(osp.join(dst, name))
                if not target.startswith(osp.realpath(dst) + os.sep):
                    raise RuntimeError(f'zip member {name!r} would be written outside {dst!r}')
            archive.extractall(dst)
    elif path.endswith('.gz'):
        target = osp.join(dst, osp.basename(path)[:-3])
        with gzip.open(path, 'rb') as src, open(target, 'wb') as out:
            shutil.copyfileobj(src, out, _CHUNK)
    else:
        raise ValueError(f'{path!r} is not a tar, zip or gzip archive')
    return dst


def download_and_extract_archive(url: str, download_root: str, filename: Optional[str] = None,
                                 md5: Optional[str] = None,
                                 extract_root: Optional[str] = None) -> str:
    """Download an archive into ``download_root`` and extract it into ``extract_root``."""
    filename = filename or osp.basename(url)
    archive = download_url(url, osp.join(download_root, filename), md5)
    return extract_archive(archive, extract_root or download_root)
