"""Conformer backbone and ConformerHead: paired outputs, block layout, losses and freezing."""
import pytest
import torch
import torch.nn.functional as F

from mmcls.models.backbones.conformer import Conformer
from mmcls.models.heads.conformer_head import ConformerHead
from mmcls.structures import ClsDataSample

TINY = dict(embed_dims=32, channel_ratio=1, num_heads=2, depths=6)


def test_outputs_are_pooled_cnn_and_class_token_pairs():
    model = Conformer(arch=TINY, base_channels=16, out_indices=(3, -1)).eval()
    outs = model(torch.randn(2, 3, 64, 64))
    assert len(outs) == 2
    # Stage widths are 16, 32, 64; block 3 is in the second stage, the last in the third.
    assert [tuple(t.shape) for t in outs[0]] == [(2, 32), (2, 32)]
    assert [tuple(t.shape) for t in outs[1]] == [(2, 64), (2, 32)]
    no_cls = Conformer(arch=TINY, base_channels=16, with_cls_token=False).eval()
    conv, trans = no_cls(torch.randn(1, 3, 64, 64))[0]
    assert conv.shape == (1, 64) and trans.shape == (1, 32)


def test_block_layout_matches_the_reference_naming():
    model = Conformer('tiny')
    assert hasattr(model, 'conv_trans_12') and not hasattr(model, 'conv_trans_13')
    assert model.conv_trans_5.cnn_block.with_residual_conv
    assert model.conv_trans_12.last_fusion and model.conv_trans_12.fusion_block.with_residual_conv
    with pytest.raises(ValueError, match='block number'):
        Conformer(arch=TINY, out_indices=1)
    with pytest.raises(ValueError, match='multiple of 3'):
        Conformer(arch=dict(TINY, depths=4))


def test_head_scores_loss_and_prediction():
    torch.manual_seed(0)
    head = ConformerHead(num_classes=5, in_channels=[6, 4])
    feats = ([torch.randn(3, 6), torch.randn(3, 4)], )
    conv_score, trans_score = head(feats)
    assert conv_score.shape == trans_score.shape == (3, 5)
    samples = [ClsDataSample().set_gt_label(i) for i in (0, 3, 4)]
    target = torch.tensor([0, 3, 4])
    expected = F.cross_entropy(conv_score, target) + F.cross_entropy(trans_score, target)
    torch.testing.assert_close(head.loss(feats, samples)['loss'], expected)
    preds = head.predict(feats)
    summed = F.softmax(conv_score + trans_score, dim=1)
    torch.testing.assert_close(preds[0].pred_label.score, summed[0])
    with pytest.raises(ValueError, match='in_channels'):
        ConformerHead(num_classes=5, in_channels=[6])


def test_head_accuracy_with_cal_acc():
    head = ConformerHead(num_classes=3, in_channels=[2, 2], cal_acc=True, topk=(1, 2))
    with torch.no_grad():
        head.conv_cls_head.weight.copy_(torch.tensor([[1., 0], [0, 1], [0, 0]]))
        head.conv_cls_head.bias.zero_()
        head.trans_cls_head.weight.zero_()
        head.trans_cls_head.bias.zero_()
    feats = ([torch.tensor([[5., 0], [0, 5]]), torch.zeros(2, 2)], )
    samples = [ClsDataSample().set_gt_label(0), ClsDataSample().set_gt_label(0)]
    losses = head.loss(feats, samples)
    assert float(losses['accuracy_top-1']) == pytest.approx(50.0)
    assert float(losses['accuracy_top-2']) == pytest.approx(100.0)


def test_frozen_stages_and_norm_eval():
    model = Conformer(arch=TINY, base_channels=16, frozen_stages=3, norm_eval=True)
    model.train()
    assert not any(p.requires_grad for p in model.conv_1.parameters())
    assert not any(p.requires_grad for p in model.conv_trans_3.parameters())
    assert all(p.requires_grad for p in model.conv_trans_4.parameters())
    assert not model.cls_token.requires_grad
    assert not model.conv_trans_6.cnn_block.bn1.training


def test_batch_norm_statistics_train_by_default():
    """rc6 Conformer recipes train from scratch with batch-norm statistics updating, so the
    default leaves them in training mode."""
    model = Conformer(arch=TINY, base_channels=16)
    model.train()
    bn = model.conv_trans_6.cnn_block.bn1
    assert bn.training
    before = bn.running_mean.clone()
    model(torch.randn(2, 3, 32, 32))
    assert not torch.equal(before, bn.running_mean)
