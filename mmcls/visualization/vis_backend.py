"""Storage backends of the visualizer: local files, TensorBoard, Weights & Biases.

``LocalVisBackend`` writes ``save_dir/scalars.json`` (one JSON object per line,
each with its ``step``: the format ``tools/analysis_tools/analyze_logs.py``
reads), ``save_dir/config.py`` and images as PNG under ``save_dir/vis_image``.
The TensorBoard and WandB backends import their package only when built, and
say how to install it when it is missing.
"""
from __future__ import annotations

import importlib.util
import json
import os
import os.path as osp
from typing import Any, Dict, Optional

import numpy as np

from mmcls.registry import VISBACKENDS

__all__ = ['BaseVisBackend', 'LocalVisBackend', 'TensorboardVisBackend', 'WandbVisBackend',
           'to_json_value']


def to_json_value(value: Any) -> Any:
    """A JSON-serialisable version of a scalar (tensors and numpy numbers become floats/ints)."""
    if hasattr(value, 'item') and getattr(value, 'ndim', 0) == 0:
        value = value.item()
    elif hasattr(value, 'tolist'):
        value = value.tolist()
    return value


def _config_text(config: Any) -> str:
    if hasattr(config, 'pretty_text'):
        return config.pretty_text
    import pprint
    return pprint.pformat(dict(config) if isinstance(config, dict) else config, sort_dicts=False)


class BaseVisBackend:
    """A backend receives configs, images and scalars; ``save_dir`` is where it writes."""

    def __init__(self, save_dir: Optional[str] = None):
        self._save_dir = save_dir
        self._env_initialized = False

    @property
    def save_dir(self) -> Optional[str]:
        return self._save_dir

    @property
    def experiment(self) -> Any:
        """The underlying writer (the backend itself for local files)."""
        self._ensure_env()
        return self

    def _ensure_env(self) -> None:
        if not self._env_initialized:
            self._init_env()
            self._env_initialized = True

    def _init_env(self) -> None:
        """Create directories/writers on first use."""

    def add_config(self, config: Any, **kwargs) -> None:
        """Record the run config."""

    def add_graph(self, model: Any, data_batch: Any, **kwargs) -> None:
        """Record the model graph (only backends that support it)."""

    def add_image(self, name: str, image: np.ndarray, step: int = 0, **kwargs) -> None:
        """Record an RGB uint8 HWC image."""

    def add_scalar(self, name: str, value: Any, step: int = 0, **kwargs) -> None:
        self.add_scalars({name: value}, step=step, **kwargs)

    def add_scalars(self, scalar_dict: Dict[str, Any], step: int = 0,
                    file_path: Optional[str] = None, **kwargs) -> None:
        """Record several scalars of one step."""

    def close(self) -> None:
        """Flush and release resources."""


@VISBACKENDS.register_module()
class LocalVisBackend(BaseVisBackend):
    """Write scalars as JSON lines, the config as a file and images as PNG under ``save_dir``."""

    def __init__(self, save_dir: Optional[str] = None, img_save_dir: str = 'vis_image',
                 config_save_file: str = 'config.py', scalar_save_file: str = 'scalars.json'):
        super().__init__(save_dir)
        if not scalar_save_file.endswith('.json'):
            raise ValueError(f'scalar_save_file must end with .json, got {scalar_save_file!r}')
        self._img_save_dir = img_save_dir
        self._config_save_file = config_save_file
        self._scalar_save_file = scalar_save_file

    def _init_env(self) -> None:
        if self._save_dir is None:
            raise ValueError('LocalVisBackend needs save_dir (the Runner sets it to '
                             'work_dir/<timestamp>/vis_data)')
        os.makedirs(self._save_dir, exist_ok=True)
        self._img_dir = osp.join(self._save_dir, self._img_save_dir)
        self._config_path = osp.join(self._save_dir, self._config_save_file)
        self._scalar_path = osp.join(self._save_dir, self._scalar_save_file)

    def add_config(self, config: Any, **kwargs) -> None:
        self._ensure_env()
        if hasattr(config, 'dump'):
            config.dump(self._config_path)
            return
        with open(self._config_path, 'w', encoding='utf-8') as f:
            f.write(_config_text(config))

    def add_image(self, name: str, image: np.ndarray, step: int = 0, **kwargs) -> None:
        self._ensure_env()
        import cv2
        os.makedirs(self._img_dir, exist_ok=True)
        image = np.asarray(image)
        if image.ndim == 3 and image.shape[2] == 3:
            image = image[..., ::-1]  # RGB in, cv2 writes BGR
        path = osp.join(self._img_dir, f'{name}_{step}.png')
        if not cv2.imwrite(path, np.ascontiguousarray(image)):
            raise OSError(f'could not write image {path}')

    def add_scalars(self, scalar_dict: Dict[str, Any], step: int = 0,
                    file_path: Optional[str] = None, **kwargs) -> None:
        self._ensure_env()
        record = {k: to_json_value(v) for k, v in scalar_dict.items()}
        record.setdefault('step', step)
        line = json.dumps(record) + '\n'
        with open(self._scalar_path, 'a', encoding='utf-8') as f:
            f.write(line)
        if file_path is not None:
            if osp.basename(file_path) == self._scalar_save_file:
                raise ValueError(f'file_path must differ from scalar_save_file '
                                 f'{self._scalar_save_file!r}')
            with open(osp.join(self._save_dir, osp.basename(file_path)), 'a',
                      encoding='utf-8') as f:
                f.write(line)


@VISBACKENDS.register_module()
class TensorboardVisBackend(BaseVisBackend):
    """Write scalars, images and the config text as TensorBoard events in ``save_dir``.

    Needs the optional ``tensorboard`` package (``pip install tensorboard``).
    """

    def __init__(self, save_dir: Optional[str] = None):
        if importlib.util.find_spec('tensorboard') is None:
            raise ImportError('TensorboardVisBackend needs the tensorboard package: '
                              'pip install tensorboard  (or pip install "mmcls[tb]")')
        super().__init__(save_dir)

    def _init_env(self) -> None:
        if self._save_dir is None:
            raise ValueError('TensorboardVisBackend needs save_dir')
        from torch.utils.tensorboard import SummaryWriter
        os.makedirs(self._save_dir, exist_ok=True)
        self._writer = SummaryWriter(self._save_dir)

    @property
    def experiment(self) -> Any:
        self._ensure_env()
        return self._writer

    def add_config(self, config: Any, **kwargs) -> None:
        self._ensure_env()
        self._writer.add_text('config', _config_text(config))

    def add_image(self, name: str, image: np.ndarray, step: int = 0, **kwargs) -> None:
        self._ensure_env()
        self._writer.add_image(name, np.asarray(image), step, dataformats='HWC')

    def add_scalars(self, scalar_dict: Dict[str, Any], step: int = 0,
                    file_path: Optional[str] = None, **kwargs) -> None:
        self._ensure_env()
        for key, value in scalar_dict.items():
            value = to_json_value(value)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self._writer.add_scalar(key, value, step)

    def close(self) -> None:
        if self._env_initialized:
            self._writer.close()


@VISBACKENDS.register_module()
class WandbVisBackend(BaseVisBackend):
    """Log to Weights & Biases; runs are offline unless ``init_kwargs`` or ``WANDB_MODE`` say otherwise.

    Needs the optional ``wandb`` package (``pip install wandb``).
    """

    def __init__(self, save_dir: Optional[str] = None, init_kwargs: Optional[dict] = None,
                 define_metric_cfg: Optional[dict] = None, commit: bool = True,
                 log_code_name: Optional[str] = None, watch_kwargs: Optional[dict] = None):
        if importlib.util.find_spec('wandb') is None:
            raise ImportError('WandbVisBackend needs the wandb package: pip install wandb')
        super().__init__(save_dir)
        self._init_kwargs = dict(init_kwargs or {})
        self._define_metric_cfg = define_metric_cfg
        self._commit = commit
        self._log_code_name = log_code_name
        self._watch_kwargs = watch_kwargs or {}

    def _init_env(self) -> None:
        import wandb
        if self._save_dir is not None:
            os.makedirs(self._save_dir, exist_ok=True)
            self._init_kwargs.setdefault('dir', self._save_dir)
        if 'WANDB_MODE' not in os.environ:
            self._init_kwargs.setdefault('mode', 'offline')
        wandb.init(**self._init_kwargs)
        for metric, summary in (self._define_metric_cfg or {}).items():
            wandb.define_metric(metric, summary=summary)
        self._wandb = wandb

    @property
    def experiment(self) -> Any:
        self._ensure_env()
        return self._wandb

    def add_config(self, config: Any, **kwargs) -> None:
        self._ensure_env()
        self._wandb.config.update(dict(config) if isinstance(config, dict) else
                                  {'config': _config_text(config)})
        if self._log_code_name is not None:
            self._wandb.run.log_code(name=self._log_code_name)

    def add_graph(self, model: Any, data_batch: Any, **kwargs) -> None:
        self._ensure_env()
        self._wandb.watch(model, **self._watch_kwargs)

    def add_image(self, name: str, image: np.ndarray, step: int = 0, **kwargs) -> None:
        self._ensure_env()
        self._wandb.log({name: self._wandb.Image(np.asarray(image))}, commit=self._commit)

    def add_scalars(self, scalar_dict: Dict[str, Any], step: int = 0,
                    file_path: Optional[str] = None, **kwargs) -> None:
        self._ensure_env()
        self._wandb.log({k: to_json_value(v) for k, v in scalar_dict.items()},
                        commit=self._commit)

    def close(self) -> None:
        if self._env_initialized:
            self._wandb.finish()
