"""--cfg-options parsing (DictAction) with every documented value form (numbers, strings, lists, tuples, nested keys)."""
import argparse

import pytest

from mmcls.config import Config, DictAction, parse_cfg_options, parse_cfg_value


@pytest.mark.parametrize('text, expected', [
    ('False', False), ('true', True), ('none', None), ('None', None),
    ('0.', 0.0), ('0.0', 0.0), ('1e-4', 1e-4), ('-3', -3), ('10', 10),
    ('pytorch', 'pytorch'), ('', ''), ('a b', 'a b'),
    ('(1, 3)', (1, 3)), ('"(1, 3)"', (1, 3)), ('(1,3)', (1, 3)), ('(1,)', (1, )), ('()', ()),
    ('[a,b]', ['a', 'b']), ('[]', []), ('a,b', ['a', 'b']), ('x,', ['x']),
    ('[(a,b),(c,d)]', [('a', 'b'), ('c', 'd')]), ('[1,[2,(3,)]]', [1, [2, (3, )]]),
    ('"abc"', 'abc'), ("'1'", 1), ("['a, b',c]", ['a, b', 'c']), ('[ 1 , 2 ]', [1, 2]),
])
def test_values_are_parsed_to_python(text, expected):
    value = parse_cfg_value(text)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize('text', ['[1,2', '(1,2]', '1)', '"abc', 'a(b', '[1]]'])
def test_malformed_values_raise(text):
    with pytest.raises(ValueError):
        parse_cfg_value(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(exit_on_error=False)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser


def test_seed_options_apply_to_the_resnet50_config(cfg_dir):
    args = _parser().parse_args([
        '--cfg-options', 'model.backbone.norm_eval=False',
        'train_dataloader.dataset.pipeline.1.prob=0.', 'val_evaluator.topk=(1, 3)',
        '--cfg-options', 'model.backbone.out_indices=(0,1,2,3)', 'visualizer.vis_backends=[]',
    ])
    assert args.cfg_options == {
        'model.backbone.norm_eval': False,
        'train_dataloader.dataset.pipeline.1.prob': 0.0,
        'val_evaluator.topk': (1, 3),
        'model.backbone.out_indices': (0, 1, 2, 3),
        'visualizer.vis_backends': [],
    }
    cfg = Config.fromfile(cfg_dir / 'resnet' / 'resnet50_8xb32_in1k.py')
    cfg.merge_from_dict(args.cfg_options)
    assert cfg.model.backbone.norm_eval is False
    assert cfg.train_dataloader.dataset.pipeline[1] == dict(type='RandomResizedCrop', scale=224, prob=0.0)
    assert cfg.val_evaluator.topk == (1, 3) and cfg.test_evaluator.topk == (1, 5)
    assert cfg.model.backbone.out_indices == (0, 1, 2, 3) and cfg.visualizer.vis_backends == []


def test_flip_prob_option_on_the_pipeline(cfg_dir):
    args = _parser().parse_args(['--cfg-options', 'train_dataloader.dataset.pipeline.2.prob=0.0'])
    cfg = Config.fromfile(cfg_dir / 'resnet' / 'resnet50_8xb32_in1k.py')
    cfg.merge_from_dict(args.cfg_options)
    assert cfg.train_dataloader.dataset.pipeline[2] == dict(type='RandomFlip', prob=0.0,
                                                            direction='horizontal')


def test_bad_items_are_argparse_errors_naming_the_item():
    with pytest.raises(argparse.ArgumentError, match=r"--cfg-options.*'model\.depth'.*KEY=VALUE"):
        _parser().parse_args(['--cfg-options', 'model.depth'])
    with pytest.raises(argparse.ArgumentError, match=r"'topk=\(1,3'.*never closed"):
        _parser().parse_args(['--cfg-options', 'topk=(1,3'])
    with pytest.raises(ValueError, match="'=5'"):
        parse_cfg_options(['=5'])


def test_argparse_exits_with_status_2_on_a_bad_item(capsys):
    parser = argparse.ArgumentParser(prog='train.py')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    with pytest.raises(SystemExit) as info:
        parser.parse_args(['--cfg-options', 'novalue'])
    assert info.value.code == 2
    assert "'novalue' must look like KEY=VALUE" in capsys.readouterr().err
