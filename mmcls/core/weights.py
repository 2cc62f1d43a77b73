"""The file fetcher of mmcls (over :mod:`mmcls.core.http`) and the weights resolver on it.

``resolve_weights`` turns a local path, a ``file://``, ``http(s)://`` or
``torchvision://NAME`` URL into a verified local file.  Files named
``<name>-<hash>.pth`` (or ``.safetensors``), where ``<hash>`` is the start of
the file's SHA-256, are checked on every load, from the cache too; a cached file
that no longer matches is downloaded again once.  URLs are downloaded once into
``$MMCLS_HOME/checkpoints`` (default ``~/.cache/mmcls/checkpoints``).
``MMCLS_WEIGHTS_MIRROR`` names a folder or a URL prefix that holds the same file
names and is tried before the original host; ``url_mapping`` rewrites URLs with
regular expressions.  ``download_file`` serves the datasets as well.
"""
from __future__ import annotations

import hashlib
import os
import os.path as osp
import re
import shutil
import tempfile
from typing import List, Mapping, Optional, Union
from urllib.parse import unquote, urlparse

from .http import download_to

__all__ = ['WeightsHashError', 'expected_hash', 'file_digest', 'sha256_of', 'verify_hash', 'get_cache_dir',
           'weights_cache_dir', 'resolve_weights', 'download_file', 'map_url',
           'TORCHVISION_URLS', 'MIRROR_ENV']

MIRROR_ENV = 'MMCLS_WEIGHTS_MIRROR'
_HASHED_NAME = re.compile(r'-([0-9a-f]{8,64})\.(?:pth|safetensors)$')
_CHUNK = 1 << 20

_TV = 'https://download.pytorch.org/models/'
TORCHVISION_URLS = {
    'resnet18': _TV + 'resnet18-f37072fd.pth',
    'resnet34': _TV + 'resnet34-b627a593.pth',
    'resnet50': _TV + 'resnet50-0676ba61.pth',
    'resnet101': _TV + 'resnet101-63fe2227.pth',
    'resnet152': _TV + 'resnet152-394f9c45.pth',
    'resnext50_32x4d': _TV + 'resnext50_32x4d-7cdf4587.pth',
    'resnext101_32x8d': _TV + 'resnext101_32x8d-8ba56ff5.pth',
    'wide_resnet50_2': _TV + 'wide_resnet50_2-95faca4d.pth',
    'wide_resnet101_2': _TV + 'wide_resnet101_2-32ee1156.pth',
    'vgg11': _TV + 'vgg11-8a719046.pth',
    'vgg13': _TV + 'vgg13-19584684.pth',
    'vgg16': _TV + 'vgg16-397923af.pth',
    'vgg19': _TV + 'vgg19-dcbb9e9d.pth',
    'vgg11_bn': _TV + 'vgg11_bn-6002323d.pth',
    'vgg16_bn': _TV + 'vgg16_bn-6c64b313.pth',
    'mobilenet_v2': _TV + 'mobilenet_v2-b0353104.pth',
    'densenet121': _TV + 'densenet121-a639ec97.pth',
    'alexnet': _TV + 'alexnet-owt-7be5be79.pth',
}


class WeightsHashError(ValueError):
    """A weights file whose SHA-256 does not start with the hash in its name."""


def get_cache_dir() -> str:
    """Root of the download cache: ``$MMCLS_HOME`` or ``~/.cache/mmcls``."""
    return os.environ.get('MMCLS_HOME') or osp.join(osp.expanduser('~'), '.cache', 'mmcls')


def weights_cache_dir() -> str:
    """Where downloaded weights are kept: ``<cache root>/checkpoints``."""
    return osp.join(get_cache_dir(), 'checkpoints')


def expected_hash(filename: str) -> Optional[str]:
    """The hash prefix in a file name (``resnet18-f37072fd.pth`` -> ``f37072fd``)."""
    match = _HASHED_NAME.search(osp.basename(filename))
    return match.group(1) if match else None


def file_digest(path: str, algorithm: str = 'sha256', chunk_size: int = _CHUNK) -> str:
    """Hex digest (``'sha256'``, ``'md5'``, ...) of a file, read ``chunk_size`` bytes at a time."""
    digest = hashlib.new(algorithm)
    with open(path, 'rb') as file:
        for chunk in iter(lambda: file.read(chunk_size), b''):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_of(path: str) -> str:
    """Hex SHA-256 digest of a file."""
    return file_digest(path, 'sha256')


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


def map_url(url: str, url_mapping: Optional[Mapping[str, str]] = None) -> str:
    """``url`` with ``torchvision://NAME`` expanded and each ``pattern -> replacement`` applied."""
    if url.startswith('torchvision://'):
        name = url[len('torchvision://'):]
        if name not in TORCHVISION_URLS:
            raise KeyError(f'unknown torchvision model {name!r} in {url}; known: '
                           f'{", ".join(sorted(TORCHVISION_URLS))}')
        url = TORCHVISION_URLS[name]
    for pattern, replacement in (url_mapping or {}).items():
        url = re.sub(pattern, replacement, url)
    return url


def _file_url_path(url: str) -> str:
    parsed = urlparse(url)
    return unquote(parsed.netloc + parsed.path) if parsed.netloc not in ('', 'localhost') \
        else unquote(parsed.path)


def _mirror_source(mirror: str, filename: str) -> str:
    if mirror.startswith(('http://', 'https://', 'file://')):
        return mirror.rstrip('/') + '/' + filename
    return osp.join(osp.expanduser(mirror), filename)


def _fetch(source: str, destination: str, progress: bool, timeout: float) -> None:
    """Copy (a path or ``file://`` URL) or download (``http(s)://``) ``source`` to ``destination``."""
    if source.startswith('file://'):
        source = _file_url_path(source)
    if not source.startswith(('http://', 'https://')):
        if not osp.isfile(source):
            raise FileNotFoundError(f'{source} does not exist')
        shutil.copyfile(source, destination)
        return
    with open(destination, 'wb') as out:
        download_to(source, out, osp.basename(destination), progress, timeout)


def download_file(sources: Union[str, List[str]], path: str, check=None, progress: bool = True,
                  timeout: float = 60.0) -> str:
    """Fetch the first of ``sources`` that works into ``path``, atomically.

    Each source is written to a temporary file next to ``path`` and renamed over
    it only once complete and accepted by ``check(tmp_path)`` (which raises to
    reject it).  Raises ``RuntimeError`` listing every source that failed.
    """
    sources = [sources] if isinstance(sources, str) else list(sources)
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    errors = []
    for source in sources:
        fd, tmp = tempfile.mkstemp(prefix='.download_', suffix='.partial', dir=directory)
        os.close(fd)
        try:
            _fetch(source, tmp, progress, timeout)
            if check is not None:
                check(tmp)
            os.replace(tmp, path)
            return path
        except (OSError, ValueError) as error:  # urllib's URLError is an OSError
            errors.append(f'{source}: {type(error).__name__}: {error}')
        finally:
            if osp.exists(tmp):
                os.remove(tmp)
    raise RuntimeError(f'could not download {path} from ' + '; '.join(errors))


def _download_weights(url: str, filename: str, cached: str, progress: bool) -> str:
    sources = [_mirror_source(os.environ[MIRROR_ENV], filename)] \
        if os.environ.get(MIRROR_ENV) else []
    sources.append(url)
    try:
        return download_file(sources, cached, lambda tmp: verify_hash(tmp, name=filename),
                             progress)
    except RuntimeError as error:
        raise RuntimeError(
            f'{error}. Without internet access, download {filename} elsewhere and put it at '
            f'{cached}, or set {MIRROR_ENV} to a folder (or URL prefix) that holds '
            f'{filename}.') from None


def _cached_or_download(url: str, progress: bool) -> str:
    filename = osp.basename(unquote(urlparse(url).path))
    if not filename:
        raise ValueError(f'weights URL {url} does not end with a file name')
    cached = osp.join(weights_cache_dir(), filename)
    if not osp.isfile(cached):
        return _download_weights(url, filename, cached, progress)
    try:
        verify_hash(cached)
        return cached
    except WeightsHashError as stale:
        try:
            return _download_weights(url, filename, cached, progress)
        except RuntimeError as error:
            raise WeightsHashError(f'{stale}; downloading it again failed: {error}') from None


def resolve_weights(weights: Union[str, os.PathLike], progress: bool = True,
                    url_mapping: Optional[Mapping[str, str]] = None) -> str:
    """A local, hash-checked file for ``weights``.

    Args:
        weights: a local path, a ``file://`` URL, a ``torchvision://NAME`` URL or
            an ``http(s)://`` URL (downloaded into :func:`weights_cache_dir` once,
            mirror first).
        progress: show a download progress bar (on a terminal only).
        url_mapping: ``{regex: replacement}`` applied to the URL before use.

    Raises:
        FileNotFoundError: a local path or ``file://`` URL that does not exist.
        WeightsHashError: a hash-named file whose content does not match its suffix
            (a cached one that could not be downloaded again).
        RuntimeError: a URL that could not be fetched; the message says where to put the file.
    """
    weights = map_url(os.fspath(weights), url_mapping)
    if weights.startswith(('http://', 'https://')):
        return _cached_or_download(weights, progress)
    path = _file_url_path(weights) if weights.startswith('file://') else osp.expanduser(weights)
    if not osp.isfile(path):
        raise FileNotFoundError(f'weights file {path} does not exist (given as {weights!r})')
    verify_hash(path)
    return path
