"""The ``Visualizer`` base: fans configs, scalars and images out to its backends.

Instances are named and the latest created is the *current* one
(``Visualizer.get_current_instance()``), so hooks and tools reach the run's
visualizer without holding the runner.  ``ClsVisualizer`` builds on it to
draw predictions.  Only rank 0 writes to the backends.
"""
from __future__ import annotations

import os.path as osp
from collections import OrderedDict
from typing import Any, Dict, Optional, Sequence, Union

import numpy as np

from mmcls.registry import VISBACKENDS, VISUALIZERS
from mmcls.utils.dist import master_only

from .drawing import DrawingMixin
from .vis_backend import BaseVisBackend

__all__ = ['Visualizer']


@VISUALIZERS.register_module()
class Visualizer(DrawingMixin):
    """Hold the image being drawn on and forward records to ``vis_backends``.

    The ``draw_*`` methods (texts, lines, boxes, circles, polygons, points, binary masks)
    draw on the image of :meth:`set_image` and return the visualizer;
    :meth:`draw_featmap` renders a feature map as a heat map.

    Args:
        name: instance name (``get_instance(name)`` returns it).
        image: an initial RGB image, see :meth:`set_image`.
        vis_backends: backend configs or instances.
        save_dir: run directory; backends write under ``save_dir/vis_data``.
    """
    _instances: 'OrderedDict[str, Visualizer]' = OrderedDict()

    def __init__(self, name: str = 'visualizer', image: Optional[np.ndarray] = None,
                 vis_backends: Optional[Sequence[Union[dict, BaseVisBackend]]] = None,
                 save_dir: Optional[str] = None, **kwargs):
        self.instance_name = name
        self.dataset_meta: Optional[dict] = None
        self._image: Optional[np.ndarray] = None
        self._vis_backends: Dict[str, BaseVisBackend] = OrderedDict()
        backend_dir = osp.join(save_dir, 'vis_data') if save_dir is not None else None
        for backend in vis_backends or []:
            if isinstance(backend, dict):
                cfg = dict(backend)
                cfg.setdefault('save_dir', backend_dir)
                backend_name = cfg.pop('name', None) or (
                    cfg['type'] if isinstance(cfg['type'], str) else cfg['type'].__name__)
                backend = VISBACKENDS.build(cfg)
            else:
                backend_name = type(backend).__name__
            if backend_name in self._vis_backends:
                raise ValueError(f'visualizer {name!r} has two backends named {backend_name!r}; '
                                 f'give one a distinct "name"')
            self._vis_backends[backend_name] = backend
        if image is not None:
            self.set_image(image)
        # The newest instance of a name replaces the old one and becomes current.
        Visualizer._instances.pop(name, None)
        Visualizer._instances[name] = self

    # ------------------------------------------------------------ instances
    @classmethod
    def get_instance(cls, name: str, **kwargs) -> 'Visualizer':
        """The instance called ``name``; created with ``kwargs`` if there is none."""
        instance = Visualizer._instances.get(name)
        if instance is None:
            instance = cls(name=name, **kwargs)
        return instance

    @classmethod
    def get_current_instance(cls) -> 'Visualizer':
        """The most recently created visualizer."""
        if not Visualizer._instances:
            raise RuntimeError('no Visualizer has been created yet; build one (the Runner does) '
                               'or call Visualizer.get_instance(name)')
        return next(reversed(Visualizer._instances.values()))

    @classmethod
    def check_instance_created(cls, name: str) -> bool:
        return name in Visualizer._instances

    # ------------------------------------------------------------ backends
    @property
    def vis_backends(self) -> Dict[str, BaseVisBackend]:
        return self._vis_backends

    def get_backend(self, name: str) -> Optional[BaseVisBackend]:
        return self._vis_backends.get(name)

    @master_only
    def add_config(self, config: Any, **kwargs) -> None:
        for backend in self._vis_backends.values():
            backend.add_config(config, **kwargs)

    @master_only
    def add_graph(self, model: Any, data_batch: Any, **kwargs) -> None:
        for backend in self._vis_backends.values():
            backend.add_graph(model, data_batch, **kwargs)

    @master_only
    def add_image(self, name: str, image: np.ndarray, step: int = 0) -> None:
        """Record an RGB uint8 HWC image in every backend."""
        for backend in self._vis_backends.values():
            backend.add_image(name, image, step)

    @master_only
    def add_scalar(self, name: str, value: Any, step: int = 0, **kwargs) -> None:
        for backend in self._vis_backends.values():
            backend.add_scalar(name, value, step, **kwargs)

    @master_only
    def add_scalars(self, scalar_dict: Dict[str, Any], step: int = 0,
                    file_path: Optional[str] = None, **kwargs) -> None:
        """Record several scalars of ``step`` (``file_path``: extra JSON file of local backends)."""
        for backend in self._vis_backends.values():
            backend.add_scalars(scalar_dict, step, file_path, **kwargs)

    def close(self) -> None:
        for backend in self._vis_backends.values():
            backend.close()

    # ------------------------------------------------------------ image canvas
    def set_image(self, image: np.ndarray) -> None:
        """Set the RGB uint8 HWC image to draw on (grey images are expanded to 3 channels)."""
        image = np.asarray(image)
        if image.ndim == 2:
            image = np.repeat(image[..., None], 3, axis=2)
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f'image must be HxW or HxWx3, got shape {image.shape}')
        self._image = image.astype(np.uint8, copy=True)

    def get_image(self) -> np.ndarray:
        """The current image (RGB uint8 HWC)."""
        if self._image is None:
            raise RuntimeError('no image is set; call set_image first')
        return self._image

    def show(self, drawn_img: Optional[np.ndarray] = None, win_name: str = 'image',
             wait_time: float = 0) -> None:
        """Show ``drawn_img`` (or the current image) in an OpenCV window for ``wait_time`` seconds."""
        import cv2
        image = self.get_image() if drawn_img is None else np.asarray(drawn_img)
        cv2.imshow(win_name, np.ascontiguousarray(image[..., ::-1]))
        cv2.waitKey(int(wait_time * 1000))
