"""The drawing API of the visualizers: each primitive changes the expected pixels."""
import numpy as np
import pytest
import torch

from mmcls.visualization import ClsVisualizer, Visualizer


@pytest.fixture
def vis():
    visualizer = ClsVisualizer(name='drawing-test')
    visualizer.set_image(np.zeros((64, 80, 3), dtype=np.uint8))
    return visualizer


def test_boxes_circles_polygons_lines_points(vis):
    out = vis.draw_bboxes(np.array([[10, 10, 30, 30]]), edge_colors='r', alpha=1.0)
    assert out is vis
    image = vis.get_image()
    assert tuple(image[10, 20]) == (255, 0, 0) and tuple(image[20, 20]) == (0, 0, 0)
    vis.draw_bboxes(torch.tensor([[40, 5, 60, 25]]), edge_colors='g', face_colors='b', alpha=1.0)
    assert tuple(vis.get_image()[15, 50]) == (0, 0, 255)
    vis.draw_circles(np.array([[20, 50]]), np.array([5]), face_colors='w', alpha=1.0)
    assert tuple(vis.get_image()[50, 20]) == (255, 255, 255)
    vis.draw_polygons([np.array([[60, 40], [75, 40], [75, 60]])], face_colors='y', alpha=1.0)
    assert tuple(vis.get_image()[45, 72]) == (255, 255, 0)
    vis.draw_lines(np.array([[0, 79]]), np.array([[63, 63]]), colors=(10, 20, 30), line_widths=1)
    assert np.abs(vis.get_image()[63, 40].astype(int) - (10, 20, 30)).max() <= 3  # antialiased
    vis.draw_points(np.array([[5, 5]]), colors='m', sizes=[50])
    assert tuple(vis.get_image()[5, 5]) == (255, 0, 255)


def test_texts_masks_and_featmap(vis):
    before = vis.get_image().copy()
    vis.draw_texts(['cat', 'dog'], np.array([[2, 2], [2, 30]]), colors=['w', 'g'],
                   bboxes=[dict(facecolor='b'), None])
    changed = vis.get_image() != before
    assert changed[:20].any() and changed[30:50].any()
    mask = np.zeros((64, 80), bool)
    mask[50:, 60:] = True
    vis.set_image(np.zeros((64, 80, 3), np.uint8))
    vis.draw_binary_masks(mask, colors='r', alphas=0.5)
    assert tuple(vis.get_image()[60, 70]) == (128, 0, 0) and tuple(vis.get_image()[0, 0]) == (0, 0, 0)
    heat = Visualizer.draw_featmap(torch.rand(8, 4, 5), overlaid_image=vis.get_image())
    assert heat.shape == (64, 80, 3) and heat.dtype == np.uint8
    tiles = Visualizer.draw_featmap(torch.rand(8, 4, 5), channel_reduction=None, topk=4,
                                    arrangement=(2, 2))
    assert tiles.shape == (8, 10, 3)


def test_drawing_errors_name_the_argument(vis):
    with pytest.raises(ValueError, match='2 texts for 1 positions'):
        vis.draw_texts(['a', 'b'], np.array([[1, 1]]))
    with pytest.raises(ValueError, match='unknown colour'):
        vis.draw_bboxes(np.array([[0, 0, 4, 4]]), edge_colors='purple-ish')
    with pytest.raises(ValueError, match='bboxes must have 4 values'):
        vis.draw_bboxes(np.array([[0, 0, 4]]))
    with pytest.raises(ValueError, match='channel_reduction'):
        Visualizer.draw_featmap(torch.rand(2, 3, 3), channel_reduction='median')
