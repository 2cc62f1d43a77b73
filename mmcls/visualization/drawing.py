"""The drawing API of the visualizer (``draw_texts``, ``draw_bboxes``, ... as in MMEngine).

Every ``draw_*`` method draws on the image given to ``set_image`` (RGB, HWC, uint8) with
OpenCV and returns the visualizer, so calls chain; ``get_image()`` returns the result.
Colours are names (``'g'``/``'green'``, ``'r'``, ``'b'``, ``'w'``, ``'k'``, ``'y'``, ``'c'``,
``'m'``) or RGB tuples, one for all items or one per item.
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

__all__ = ['DrawingMixin', 'to_rgb']

ColorType = Union[str, Tuple[int, int, int]]
_NAMED = {
    'g': (0, 255, 0), 'green': (0, 128, 0), 'r': (255, 0, 0), 'red': (255, 0, 0),
    'b': (0, 0, 255), 'blue': (0, 0, 255), 'w': (255, 255, 255), 'white': (255, 255, 255),
    'k': (0, 0, 0), 'black': (0, 0, 0), 'y': (255, 255, 0), 'yellow': (255, 255, 0),
    'c': (0, 255, 255), 'cyan': (0, 255, 255), 'm': (255, 0, 255), 'magenta': (255, 0, 255),
}


def to_rgb(color: ColorType) -> Tuple[int, int, int]:
    """An RGB tuple of ints for a colour name or tuple."""
    if isinstance(color, str):
        if color not in _NAMED:
            raise ValueError(f'unknown colour {color!r}; use one of {sorted(_NAMED)} or an RGB '
                             f'tuple')
        return _NAMED[color]
    if len(color) != 3:
        raise ValueError(f'a colour tuple needs 3 values (RGB), got {color!r}')
    return tuple(int(c) for c in color)  # type: ignore[return-value]


def _per_item(value: Any, count: int, name: str) -> List[Any]:
    """``value`` repeated for ``count`` items, or the list of per-item values."""
    if isinstance(value, (list, tuple)) and not (len(value) == 3 and name.endswith('colors')
                                                 and all(isinstance(v, (int, float))
                                                         for v in value)):
        if len(value) != count:
            raise ValueError(f'{name} has {len(value)} values for {count} items')
        return list(value)
    return [value] * count


def _as_array(data: Any, width: int, name: str) -> np.ndarray:
    array = np.asarray(data.detach().cpu() if hasattr(data, 'detach') else data, dtype=float)
    if array.size % width or (array.ndim > 1 and array.shape[-1] != width):
        raise ValueError(f'{name} must have {width} values per item, got shape {array.shape}')
    return array.reshape(-1, width)


class DrawingMixin:
    """Drawing primitives on ``self._image`` (``set_image`` / ``get_image``)."""

    def _canvas(self) -> np.ndarray:
        return self.get_image()  # type: ignore[attr-defined]

    def _blend(self, drawn: np.ndarray, alpha: float) -> None:
        import cv2
        self._image = cv2.addWeighted(drawn, alpha, self._canvas(), 1 - alpha, 0)

    def draw_texts(self, texts: Union[str, Sequence[str]], positions: Any,
                   font_sizes: Union[int, Sequence[int], None] = None,
                   colors: Union[ColorType, Sequence[ColorType]] = 'g',
                   vertical_alignments: Union[str, Sequence[str]] = 'top',
                   horizontal_alignments: Union[str, Sequence[str]] = 'left',
                   bboxes: Optional[Union[dict, Sequence[dict]]] = None, **kwargs) -> Any:
        """Write ``texts`` at ``positions`` (x, y); ``bboxes`` dicts give a ``facecolor``
        background box.  Font families are not selectable with OpenCV and are ignored."""
        import cv2
        texts = [texts] if isinstance(texts, str) else list(texts)
        points = _as_array(positions, 2, 'positions')
        if len(points) != len(texts):
            raise ValueError(f'{len(texts)} texts for {len(points)} positions')
        count = len(texts)
        sizes = _per_item(font_sizes, count, 'font_sizes')
        colors = _per_item(colors, count, 'colors')
        valign = _per_item(vertical_alignments, count, 'vertical_alignments')
        halign = _per_item(horizontal_alignments, count, 'horizontal_alignments')
        boxes = _per_item(bboxes, count, 'bboxes')
        image = self._canvas().copy()
        for i, text in enumerate(texts):
            scale = (sizes[i] or max(10, min(image.shape[:2]) // 30)) / 30
            thickness = max(1, int(round(scale * 2)))
            (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
            x = points[i][0] - {'left': 0, 'center': w / 2, 'right': w}[halign[i]]
            y = points[i][1] + {'top': h, 'center': h / 2, 'baseline': 0, 'bottom': -base}[
                valign[i]]
            if boxes[i]:
                cv2.rectangle(image, (int(x) - 2, int(y - h) - 2), (int(x + w) + 2, int(y + base)),
                              to_rgb(boxes[i].get('facecolor', 'k')), thickness=-1)
            cv2.putText(image, text, (int(x), int(y)), cv2.FONT_HERSHEY_SIMPLEX, scale,
                        to_rgb(colors[i]), thickness, cv2.LINE_AA)
        self._image = image
        return self

    def draw_lines(self, x_datas: Any, y_datas: Any,
                   colors: Union[ColorType, Sequence[ColorType]] = 'g',
                   line_styles: Any = '-', line_widths: Union[int, Sequence[int]] = 2) -> Any:
        """Draw segments: item ``i`` joins ``(x_datas[i][0], y_datas[i][0])`` and
        ``(x_datas[i][1], y_datas[i][1])``."""
        import cv2
        xs, ys = _as_array(x_datas, 2, 'x_datas'), _as_array(y_datas, 2, 'y_datas')
        if len(xs) != len(ys):
            raise ValueError(f'x_datas has {len(xs)} lines, y_datas {len(ys)}')
        colors = _per_item(colors, len(xs), 'colors')
        widths = _per_item(line_widths, len(xs), 'line_widths')
        image = self._canvas().copy()
        for i, (x, y) in enumerate(zip(xs, ys)):
            cv2.line(image, (int(x[0]), int(y[0])), (int(x[1]), int(y[1])), to_rgb(colors[i]),
                     int(widths[i]), cv2.LINE_AA)
        self._image = image
        return self

    def draw_bboxes(self, bboxes: Any, edge_colors: Union[ColorType, Sequence[ColorType]] = 'g',
                    line_styles: Any = '-', line_widths: Union[int, Sequence[int]] = 2,
                    face_colors: Union[ColorType, Sequence[ColorType]] = 'none',
                    alpha: float = 0.8) -> Any:
        """Draw ``(x1, y1, x2, y2)`` boxes; filled with ``face_colors`` unless ``'none'``."""
        return self._draw_shapes(_as_array(bboxes, 4, 'bboxes'), 'box', edge_colors,
                                 line_widths, face_colors, alpha)

    def draw_circles(self, center: Any, radius: Any,
                     edge_colors: Union[ColorType, Sequence[ColorType]] = 'g',
                     line_styles: Any = '-', line_widths: Union[int, Sequence[int]] = 2,
                     face_colors: Union[ColorType, Sequence[ColorType]] = 'none',
                     alpha: float = 0.8) -> Any:
        """Draw circles of ``radius`` around the ``(x, y)`` centers."""
        centers = _as_array(center, 2, 'center')
        radii = _as_array(radius, 1, 'radius')
        if len(radii) != len(centers):
            raise ValueError(f'{len(centers)} centers for {len(radii)} radii')
        return self._draw_shapes(np.concatenate([centers, radii], axis=1), 'circle',
                                 edge_colors, line_widths, face_colors, alpha)

    def draw_polygons(self, polygons: Any,
                      edge_colors: Union[ColorType, Sequence[ColorType]] = 'g',
                      line_styles: Any = '-', line_widths: Union[int, Sequence[int]] = 2,
                      face_colors: Union[ColorType, Sequence[ColorType]] = 'none',
                      alpha: float = 0.8) -> Any:
        """Draw polygons, each an ``(N, 2)`` array of ``(x, y)`` vertices."""
        if isinstance(polygons, np.ndarray) and polygons.ndim == 2:
            polygons = [polygons]
        shapes = [_as_array(polygon, 2, 'polygons') for polygon in polygons]
        return self._draw_shapes(shapes, 'polygon', edge_colors, line_widths, face_colors, alpha)

    def _draw_shapes(self, shapes: Sequence[np.ndarray], kind: str, edge_colors: Any,
                     line_widths: Any, face_colors: Any, alpha: float) -> Any:
        import cv2
        count = len(shapes)
        edges = _per_item(edge_colors, count, 'edge_colors')
        faces = _per_item(face_colors, count, 'face_colors')
        widths = _per_item(line_widths, count, 'line_widths')
        drawn = self._canvas().copy()
        for i, shape in enumerate(shapes):
            for color, width in ((faces[i], -1), (edges[i], int(widths[i]))):
                if color == 'none' or color is None:
                    continue
                rgb = to_rgb(color)
                if kind == 'box':
                    x1, y1, x2, y2 = map(int, shape)
                    cv2.rectangle(drawn, (x1, y1), (x2, y2), rgb, width)
                elif kind == 'circle':
                    cv2.circle(drawn, (int(shape[0]), int(shape[1])), int(shape[2]), rgb, width)
                elif width < 0:
                    cv2.fillPoly(drawn, [shape.astype(np.int32)], rgb)
                else:
                    cv2.polylines(drawn, [shape.astype(np.int32)], True, rgb, width)
        self._blend(drawn, alpha)
        return self

    def draw_points(self, positions: Any, colors: Union[ColorType, Sequence[ColorType]] = 'g',
                    marker: Optional[str] = None, sizes: Any = None) -> Any:
        """Draw filled dots at the ``(x, y)`` positions (``sizes`` are their areas)."""
        import cv2
        points = _as_array(positions, 2, 'positions')
        colors = _per_item(colors, len(points), 'colors')
        sizes = _per_item(sizes, len(points), 'sizes')
        image = self._canvas().copy()
        for i, (x, y) in enumerate(points):
            radius = max(1, int(round((sizes[i] or 20) ** 0.5 / 2)))
            cv2.circle(image, (int(x), int(y)), radius, to_rgb(colors[i]), -1)
        self._image = image
        return self

    def draw_binary_masks(self, binary_masks: Any,
                          colors: Union[ColorType, Sequence[ColorType]] = 'g',
                          alphas: Union[float, Sequence[float]] = 0.8) -> Any:
        """Paint the True pixels of each ``(H, W)`` mask (or an ``(N, H, W)`` stack)."""
        masks = np.asarray(binary_masks.detach().cpu() if hasattr(binary_masks, 'detach')
                           else binary_masks).astype(bool)
        if masks.ndim == 2:
            masks = masks[None]
        image = self._canvas()
        if masks.shape[1:] != image.shape[:2]:
            raise ValueError(f'binary_masks of shape {masks.shape[1:]} do not match the image '
                             f'{image.shape[:2]}')
        colors = _per_item(colors, len(masks), 'colors')
        alphas = _per_item(alphas, len(masks), 'alphas')
        out = image.astype(np.float32)
        for mask, color, alpha in zip(masks, colors, alphas):
            out[mask] = out[mask] * (1 - alpha) + np.asarray(to_rgb(color), np.float32) * alpha
        self._image = out.round().astype(np.uint8)
        return self

    @staticmethod
    def draw_featmap(featmap: Any, overlaid_image: Optional[np.ndarray] = None,
                     channel_reduction: Optional[str] = 'squeeze_mean', topk: int = 20,
                     arrangement: Tuple[int, int] = (4, 5),
                     resize_shape: Optional[Tuple[int, int]] = None,
                     alpha: float = 0.5) -> np.ndarray:
        """An RGB heat map of a ``(C, H, W)`` feature map: the channel mean
        (``'squeeze_mean'``), max (``'select_max'``), or with ``channel_reduction=None`` the
        ``topk`` most active channels tiled by ``arrangement``; overlaid on
        ``overlaid_image`` with ``alpha``."""
        import cv2
        feat = np.asarray(featmap.detach().cpu() if hasattr(featmap, 'detach') else featmap,
                          dtype=np.float32)
        if feat.ndim != 3:
            raise ValueError(f'featmap must be (C, H, W), got shape {feat.shape}')
        if channel_reduction == 'squeeze_mean':
            maps = [feat.mean(0)]
        elif channel_reduction == 'select_max':
            maps = [feat.max(0)]
        elif channel_reduction is None:
            order = np.argsort(-feat.reshape(len(feat), -1).sum(1))[:max(1, topk)]
            maps = [feat[i] for i in order[:arrangement[0] * arrangement[1]]]
        else:
            raise ValueError(f"channel_reduction must be 'squeeze_mean', 'select_max' or None, "
                             f"got {channel_reduction!r}")
        size = resize_shape or (overlaid_image.shape[:2] if overlaid_image is not None
                                else feat.shape[1:])
        tiles = []
        for fmap in maps:
            norm = (fmap - fmap.min()) / max(float(fmap.max() - fmap.min()), 1e-6)
            heat = cv2.applyColorMap((norm * 255).astype(np.uint8), cv2.COLORMAP_JET)[..., ::-1]
            heat = cv2.resize(heat, (size[1], size[0]))
            if overlaid_image is not None:
                base = cv2.resize(np.asarray(overlaid_image, np.uint8), (size[1], size[0]))
                heat = cv2.addWeighted(heat, alpha, base, 1 - alpha, 0)
            tiles.append(heat)
        if len(tiles) == 1:
            return tiles[0]
        cols = arrangement[1]
        while len(tiles) % cols:
            tiles.append(np.zeros_like(tiles[0]))
        rows = [np.concatenate(tiles[r:r + cols], axis=1) for r in range(0, len(tiles), cols)]
        return np.concatenate(rows, axis=0)
