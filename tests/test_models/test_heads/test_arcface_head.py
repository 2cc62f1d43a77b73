"""ArcFaceClsHead: cosine logits, the angular margin on the target, sub-centres, margins."""
import math

import pytest
import torch
import torch.nn.functional as F

from mmcls.models.heads.margin_head import ArcFaceClsHead
from mmcls.structures import ClsDataSample


def test_eval_logits_are_scaled_cosines():
    head = ArcFaceClsHead(num_classes=4, in_channels=6, scale=10.)
    x = torch.randn(3, 6)
    expected = 10. * F.normalize(x) @ F.normalize(head.norm_product.weight).t()
    torch.testing.assert_close(head((x, )), expected)


def test_margin_is_added_to_the_target_angle_only():
    head = ArcFaceClsHead(num_classes=3, in_channels=4, scale=1., margins=0.3)
    with torch.no_grad():
        head.norm_product.weight.copy_(torch.eye(3, 4))
    x = torch.tensor([[1.0, 0.5, 0.2, 0.0]])
    cosine = F.normalize(x) @ torch.eye(3, 4).t()
    logits = head((x, ), torch.tensor([0]))
    assert torch.isclose(logits[0, 0], torch.cos(torch.acos(cosine[0, 0]) + 0.3))
    torch.testing.assert_close(logits[0, 1:], cosine[0, 1:])


def test_beyond_threshold_the_penalty_is_linear():
    head = ArcFaceClsHead(num_classes=2, in_channels=2, scale=1., margins=0.5)
    with torch.no_grad():
        head.norm_product.weight.copy_(torch.eye(2))
    x = torch.tensor([[-1.0, 0.01]])  # angle to class 0 is close to pi: past pi - m
    cosine = float(F.normalize(x)[0, 0])
    logit = head((x, ), torch.tensor([0]))[0, 0].detach()
    assert math.isclose(float(logit), cosine - math.sin(math.pi - 0.5) * 0.5, rel_tol=1e-5)


def test_subcenters_take_the_best_center_and_margins_from_file(tmp_path):
    head = ArcFaceClsHead(num_classes=2, in_channels=3, num_subcenters=3, scale=1.)
    assert head.norm_product.weight.shape == (6, 3)
    x = torch.randn(4, 3)
    all_cos = (F.normalize(x) @ F.normalize(head.norm_product.weight).t()).view(4, 2, 3)
    torch.testing.assert_close(head((x, )), all_cos.max(dim=2)[0])
    path = tmp_path / 'margins.txt'
    path.write_text('0.1\n0.2\n')
    head = ArcFaceClsHead(num_classes=2, in_channels=3, margins=str(path))
    assert head.margins.tolist() == pytest.approx([0.1, 0.2])
    with pytest.raises(ValueError, match='2 classes'):
        head.set_margins([0.1, 0.2, 0.3])


def test_loss_uses_labels():
    head = ArcFaceClsHead(num_classes=3, in_channels=4)
    samples = [ClsDataSample().set_gt_label(i % 3) for i in range(4)]
    loss = head.loss((torch.randn(4, 4), ), samples)['loss']
    assert loss.ndim == 0 and torch.isfinite(loss)


def test_margins_sequence_must_hold_numbers():
    head = ArcFaceClsHead(num_classes=3, in_channels=2, margins=[0.1, 0.2, torch.tensor(0.3)])
    assert head.margins.tolist() == pytest.approx([0.1, 0.2, 0.3])
    with pytest.raises(TypeError, match='margins must hold numbers'):
        ArcFaceClsHead(num_classes=3, in_channels=2, margins=[0.1, 0.2, '0.3'])
    with pytest.raises(ValueError, match='0 margins for 3 classes'):
        ArcFaceClsHead(num_classes=3, in_channels=2, margins=dict())
