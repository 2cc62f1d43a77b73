"""ClassNumCheckHook, PreciseBNHook, SyncBuffersHook, EmptyCacheHook."""
import pytest
import torch

from runner_toys import ToyModel, runner_kwargs

from mmcls.engine.hooks import EmptyCacheHook, PreciseBNHook, SyncBuffersHook
from mmcls.engine.hooks.precise_bn_hook import update_bn_stats
from mmcls.runner import Runner


def _runner(tmp_path, **kwargs):
    torch.set_num_threads(1)
    kwargs.setdefault('default_hooks', dict(checkpoint=None))
    return Runner(**runner_kwargs(str(tmp_path), **kwargs))


def test_class_num_check_passes_and_fails(tmp_path):
    _runner(tmp_path / 'ok', max_epochs=1,
            custom_hooks=[dict(type='ClassNumCheckHook')]).train()
    torch.manual_seed(0)
    model = ToyModel()
    model.num_classes = 5
    runner = _runner(tmp_path / 'bad', model=model, max_epochs=1,
                     custom_hooks=[dict(type='ClassNumCheckHook')])
    with pytest.raises(ValueError, match=r'num_classes \(5\).*length of classes \(3\)'):
        runner.train()


def test_class_num_check_head_takes_the_dataset():
    """``_check_head(runner, dataset)`` as in rc6: warns on missing names, rejects non-str ones."""
    from types import SimpleNamespace

    from mmcls.engine.hooks import ClassNumCheckHook
    warnings = []
    model = ToyModel()
    model.num_classes = 3
    runner = SimpleNamespace(model=model, logger=SimpleNamespace(warning=warnings.append))
    hook = ClassNumCheckHook()
    hook._check_head(runner, SimpleNamespace(CLASSES=None))
    assert len(warnings) == 1 and 'class information' in warnings[0]
    hook._check_head(runner, SimpleNamespace(CLASSES=('a', 'b', 'c')))
    with pytest.raises(TypeError, match='sequence of str'):
        hook._check_head(runner, SimpleNamespace(CLASSES=(1, 2, 3)))
    with pytest.raises(ValueError, match=r'num_classes \(3\)'):
        hook._check_head(runner, SimpleNamespace(metainfo=dict(classes=('a', 'b'))))


def test_update_bn_stats_gives_the_true_average():
    torch.manual_seed(0)
    model = ToyModel(bn=True, dropout=0.0)
    model.train()
    batches = [dict(inputs=list(torch.randn(4, 8) + i), data_samples=[0, 1, 2, 0])
               for i in range(3)]

    class Loader(list):  # pre-collated batches of 4 samples
        batch_size = 4

    # 16 samples of batch size 4 would be 4 batches; the loader's 3 batches are all used
    update_bn_stats(model, Loader(batches), num_samples=16, logger='silent')
    with pytest.raises(ValueError, match='batch size'):
        update_bn_stats(model, batches)
    with torch.no_grad():
        feats = [model.fc1(torch.stack(b['inputs'])) for b in batches]
    expected_mean = torch.stack([f.mean(0) for f in feats]).mean(0)
    expected_var = torch.stack([f.var(0) for f in feats]).mean(0)
    assert torch.allclose(model.bn.running_mean, expected_mean, atol=1e-5)
    assert torch.allclose(model.bn.running_var, expected_var, atol=1e-5)
    assert model.bn.momentum == 0.1


def test_precise_bn_hook_in_training(tmp_path):
    torch.manual_seed(0)
    runner = _runner(tmp_path, model=ToyModel(bn=True), max_epochs=2,
                     custom_hooks=[dict(type='PreciseBNHook', num_samples=8, interval=2,
                                        priority='ABOVE_NORMAL')])
    runner.train()
    assert runner.model.bn.momentum == 0.1
    with pytest.raises(ValueError):
        PreciseBNHook(num_samples=0)


def test_sync_buffers_and_empty_cache_are_safe_in_one_process(tmp_path):
    runner = _runner(tmp_path, max_epochs=1, custom_hooks=[
        SyncBuffersHook(), EmptyCacheHook(before_epoch=True, after_iter=True)])
    runner.train()
    assert runner.epoch == 1
