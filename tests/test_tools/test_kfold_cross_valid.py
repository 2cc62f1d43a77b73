"""tools/kfold-cross-valid.py: the per-fold configs, and a tiny real 2-fold run."""
import importlib
import importlib.util
import json
import os.path as osp

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'kfold-cross-valid.py')
FASHION = '/usr/share/datasets/fashion-mnist'


def _load_tool():
    return importlib.import_module('mmcls.tools.kfold_cross_valid')


def _cfg():
    from mmcls.config import Config
    train_pipeline = [dict(type='LoadImageFromFile'), dict(type='RandomFlip', prob=0.5)]
    val_pipeline = [dict(type='LoadImageFromFile')]
    return Config(dict(
        work_dir='work_dirs/x',
        train_dataloader=dict(batch_size=2, dataset=dict(
            type='RepeatDataset', times=2,
            dataset=dict(type='CustomDataset', data_prefix='data/train',
                         pipeline=train_pipeline))),
        val_dataloader=dict(batch_size=2, dataset=dict(type='CustomDataset',
                                                       data_prefix='data/val',
                                                       pipeline=val_pipeline))))


def test_make_fold_cfg():
    tool = _load_tool()
    cfg = _cfg()
    fold_cfg = tool.make_fold_cfg(cfg, fold=2, num_splits=5, seed=7, work_dir='/tmp/root')
    train = fold_cfg['train_dataloader']['dataset']
    val = fold_cfg['val_dataloader']['dataset']
    assert train['type'] == val['type'] == 'KFoldDataset'
    assert (train['fold'], train['num_splits'], train['seed'], train['test_mode']) == (2, 5, 7, False)
    assert (val['fold'], val['num_splits'], val['seed'], val['test_mode']) == (2, 5, 7, True)
    # validation uses the *training* data with the validation pipeline
    assert val['dataset']['type'] == 'RepeatDataset'
    assert val['dataset']['dataset']['data_prefix'] == 'data/train'
    assert val['dataset']['dataset']['pipeline'] == [dict(type='LoadImageFromFile')]
    assert len(train['dataset']['dataset']['pipeline']) == 2
    assert fold_cfg['work_dir'] == '/tmp/root/fold2'
    assert cfg['train_dataloader']['dataset']['type'] == 'RepeatDataset'  # input untouched
    assert tool.root_work_dir(cfg, None, 'configs/a/b.py') == 'work_dirs/x'
    assert tool.root_work_dir(cfg, 'given', 'configs/a/b.py') == 'given'


def test_arguments_and_summary(tmp_path, capsys):
    tool = _load_tool()
    with pytest.raises(SystemExit):
        tool.parse_args(['cfg.py', '--num-splits', '1'])
    with pytest.raises(SystemExit):
        tool.parse_args(['cfg.py', '--num-splits', '3', '--fold', '3'])
    for fold, top1 in ((0, 50.0), (1, 70.0)):
        (tmp_path / f'fold{fold}').mkdir()
        (tmp_path / f'fold{fold}' / 'fold_result.json').write_text(
            json.dumps({'accuracy/top1': top1, 'note': 'text is ignored'}))
    assert tool.summarize(str(tmp_path), 3) == {'accuracy/top1': 60.0}
    out = capsys.readouterr().out
    assert '2/3-fold' in out and '60.0000' in out
    with pytest.raises(SystemExit, match='train the folds first'):
        tool.summarize(str(tmp_path / 'empty'), 2)


@pytest.mark.skipif(not osp.isfile(osp.join(FASHION, 'train-images-idx3-ubyte.gz')),
                    reason='real Fashion-MNIST files absent: apt-get install dataset-fashion-mnist')
def test_two_fold_training_run(tmp_path):
    pytest.importorskip('mmcls.runner')
    tool = _load_tool()
    config = osp.join(REPO, 'configs', 'lenet', 'lenet5_fashion-mnist.py')
    options = ['train_dataloader.dataset.indices=40', 'train_dataloader.batch_size=10',
               'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
               'val_dataloader.batch_size=10', 'train_cfg.max_epochs=1',
               'visualizer.type=Visualizer', 'default_hooks.visualization=None']
    assert tool.main([config, '--num-splits', '2', '--seed', '0', '--work-dir', str(tmp_path),
                      '--cfg-options', *options]) == 0
    for fold in range(2):
        metrics = json.loads((tmp_path / f'fold{fold}' / 'fold_result.json').read_text())
        assert 0.0 <= metrics['accuracy/top1'] <= 100.0
    assert tool.main([config, '--num-splits', '2', '--work-dir', str(tmp_path), '--summary']) == 0
