"""Build zoo models by name or config: ``get_model``, ``init_model`` (and ``list_models``)."""
import copy
import os
import os.path as osp
from typing import Optional, Union

from mmcls.config.zoo import ZOO_PREFIX

from .model_index import get_model_info

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


def get_model(model, pretrained: Union[bool, PathLike] = False, device=None, url_mapping=None,
              **kwargs):
    """Build a model by zoo name (case-insensitive), config path or ``Config``.

    Args:
        model: a name from :func:`list_models`, a config file path or a ``Config``.
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
    if isinstance(model, Config) or _is_config_path(model):
        config = _load_config(model)
        source = config.filename or 'the given Config'
        weights = config.get('load_from')
    elif isinstance(model, str):
        info = get_model_info(model)
        config = _load_config(info['config'])
        source = info['name']
        weights = info['weights']
    else:
        raise TypeError(f'model must be a zoo name, a config path or a Config, '
                        f'got {type(model).__name__}')
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


__all__ = ['get_model', 'init_model', 'build_model_from_config']
