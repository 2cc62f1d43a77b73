"""Build zoo models by name or config: ``get_model``, ``init_model`` (and ``list_models``).

``ModelHub`` is MMClassification 1.x's class-level view of the same zoo index, to which
projects add their own ``model-index.yml``.
"""
import copy
import difflib
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Any, ClassVar, Dict, List, Optional, Union

from mmcls.config.zoo import ZOO_PREFIX

from . import model_index as _index
from .model_index import get_model_info, list_models

PathLike = Union[str, os.PathLike]


def _load_config(config):
    from mmcls.config import Config
    if isinstance(config, Config):
        return copy.deepcopy(config)
    if isinstance(config, (str, os.PathLike)):
        return Config.fromfile(os.fspath(config))
    raise TypeError(f'config must be a file path or a Config, got {type(config).__name__}')


def _is_config_path(model) -> bool:
    return isinstance(model, os.PathLike) or (
        isinstance(model, str) and (osp.splitext(model)[1] in ('.py', '.json', '.yaml', '.yml')
                                    and (osp.isfile(model) or model.startswith(ZOO_PREFIX))))


def build_model_from_config(config, **kwargs):
    """Build ``config.model`` after merging ``kwargs`` into it; the top-level
    ``data_preprocessor`` is used when the model config has none."""
    from mmcls.registry import MODELS
    if 'model' not in config:
        raise KeyError(f'config {config.filename or "<Config>"} has no "model" key')
    if kwargs:
        config.merge_from_dict({'model': kwargs})
    model_cfg = config.model
    if model_cfg.get('data_preprocessor') is None and config.get('data_preprocessor') is not None:
        model_cfg['data_preprocessor'] = config.data_preprocessor
    return MODELS.build(model_cfg)


def _dataset_meta_of(loaded) -> dict:
    """The dataset meta (class names) a checkpoint carries; {} for foreign or bare ones."""
    meta = loaded.get('meta') if isinstance(loaded, dict) else None
    if not isinstance(meta, dict):
        return {}
    if isinstance(meta.get('dataset_meta'), dict):
        return dict(meta['dataset_meta'])
    if isinstance(meta.get('CLASSES'), (list, tuple)):
        return {'classes': meta['CLASSES']}
    return {}


def _load_weights(model, checkpoint: PathLike, url_mapping=None) -> dict:
    """Load weights (path or URL) into ``model``; keep the dataset meta they carry."""
    from mmcls.core.checkpoint import load_checkpoint
    from mmcls.core.weights import resolve_weights
    model._is_init = True  # loaded weights replace the init_cfg (which may itself download)
    path = resolve_weights(checkpoint, url_mapping=url_mapping)
    dataset_meta = _dataset_meta_of(load_checkpoint(model, path, map_location='cpu'))
    if dataset_meta.get('classes') is not None:
        model.CLASSES = dataset_meta['classes']
    return dataset_meta


def _finish(model, config, dataset_meta: dict, device):
    if dataset_meta.get('classes') is None:
        # Weights without class names (or none): the classes the config's dataset lists
        # (not those of its dataset type: importing the datasets would slow get_model down).
        from .config_info import classes_from_config
        classes = classes_from_config(config, use_dataset_type=False)
        if classes is not None:
            model.CLASSES = classes
    model.cfg = config  # the one place a model built here carries its config
    if device is not None:
        model.to(device)
    model.eval()
    return model


def get_model(model_name, pretrained: Union[bool, PathLike] = False, device=None,
              url_mapping=None, **kwargs):
    """Build a model by zoo name (case-insensitive), config path or ``Config``.

    Args:
        model_name: a name from :func:`list_models`, a config file path or a ``Config``.
        pretrained: ``True`` loads the zoo weights of the name (or the config's
            ``load_from``); a path or URL loads those weights; ``False`` loads none.
        device: move the model there.
        url_mapping: ``{regex: replacement}`` applied to a weights URL before download.
        **kwargs: merged into the model config, e.g. ``backbone=dict(out_indices=(0, 1))``.

    Returns:
        The model in eval mode.

    Example:
        >>> model = get_model('resnet50_8xb32_in1k', backbone=dict(out_indices=(0, 1, 2, 3)))
        >>> [f.shape for f in model.extract_feat(torch.rand(16, 3, 224, 224))]
        [torch.Size([16, 256]), torch.Size([16, 512]), torch.Size([16, 1024]), torch.Size([16, 2048])]
    """
    from mmcls.config import Config
    weights = None
    if isinstance(model_name, Config) or _is_config_path(model_name):
        config = _load_config(model_name)
        source = config.filename or 'the given Config'
        weights = config.get('load_from')
    elif isinstance(model_name, str):
        info = get_model_info(model_name)
        config = _load_config(info['config'])
        source = info['name']
        weights = info['weights']
    else:
        raise TypeError(f'model_name must be a zoo name, a config path or a Config, '
                        f'got {type(model_name).__name__}')
    if pretrained is True:
        if not weights:
            raise ValueError(f'{source} has no pre-defined weights; pass pretrained=<path or URL>')
        pretrained = weights
    net = build_model_from_config(config, **kwargs)
    dataset_meta = _load_weights(net, pretrained, url_mapping) if pretrained else {}
    return _finish(net, config, dataset_meta, device)


def init_model(config, checkpoint: Optional[PathLike] = None, device=None, url_mapping=None,
               **kwargs):
    """Build a classifier from a config file (or ``Config``) and optionally load a checkpoint.

    Args:
        config: config file path or ``Config``.
        checkpoint: weights path or URL; None loads no weights.
        device: move the model there.
        url_mapping: ``{regex: replacement}`` applied to a weights URL before download.
        **kwargs: merged into the model config.
    """
    if isinstance(config, (str, os.PathLike)) and not _is_config_path(config):
        raise FileNotFoundError(f'config file {os.fspath(config)!r} does not exist')
    config = _load_config(config)
    net = build_model_from_config(config, **kwargs)
    dataset_meta = (_load_weights(net, checkpoint, url_mapping)
                    if checkpoint is not None else {})
    return _finish(net, config, dataset_meta, device)


def _defining_file(short: str, metafiles: List[str]) -> str:
    """The metafile path whose tail is the index entry's short ``metafile`` name."""
    tail = os.sep + osp.normpath(short)
    for path in metafiles:
        if osp.normpath(path).endswith(tail) or osp.normpath(path) == osp.normpath(short):
            return osp.abspath(path)
    return short


@dataclass
class ModelInfo:
    """One model of the hub: its index fields; ``config`` is a path until :meth:`ModelHub.get`
    returns it loaded as a ``Config``."""
    name: str
    config: Any
    weights: Optional[str] = None
    collection: Optional[str] = None
    metadata: dict = field(default_factory=dict)
    results: list = field(default_factory=list)
    paper: Optional[str] = None
    filepath: Optional[str] = None  # the metafile that defines the model


class ModelHub:
    """The metainfo of every named model: the package zoo plus indexes projects register.

    Example:
        >>> ModelHub.register_model_index('my_project/model-index.yml')
        >>> ModelHub.get('my-model_8xb32_in1k').config.model.backbone.type
    """
    _models_dict: ClassVar[Dict[str, ModelInfo]] = {}
    _zoo_registered: ClassVar[bool] = False

    @classmethod
    def register_model_index(cls, model_index_path: PathLike,
                             config_prefix: Optional[PathLike] = None) -> List[str]:
        """Add every model of a model-index file (``Import`` of metafiles, or ``Models``).

        Config paths in the metafiles are relative to ``config_prefix`` (default: the folder of
        the index file). A name already in the hub raises ``ValueError`` naming both metafiles.
        Returns the names added.
        """
        cls._register_zoo()
        path = osp.abspath(os.fspath(model_index_path))
        if not osp.isfile(path):
            raise FileNotFoundError(f'model_index_path {path!r} does not exist')
        root = osp.dirname(path)
        prefix = osp.abspath(os.fspath(config_prefix)) if config_prefix is not None else root
        content = _index._read_yaml(path) or {}
        imports = content.get('Import') if isinstance(content, dict) else None
        metafiles = [osp.join(root, p) for p in imports] if imports else [path]
        entries = _index._parse_index(root, metafiles)
        return cls._add(entries, lambda config: osp.join(prefix, config), metafiles)

    @classmethod
    def _add(cls, entries: Dict[str, dict], expand, metafiles: List[str]) -> List[str]:
        for key, entry in entries.items():
            if key in cls._models_dict:
                raise ValueError(f'model name {entry["name"]!r} of {entry["metafile"]} is '
                                 f'already registered by {cls._models_dict[key].filepath}')
        for key, entry in entries.items():
            config = entry['config']
            cls._models_dict[key] = ModelInfo(
                name=entry['name'], config=config if osp.isabs(config) else expand(config),
                weights=entry['weights'], collection=entry['collection'],
                metadata=entry['metadata'], results=entry['results'], paper=entry['paper'],
                filepath=_defining_file(entry['metafile'], metafiles))
        return [entries[key]['name'] for key in entries]

    @classmethod
    def _register_zoo(cls) -> None:
        """Add the package zoo (the index ``list_models`` reads) on first use."""
        if cls._zoo_registered:
            return
        cls._zoo_registered = True
        root = _index.find_zoo_root()
        cls._add(_index.load_model_index(root), _index.resolve_config_path,
                 _index._metafile_paths(root))

    @classmethod
    def _register_mmcls_models(cls) -> None:
        """Add the package zoo once (rc6's name for :meth:`_register_zoo`)."""
        cls._register_zoo()

    @classmethod
    def _key(cls, model_name: str) -> str:
        cls._register_zoo()
        if not isinstance(model_name, str):
            raise TypeError(f'model_name must be a str, got {type(model_name).__name__}')
        key = model_name.strip().lower()
        return key if key in cls._models_dict else _index.canonical_name(model_name)

    @classmethod
    def get(cls, model_name: str) -> ModelInfo:
        """A copy of the model's metainfo with ``config`` loaded as a ``Config``.

        Names are case-insensitive; an unknown name raises ``ValueError`` with close matches.
        """
        key = cls._key(model_name)
        info = cls._models_dict.get(key)
        if info is None:
            close = difflib.get_close_matches(key, list(cls._models_dict), n=3, cutoff=0.6)
            hint = f'; did you mean {", ".join(close)}?' if close else ''
            raise ValueError(f'model {model_name!r} is not in the ModelHub{hint}')
        info = copy.deepcopy(info)
        if isinstance(info.config, str):
            info.config = _load_config(info.config)
        return info

    @classmethod
    def has(cls, model_name: str) -> bool:
        """Whether ``model_name`` (case-insensitive) is in the hub."""
        return cls._key(model_name) in cls._models_dict


__all__ = ['get_model', 'init_model', 'build_model_from_config', 'list_models', 'ModelHub',
           'ModelInfo']
