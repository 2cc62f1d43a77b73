"""VisualizationHook: which samples are drawn, where they go, and with which step."""
import os
from types import SimpleNamespace
from unittest.mock import MagicMock

import cv2
import numpy as np
import pytest
import torch

from mmcls.engine.hooks.visualization_hook import VisualizationHook
from mmcls.registry import HOOKS, LOOPS
from mmcls.structures import ClsDataSample
from mmcls.visualization import Visualizer
from mmcls.visualization.cls_visualizer import ClsVisualizer

CLASSES = ('a', 'b', 'c')


class RecordingVisualizer(ClsVisualizer):
    """A ClsVisualizer that also remembers each call."""

    def __init__(self):
        super().__init__(name='recording')
        self.calls = []

    def add_datasample(self, name, image, data_sample=None, **kwargs):
        self.calls.append(dict(name=name, image=image, sample=data_sample, **kwargs))
        return super().add_datasample(name, image, data_sample, **kwargs)


def _runner(visualizer, epoch=0, n_images=10):
    dataset = SimpleNamespace(metainfo=dict(classes=CLASSES))
    loop = SimpleNamespace(dataloader=SimpleNamespace(dataset=dataset))
    return SimpleNamespace(visualizer=visualizer, val_loop=loop, test_loop=loop,
                           train_loop_built=False, epoch=epoch, iter=7)


def _batch(batch_idx, batch_size=4, channels=3):
    inputs, samples = [], []
    for i in range(batch_size):
        index = batch_idx * batch_size + i
        image = torch.zeros(channels, 8, 8, dtype=torch.uint8)
        image[0] = index  # BGR: channel 0 is blue
        inputs.append(image)
        sample = ClsDataSample(metainfo=dict(img_path=f'/data/img_{index}.png'))
        samples.append(sample.set_gt_label(index % 3).set_pred_label(0))
    return dict(inputs=inputs, data_samples=samples), samples


def test_draws_every_interval_th_sample_across_batches(tmp_path):
    vis = RecordingVisualizer()
    hook = HOOKS.build(dict(type='VisualizationHook', enable=True, interval=3,
                            out_dir=str(tmp_path), rescale_factor=2))
    runner = _runner(vis)
    for batch_idx in range(3):  # 12 samples: 0, 3, 6, 9 are drawn
        data, outputs = _batch(batch_idx)
        hook.after_test_iter(runner, batch_idx, data, outputs)
    assert [c['name'] for c in vis.calls] == ['img_0.png', 'img_3.png', 'img_6.png', 'img_9.png']
    assert sorted(os.listdir(tmp_path)) == ['img_0.png_0.png', 'img_3.png_0.png',
                                            'img_6.png_0.png', 'img_9.png_0.png']
    assert cv2.imread(str(tmp_path / 'img_3.png_0.png')).shape == (16, 16, 3)
    call = vis.calls[1]
    assert call['rescale_factor'] == 2 and call['show'] is False and call['step'] == 0
    # The BGR input is drawn as RGB: the blue channel (value 3) becomes the last one.
    assert call['image'][..., 2].max() == 3 and call['image'][..., 0].max() == 0
    assert vis.dataset_meta == dict(classes=CLASSES)  # taken from the loop's dataset


def test_a_short_last_batch_keeps_the_global_index(tmp_path):
    vis = RecordingVisualizer()
    runner = _runner(vis)
    runner.test_loop.dataloader.batch_size = 4
    hook = VisualizationHook(enable=True, interval=5)
    # Samples 0-9 in batches of 4, 4 and 2 (``_batch(4, 2)`` holds samples 8 and 9).
    batches = [_batch(0, batch_size=4), _batch(1, batch_size=4), _batch(4, batch_size=2)]
    for batch_idx, (data, outputs) in enumerate(batches):
        hook.after_test_iter(runner, batch_idx, data, outputs)
    assert [c['name'] for c in vis.calls] == ['img_0.png', 'img_5.png']


def test_disabled_hook_draws_nothing(tmp_path):
    vis = RecordingVisualizer()
    hook = VisualizationHook(enable=False, interval=1, out_dir=str(tmp_path))
    data, outputs = _batch(0)
    hook.after_test_iter(_runner(vis), 0, data, outputs)
    hook.after_val_iter(_runner(vis), 0, data, outputs)
    assert vis.calls == [] and os.listdir(tmp_path) == []


def test_val_images_go_to_the_backends_with_the_iteration_as_step():
    vis = RecordingVisualizer()
    hook = VisualizationHook(enable=True, interval=2)
    data, outputs = _batch(0, channels=1)
    hook.after_val_iter(_runner(vis), 0, data, outputs)
    assert [c['step'] for c in vis.calls] == [7, 7]  # no epoch-based train loop: runner.iter
    assert all('out_file' not in c for c in vis.calls)
    assert vis.calls[0]['image'].shape == (8, 8, 3)  # grey inputs are expanded


def test_bad_interval_and_visualizer_are_reported():
    with pytest.raises(ValueError, match='interval'):
        VisualizationHook(enable=True, interval=0)
    hook = VisualizationHook(enable=True, interval=1)
    data, outputs = _batch(0)
    with pytest.raises(TypeError, match='add_datasample'):
        hook.after_test_iter(_runner(Visualizer(name='vis-hook-plain')), 0, data, outputs)


def test_draw_args_reach_the_visualizer(tmp_path):
    vis = RecordingVisualizer()
    hook = VisualizationHook(enable=True, interval=4, show=False, draw_score=False,
                             wait_time=0.5, out_dir=str(tmp_path))
    data, outputs = _batch(0)
    outputs[0].set_pred_score(torch.tensor([0.5, 0.3, 0.2]))
    hook.after_test_iter(_runner(vis), 0, data, outputs)
    (call, ) = vis.calls
    assert call['draw_score'] is False and call['wait_time'] == 0.5
    lines = vis.label_lines(call['sample'], draw_score=False)
    assert lines == ['Ground truth: 0 (a)', 'Prediction: 0 (a)']
    assert np.asarray(cv2.imread(str(tmp_path / 'img_0.png_0.png'))).shape == (8, 8, 3)


def test_visualizer_attribute_as_in_rc6():
    current = ClsVisualizer(name='vis-hook-attribute')
    hook = VisualizationHook(enable=True, interval=1)
    assert hook._visualizer is current  # the current instance, like the Runner's
    vis = RecordingVisualizer()
    hook._visualizer = vis  # user code may replace it; the hook then draws with it
    data, outputs = _batch(0)
    hook.after_test_iter(_runner(object()), 0, data, outputs)
    assert len(vis.calls) == len(outputs)


def test_draw_samples_takes_rc6_arguments():
    """``_draw_samples(batch_idx, data_batch, data_samples, step=0)``: no runner needed."""
    vis = ClsVisualizer(name='vis-hook-draw-samples')
    vis.calls = []
    vis.add_datasample = lambda name, **kwargs: vis.calls.append((name, kwargs['step']))
    hook = VisualizationHook(enable=True, interval=4)
    data, outputs = _batch(1)  # samples 4..7 of the loop
    hook._draw_samples(1, data, outputs, step=3)
    assert vis.calls == [('img_4.png', 3)]
    hook._draw_samples(0, data, outputs)
    assert vis.calls[-1] == ('img_4.png', 0)


def test_a_runner_stand_in_draws_with_the_current_visualizer():
    """A runner whose ``visualizer`` is no Visualizer (a mock, a namespace) falls back to the
    current instance; the train loop's class decides whether the step is the epoch."""
    current = RecordingVisualizer()

    class EpochLoop:
        by_epoch = True

    runner = _runner(object(), epoch=5)
    runner.val_loop = object()  # no dataloader: the batch length gives the global index
    runner.train_loop_built, runner.train_loop = True, EpochLoop()
    hook = VisualizationHook(enable=True, interval=4)
    data, outputs = _batch(1)  # samples 4..7
    hook.after_val_iter(runner, 1, data, outputs)
    assert [(c['name'], c['step']) for c in current.calls] == [('img_4.png', 5)]
    EpochLoop.by_epoch = False
    hook.after_val_iter(runner, 1, data, outputs)
    assert current.calls[-1]['step'] == 7
    for loop_type, step in [('EpochBasedTrainLoop', 5), ('IterBasedTrainLoop', 7)]:
        runner.train_loop = MagicMock(spec=LOOPS.get(loop_type))
        hook.after_val_iter(runner, 1, data, outputs)
        assert current.calls[-1]['step'] == step, loop_type
