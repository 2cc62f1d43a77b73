"""Every public name MMClassification 1.0.0rc6 exposes at a module path imports from that path.

``tests/data/rc6/import_paths.json`` maps each rc6 module under ``mmcls/`` to its public names:
top-level classes and functions not starting with ``_``, the names in its ``__all__``, and the
public names the rc6 repository's own code (tests, tools, demos) imports from that module
(``from mmcls.models.backbones.cspnet import ResNetBottleneck``). It was read once from the
rc6 source with ``ast``; this test only reads the table.
"""
import importlib
import json
from pathlib import Path

import pytest

TABLE_FILE = Path(__file__).parent / 'data' / 'rc6' / 'import_paths.json'
TABLE = json.loads(TABLE_FILE.read_text(encoding='utf-8'))

CHECKED_MODULES = sorted(TABLE)


def test_the_table_covers_the_rc6_package():
    assert len(TABLE) > 150 and sum(map(len, TABLE.values())) > 600
    for sample in ('mmcls.models.backbones.cspnet.ResNetBottleneck',
                   'mmcls.datasets.samplers.RepeatAugSampler',
                   'mmcls.structures.utils.cat_batch_labels'):
        module, _, name = sample.rpartition('.')
        assert name in TABLE[module], sample


@pytest.mark.parametrize('module', CHECKED_MODULES)
def test_rc6_names_import_from_their_path(module):
    imported = importlib.import_module(module)
    missing = [name for name in TABLE[module] if not hasattr(imported, name)]
    assert not missing, f'{module} lacks {missing}'


def test_alias_paths_are_the_same_objects_and_builders_build(tmp_path):
    import torch.nn as nn

    from mmcls import registry
    from mmcls.datasets import build_dataset
    from mmcls.datasets.transforms import color, processing
    from mmcls.models import BACKBONES, HEADS, build_retriever
    from mmcls.models.heads import multi_label_cls_head, multi_label_linear_head
    assert BACKBONES is HEADS is registry.MODELS and registry.EVALUATORS is registry.EVALUATOR
    assert isinstance(registry.TASK_UTILS, registry.Registry)
    assert processing.ColorJitter is color.ColorJitter
    assert (multi_label_linear_head.MultiLabelLinearClsHead
            is multi_label_cls_head.MultiLabelLinearClsHead)
    (tmp_path / 'cat').mkdir()
    (tmp_path / 'cat' / 'a.png').write_bytes(b'')
    dataset = build_dataset(dict(type='CustomDataset', data_prefix=str(tmp_path)))
    assert type(dataset).__name__ == 'CustomDataset' and len(dataset) == 1
    with pytest.raises(TypeError, match='"type" key'):
        build_dataset(dict(data_root='x'))
    encoder = nn.Linear(2, 2)
    assert build_retriever(encoder) is encoder
