import pytest

from mmcls.models.heads import ClsHead, MultiTaskHead
from mmcls.models.heads.base_head import BaseHead


def test_heads_derive_from_the_abstract_base():
    assert issubclass(ClsHead, BaseHead) and issubclass(MultiTaskHead, BaseHead)
    assert isinstance(ClsHead(), BaseHead)


def test_a_head_without_predict_cannot_be_built():
    class LossOnly(BaseHead):
        def loss(self, feats, data_samples):
            return {}

    with pytest.raises(TypeError, match='predict'):
        LossOnly()
