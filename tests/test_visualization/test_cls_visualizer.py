"""ClsVisualizer: label text on the image, file output (PNG/JPEG), backends, rescaling."""
import os

import cv2
import numpy as np
import pytest
import torch

from mmcls.registry import VISUALIZERS
from mmcls.structures import ClsDataSample
from mmcls.visualization.cls_visualizer import ClsVisualizer, format_label_lines

CLASSES = ('cat', 'dog', 'bird')


def _image(h=120, w=160):
    rng = np.random.default_rng(0)
    return rng.integers(60, 200, size=(h, w, 3), dtype=np.uint8)


def _sample(gt=1, pred=2, scores=(0.1, 0.2, 0.7)):
    sample = ClsDataSample().set_gt_label(gt).set_pred_label(pred)
    return sample.set_pred_score(torch.tensor(scores))


def test_label_lines_follow_the_flags():
    vis = ClsVisualizer(name='lines', dataset_meta=dict(classes=CLASSES))
    assert vis.label_lines(_sample()) == ['Ground truth: 1 (dog)', 'Prediction: 2, 0.70 (bird)']
    assert vis.label_lines(_sample(), draw_gt=False, draw_score=False) == ['Prediction: 2 (bird)']
    assert vis.label_lines(_sample(), draw_pred=False) == ['Ground truth: 1 (dog)']
    vis.dataset_meta = None
    assert vis.label_lines(_sample(), draw_gt=False) == ['Prediction: 2, 0.70']
    assert format_label_lines('GT: ', [0, 2], None, CLASSES) == ['GT: 0 (cat)', '    2 (bird)']


def test_add_datasample_draws_text_in_the_corner_and_writes_png_and_jpeg(tmp_path):
    vis = ClsVisualizer(name='draw', dataset_meta=dict(classes=CLASSES))
    image = _image()
    for suffix in ('png', 'jpg'):
        out = tmp_path / f'drawn.{suffix}'
        drawn = vis.add_datasample('img', image, _sample(), out_file=str(out))
        assert drawn.shape == image.shape and drawn.dtype == np.uint8
        written = cv2.imread(str(out))
        assert written.shape == image.shape
        if suffix == 'png':  # lossless: exactly the returned RGB image, stored as BGR
            np.testing.assert_array_equal(written[..., ::-1], drawn)
    # The text box darkens and writes over the top-left corner; the rest is untouched.
    assert not np.array_equal(drawn[:10, :60], image[:10, :60])
    np.testing.assert_array_equal(drawn[80:, 120:], image[80:, 120:])
    np.testing.assert_array_equal(image, _image())  # the input is not modified


def test_nothing_to_draw_leaves_the_image_as_is():
    vis = ClsVisualizer(name='plain')
    image = _image()
    drawn = vis.add_datasample('img', image, ClsDataSample(), out_file=None)
    np.testing.assert_array_equal(drawn, image)


def test_rescale_factor_and_grey_images(tmp_path):
    vis = ClsVisualizer(name='small')
    grey = np.full((28, 28), 128, dtype=np.uint8)
    drawn = vis.add_datasample('grey', grey, _sample(), rescale_factor=8,
                               out_file=str(tmp_path / 'g.png'))
    assert drawn.shape == (224, 224, 3)
    with pytest.raises(ValueError, match='rescale_factor'):
        vis.add_datasample('grey', grey, _sample(), rescale_factor=0)


def test_without_out_file_the_backends_store_the_image(tmp_path):
    vis = VISUALIZERS.build(dict(type='ClsVisualizer', name='backend',
                                 vis_backends=[dict(type='LocalVisBackend')],
                                 save_dir=str(tmp_path)))
    assert isinstance(vis, ClsVisualizer)
    vis.add_datasample('sample', _image(), _sample(), step=3)
    stored = tmp_path / 'vis_data' / 'vis_image' / 'sample_3.png'
    assert stored.is_file()
    assert cv2.imread(str(stored)).shape == (120, 160, 3)


def test_unwritable_out_file_is_reported(tmp_path):
    vis = ClsVisualizer(name='bad')
    with pytest.raises(OSError, match='could not write image'):
        vis.add_datasample('x', _image(), _sample(), out_file=str(tmp_path / 'x.unknownext'))
    assert not os.path.exists(tmp_path / 'x.unknownext')
