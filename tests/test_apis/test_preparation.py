"""One image-preparation path: the inferencer, the HTTP server, the TorchServe handler and ONNX
verification all turn an image into the same tensors, and predictions into the same dicts."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from mmcls import ImageClassificationInferencer, init_model
from mmcls.apis.preparation import (ImagePreparer, model_classes, prediction_to_dict,
                                    predictions_to_dicts)
from mmcls.structures import ClsDataSample

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'lenet', 'lenet5_fashion-mnist-subset.py')
TROUSER = osp.join(REPO, 'demo', 'data', 'fashion-mnist-subset', 'test', 'Trouser', '00002.png')


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return init_model(CONFIG, device='cpu')


def test_model_carries_its_config_in_one_attribute(model):
    assert model.cfg.filename == CONFIG
    assert not hasattr(model, '_config') and not hasattr(model, '_dataset_meta')
    assert model_classes(model)[1] == 'Trouser'


def test_every_source_gives_the_same_inputs(model):
    preparer = ImagePreparer(model)
    with open(TROUSER, 'rb') as file:
        content = file.read()
    from_file = preparer.from_file(TROUSER)['inputs']
    from_bytes = preparer.from_bytes(content, source=TROUSER)['inputs']
    colour = cv2.cvtColor(cv2.imread(TROUSER, cv2.IMREAD_GRAYSCALE), cv2.COLOR_GRAY2BGR)
    from_array, image = preparer.prepare(colour)  # a BGR array is converted to the loader's grey
    assert from_file.dtype == torch.uint8 and from_file.shape[0] == 1
    assert torch.equal(from_file, from_bytes)
    assert torch.equal(from_file, from_array['inputs'])
    assert image.ndim == 2
    inferencer = ImageClassificationInferencer(model)
    packed, _ = inferencer.preparer.prepare(TROUSER)
    assert torch.equal(packed['inputs'], from_file)


def test_bad_sources_name_themselves(model):
    preparer = ImagePreparer(model)
    with pytest.raises(FileNotFoundError, match='missing.png'):
        preparer.from_file('missing.png')
    with pytest.raises(ValueError, match='upload.jpg'):
        preparer.from_bytes(b'not an image', source='upload.jpg')
    with pytest.raises(TypeError, match='int'):
        preparer.prepare(3)
    with pytest.raises(ValueError, match='model.cfg'):
        ImagePreparer(torch.nn.Linear(2, 2))


def test_inferencer_and_server_dicts_agree(model):
    inferencer = ImageClassificationInferencer(model)
    result = inferencer(TROUSER)[0]
    preparer = ImagePreparer(model)
    with torch.no_grad():
        sample = model.test_step(preparer.collate([preparer.from_file(TROUSER)]))[0]
    served = predictions_to_dicts([sample], model_classes(model))[0]
    assert set(served) == {'pred_label', 'pred_score', 'pred_class'}
    assert served['pred_label'] == result['pred_label']
    assert served['pred_score'] == pytest.approx(result['pred_score'], abs=1e-6)
    assert served['pred_class'] == result['pred_class']
    np.testing.assert_allclose(prediction_to_dict(sample, None)['pred_scores'],
                               result['pred_scores'], atol=1e-6)


def test_prediction_to_dict_uses_the_head_label_and_known_classes():
    sample = ClsDataSample().set_pred_score(torch.tensor([0.1, 0.7, 0.2])).set_pred_label(2)
    result = prediction_to_dict(sample, ('a', 'b'))
    assert result['pred_label'] == 2 and result['pred_score'] == pytest.approx(0.2)
    assert 'pred_class' not in result  # label 2 has no name among two classes
    no_label = ClsDataSample().set_pred_score(torch.tensor([0.1, 0.7, 0.2]))
    assert prediction_to_dict(no_label, ('a', 'b', 'c'), with_scores=False) == {
        'pred_label': 1, 'pred_score': pytest.approx(0.7), 'pred_class': 'b'}
