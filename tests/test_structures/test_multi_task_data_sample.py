"""MultiTaskDataSample: per-task fields, shared metainfo, device moves and dict conversion."""
import torch

from mmcls.structures import ClsDataSample
from mmcls.structures.multi_task_data_sample import MultiTaskDataSample


def test_tasks_to_dict_and_moves():
    sample = MultiTaskDataSample(metainfo=dict(img_path='a.png'))
    sample.set_field(ClsDataSample().set_gt_label(2), 'colour')
    sample.set_field(ClsDataSample().set_gt_label([0, 3]), 'shape')
    assert sample.tasks == ['colour', 'shape']
    as_dict = sample.to_dict()
    assert as_dict['img_path'] == 'a.png'
    assert as_dict['colour']['gt_label']['label'].tolist() == [2]
    moved = sample.to('cpu')
    assert isinstance(moved, MultiTaskDataSample)
    assert torch.equal(moved.shape.gt_label.label, torch.tensor([0, 3]))
