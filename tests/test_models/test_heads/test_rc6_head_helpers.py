import torch

from mmcls.models.heads.levit_head import BatchNormLinear, fuse_parameters
from mmcls.models.heads.multi_task_head import loss_convertor
from mmcls.models.losses import LabelSmoothLoss
from mmcls.structures import ClsDataSample
from mmcls.structures.multi_task_data_sample import MultiTaskDataSample


def test_loss_convertor_masks_rows_of_samples_without_the_task():
    seen = {}

    def loss_func(inputs, data_samples):
        seen['inputs'], seen['samples'] = inputs, data_samples
        return {'loss': inputs[0].sum()}

    labelled = MultiTaskDataSample()
    labelled.set_field(ClsDataSample().set_gt_label(1), 'task')
    samples = [MultiTaskDataSample(), labelled]
    feats = (torch.arange(4.).view(2, 2), )
    losses = loss_convertor(loss_func, 'task')(feats, samples)
    assert torch.equal(seen['inputs'][0], torch.tensor([[2., 3.]]))
    assert len(seen['samples']) == 1 and losses['mask_size'] == 1
    empty = loss_convertor(loss_func, 'other')(feats, samples)
    assert empty['loss'] == 0 and empty['mask_size'] == 0


def test_fuse_parameters_folds_batch_norm_linear():
    module = torch.nn.Sequential(BatchNormLinear(4, 3)).eval()
    module[0].bn.running_mean.uniform_()
    x = torch.randn(2, 4)
    expected = module(x)
    fuse_parameters(module)
    assert isinstance(module[0], torch.nn.Linear)
    torch.testing.assert_close(module(x), expected)


def test_label_smooth_helpers():
    loss = LabelSmoothLoss(0.1, num_classes=4)
    one_hot = loss.generate_one_hot_like_label(torch.tensor([1, 3]))
    assert one_hot.tolist() == [[0, 1, 0, 0], [0, 0, 0, 1]]
    smooth = loss.original_smooth_label(one_hot)
    torch.testing.assert_close(smooth.sum(1), torch.ones(2))
    multi = loss.multilabel_smooth_label(one_hot)
    assert multi[0].tolist() == [0.1, 0.9, 0.1, 0.1] or torch.allclose(
        multi[0], torch.tensor([0.1, 0.9, 0.1, 0.1]))
