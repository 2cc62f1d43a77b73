"""Resolve pretrained weights (a path, ``file://`` or ``http(s)://`` URL) to a verified local file.

Zoo weights are named ``<model>_<YYYYMMDD>-<hash>.pth`` where ``<hash>`` is the
start of the file's SHA-256; such files are checked wherever they come from.
URLs are downloaded once into ``$MMCLS_HOME/checkpoints`` (default
``~/.cache/mmcls/checkpoints``).  ``MMCLS_WEIGHTS_MIRROR`` names a folder or a
URL prefix that holds the same file names and is tried before the original
URL, for machines without access to the internet.
"""
from __future__ import annotations

import hashlib
import os
import os.path as osp
import re
import shutil
import tempfile
from typing import List, Optional, Union
from urllib.parse import unquote, urlparse

__all__ = ['WeightsHashError', 'expected_hash', 'sha256_of', 'verify_hash', 'weights_cache_dir',
           'resolve_weights', 'MIRROR_ENV']

MIRROR_ENV = 'MMCLS_WEIGHTS_MIRROR'
_ZOO_NAME = re.compile(r'_\d{8}-([0-9a-f]{8,64})\.(?:pth|safetensors)$')


class WeightsHashError(ValueError):
    """A weights file whose SHA-256 does not start with the hash in its name."""


def expected_hash(filename: str) -> Optional[str]:
    """The hash prefix in a zoo file name (``..._20210831-ea4938fc.pth`` -> ``ea4938fc``)."""
    match = _ZOO_NAME.search(osp.basename(filename))
    return match.group(1) if match else None


def sha256_of(path: str, chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as file:
        for chunk in iter(lambda: file.read(chunk_size), b''):
            digest.update(chunk)
    return digest.hexdigest()


def verify_hash(path: str, name: Optional[str] = None) -> None:
    """Raise ``WeightsHashError`` when ``path`` (named ``name``) fails its name's hash suffix."""
    name = name or osp.basename(path)
    prefix = expected_hash(name)
    if prefix is None:
        return
    digest = sha256_of(path)
    if not digest.startswith(prefix):
        raise WeightsHashError(
            f'weights file {path} is corrupt or not the published one: its name says SHA-256 '
            f'{prefix}..., its content has {digest[:len(prefix)]}... Delete it (and download '
            f'it again), or rename it without the "-{prefix}" suffix if you changed it on purpose')


def weights_cache_dir() -> str:
    """Where downloaded weights are kept: ``$MMCLS_HOME/checkpoints`` (default
    ``~/.cache/mmcls/checkpoints``)."""
    from mmcls.core.checkpoint import get_cache_dir  # the one definition of the cache root
    return osp.join(get_cache_dir(), 'checkpoints')


def _file_url_path(url: str) -> str:
    parsed = urlparse(url)
    return unquote(parsed.netloc + parsed.path) if parsed.netloc not in ('', 'localhost') \
        else unquote(parsed.path)


def _mirror_source(mirror: str, filename: str) -> str:
    if mirror.startswith(('http://', 'https://', 'file://')):
        return mirror.rstrip('/') + '/' + filename
    return osp.join(osp.expanduser(mirror), filename)


def _fetch(source: str, destination: str, progress: bool) -> None:
    """Copy or download ``source`` (a path or URL) to ``destination``."""
    if source.startswith('file://'):
        source = _file_url_path(source)
    if not source.startswith(('http://', 'https://')):
        if not osp.isfile(source):
            raise FileNotFoundError(f'{source} does not exist')
        shutil.copyfile(source, destination)
        return
    from torch.hub import download_url_to_file
    download_url_to_file(source, destination, None, progress=progress)


def _download_into_cache(url: str, progress: bool) -> str:
    filename = osp.basename(unquote(urlparse(url).path))
    if not filename:
        raise ValueError(f'weights URL {url} does not end with a file name')
    cache_dir = weights_cache_dir()
    cached = osp.join(cache_dir, filename)
    if osp.isfile(cached):
        verify_hash(cached)
        return cached
    os.makedirs(cache_dir, exist_ok=True)
    sources: List[str] = []
    if os.environ.get(MIRROR_ENV):
        sources.append(_mirror_source(os.environ[MIRROR_ENV], filename))
    sources.append(url)
    errors = []
    for source in sources:
        fd, tmp = tempfile.mkstemp(prefix='.download_', suffix='.partial', dir=cache_dir)
        os.close(fd)
        try:
            _fetch(source, tmp, progress)
            verify_hash(tmp, name=filename)
            os.replace(tmp, cached)
            return cached
        except Exception as error:  # try the next source, report every failure at the end
            errors.append(f'{source}: {type(error).__name__}: {error}')
        finally:
            if osp.exists(tmp):
                os.remove(tmp)
    raise RuntimeError(
        f'could not get the weights {url}:\n  ' + '\n  '.join(errors) +
        f'\nWithout internet access, download {filename} elsewhere and put it at {cached}, '
        f'or set {MIRROR_ENV} to a folder (or URL prefix) that holds {filename}.')


def resolve_weights(weights: Union[str, os.PathLike], progress: bool = True) -> str:
    """A local, hash-checked file for ``weights``.

    Args:
        weights: a local path, a ``file://`` URL, or an ``http(s)://`` URL
            (downloaded into :func:`weights_cache_dir` once, mirror first).
        progress: show a download progress bar.

    Raises:
        FileNotFoundError: a local path or ``file://`` URL that does not exist.
        WeightsHashError: a zoo-named file whose content does not match its hash suffix.
        RuntimeError: a URL that could not be fetched; the message says where to put the file.
    """
    weights = os.fspath(weights)
    if weights.startswith(('http://', 'https://')):
        return _download_into_cache(weights, progress)
    path = _file_url_path(weights) if weights.startswith('file://') else osp.expanduser(weights)
    if not osp.isfile(path):
        raise FileNotFoundError(f'weights file {path} does not exist (given as {weights!r})')
    verify_hash(path)
    return path
