"""inference_model and ImageClassificationInferencer: LeNet-5 on the bundled Fashion-MNIST data."""
import inspect
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import torch

from mmcls import ImageClassificationInferencer, inference_model, init_model
from mmcls.core.checkpoint import save_checkpoint
from mmcls.structures import ClsDataSample

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'lenet', 'lenet5_fashion-mnist-subset.py')
SUBSET = osp.join(REPO, 'demo', 'data', 'fashion-mnist-subset')
TROUSER = osp.join(SUBSET, 'test', 'Trouser', '00002.png')
CLASSES = ('T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker',
           'Bag', 'Ankle boot')


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    """A LeNet-5 checkpoint (seeded random weights) that carries the class names in its meta."""
    torch.manual_seed(0)
    model = init_model(CONFIG)
    path = str(tmp_path_factory.mktemp('ckpt') / 'lenet.pth')
    save_checkpoint({'meta': {'dataset_meta': {'classes': ['class_%d' % i for i in range(10)]}},
                     'state_dict': model.state_dict()}, path)
    return path


@pytest.fixture(scope='module')
def inferencer(checkpoint):
    return ImageClassificationInferencer(CONFIG, weights=checkpoint, device='cpu')


@pytest.fixture
def ten_images(tmp_path):
    folder = tmp_path / 'images'
    folder.mkdir()
    for name in sorted(os.listdir(osp.join(SUBSET, 'test', 'Bag')))[:10]:
        shutil.copy(osp.join(SUBSET, 'test', 'Bag', name), folder / name)
    return str(folder)


def _check_result(result, classes):
    assert set(result) == {'pred_scores', 'pred_label', 'pred_score', 'pred_class'}
    assert isinstance(result['pred_scores'], np.ndarray)
    assert result['pred_scores'].shape == (10, )
    assert type(result['pred_label']) is int
    assert type(result['pred_score']) is float
    assert isinstance(result['pred_class'], str)
    assert result['pred_label'] == int(result['pred_scores'].argmax())
    assert result['pred_score'] == pytest.approx(float(result['pred_scores'][result['pred_label']]))
    assert result['pred_scores'].sum() == pytest.approx(1.0, abs=1e-5)
    assert result['pred_class'] == classes[result['pred_label']]


def test_inference_model_on_file_and_ndarray(checkpoint):
    model = init_model(CONFIG, checkpoint)
    from_file = inference_model(model, TROUSER)
    _check_result(from_file, ['class_%d' % i for i in range(10)])
    # A colour (BGR) array of the same grey image is converted like the file loader does.
    from_array = inference_model(model, cv2.imread(TROUSER, cv2.IMREAD_COLOR))
    np.testing.assert_allclose(from_array['pred_scores'], from_file['pred_scores'], rtol=1e-5)
    grey = inference_model(model, cv2.imread(TROUSER, cv2.IMREAD_GRAYSCALE))
    np.testing.assert_allclose(grey['pred_scores'], from_file['pred_scores'], rtol=1e-5)


def test_inference_model_accepts_a_config_path():
    result = inference_model(CONFIG, TROUSER)  # random weights, class names from the config
    _check_result(result, CLASSES)


def test_inferencer_matches_the_dataset_pipeline(inferencer):
    """The inferencer predicts what the test loop would predict for the same file."""
    from mmcls.datasets.collate import pseudo_collate
    from mmcls.registry import DATASETS
    dataset_cfg = dict(inferencer.config.test_dataloader.dataset)
    dataset = DATASETS.build(dataset_cfg)
    samples = [dataset[i] for i in (0, 150, 999)]
    with torch.no_grad():
        expected = inferencer.model.test_step(pseudo_collate(samples))
    paths = [s['data_samples'].img_path for s in samples]
    results = inferencer(paths, batch_size=2)
    for exp, res in zip(expected, results):
        np.testing.assert_allclose(res['pred_scores'], exp.pred_label.score.numpy(), rtol=1e-5,
                                   atol=1e-7)


def test_inferencer_folder_batch_4_writes_10_visualisations(inferencer, ten_images, tmp_path):
    out_dir = tmp_path / 'vis'
    results = inferencer(ten_images, batch_size=4, show_dir=str(out_dir), rescale_factor=4)
    assert len(results) == 10
    written = sorted(os.listdir(out_dir))
    expected = sorted(osp.splitext(n)[0] + '.png' for n in os.listdir(ten_images))
    assert written == expected
    drawn = cv2.imread(str(out_dir / written[0]))
    assert drawn.shape == (28 * 4, 28 * 4, 3)
    # Batching does not change the predictions.
    one_by_one = inferencer(ten_images, batch_size=1)
    for a, b in zip(results, one_by_one):
        np.testing.assert_allclose(a['pred_scores'], b['pred_scores'], rtol=1e-5, atol=1e-7)
        assert a['pred_label'] == b['pred_label']


def test_inferencer_streams_a_generator_and_ndarray_batches(inferencer, ten_images):
    paths = [osp.join(ten_images, n) for n in sorted(os.listdir(ten_images))]
    streamed = inferencer((p for p in paths), batch_size=3, progress=True)
    listed = inferencer(paths, batch_size=3)
    assert [r['pred_label'] for r in streamed] == [r['pred_label'] for r in listed]
    stack = np.stack([cv2.imread(p, cv2.IMREAD_GRAYSCALE) for p in paths])  # N x H x W
    from_stack = inferencer(stack[..., None], batch_size=5)
    np.testing.assert_allclose(np.stack([r['pred_scores'] for r in from_stack]),
                               np.stack([r['pred_scores'] for r in listed]), rtol=1e-5)


def test_inferencer_sends_uint8_to_the_data_preprocessor(inferencer, monkeypatch):
    seen = []
    preprocessor = inferencer.model.data_preprocessor
    original = type(preprocessor).forward

    def spy(self, data, training=False):
        seen.extend(t.dtype for t in data['inputs'])
        return original(self, data, training)

    monkeypatch.setattr(type(preprocessor), 'forward', spy)
    inferencer([TROUSER, TROUSER], batch_size=2)
    assert seen == [torch.uint8, torch.uint8]


def test_inferencer_return_datasamples_and_features(inferencer):
    samples = inferencer([TROUSER], return_datasamples=True)
    assert isinstance(samples[0], ClsDataSample)
    assert samples[0].img_path == TROUSER
    assert samples[0].pred_label.score.shape == (10, )
    feats = inferencer([TROUSER, TROUSER, TROUSER], batch_size=2, stage='backbone')
    assert len(feats) == 3
    assert isinstance(feats[0], tuple) and feats[0][0].shape == (10, )
    # LeNet-5's backbone ends with the classifier: its features are the logits.
    probs = torch.softmax(feats[0][0], dim=0).numpy()
    np.testing.assert_allclose(probs, samples[0].pred_label.score.numpy(), rtol=1e-5, atol=1e-7)


def test_class_names_precedence(checkpoint, tmp_path):
    from_meta = ImageClassificationInferencer(CONFIG, weights=checkpoint)
    assert from_meta.classes == tuple('class_%d' % i for i in range(10))
    bare = tmp_path / 'bare.pth'
    save_checkpoint({'state_dict': torch.load(checkpoint, weights_only=True)['state_dict']},
                    str(bare))
    from_config = ImageClassificationInferencer(CONFIG, weights=str(bare))
    assert from_config.classes == CLASSES
    assert tuple(init_model(CONFIG, str(bare)).CLASSES) == CLASSES
    explicit = ImageClassificationInferencer(CONFIG, weights=str(bare), classes='abcdefghij')
    assert inference_model(explicit.model, TROUSER)['pred_class'] in CLASSES
    assert explicit([TROUSER])[0]['pred_class'] in 'abcdefghij'


def test_inferencer_accepts_a_built_model_and_lists_models(checkpoint):
    model = init_model(CONFIG, checkpoint)
    inferencer = ImageClassificationInferencer(model)
    assert inferencer.model is model
    assert inferencer.cfg is inferencer.config is model.cfg  # rc6 calls it ``cfg``
    assert 'lenet5_mnist' in ImageClassificationInferencer.list_models('lenet*')


def test_inferencer_errors(inferencer, tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.png'):
        inferencer(str(tmp_path / 'missing.png'))
    with pytest.raises(FileNotFoundError, match='no image file'):
        inferencer(str(tmp_path))
    with pytest.raises(ValueError, match='batch_size'):
        inferencer(TROUSER, batch_size=0)
    with pytest.raises(TypeError, match='image path or an ndarray'):
        inferencer([3.5])
    with pytest.raises(ValueError, match='carries no config'):
        ImageClassificationInferencer(torch.nn.Linear(2, 2))


@pytest.mark.parametrize('config', ['configs/lenet/lenet5_fashion-mnist.py',
                                    'configs/resnet/resnet18-w16_fashion-mnist.py'])
def test_full_fashion_mnist_configs_infer_on_files(config):
    """Their pipelines start without a loader: files are read grey, as the 1-channel model needs."""
    torch.manual_seed(0)
    inferencer = ImageClassificationInferencer(osp.join(REPO, config))
    assert inferencer.preparer.color_type == 'grayscale'
    assert inferencer.classes == CLASSES  # from the FashionMNIST dataset type
    results = inferencer([TROUSER, cv2.imread(TROUSER)], batch_size=2)
    np.testing.assert_allclose(results[0]['pred_scores'], results[1]['pred_scores'], rtol=1e-5)
    _check_result(results[0], CLASSES)


def test_inferencer_steps_preprocess_visualize_postprocess(inferencer, ten_images, tmp_path):
    paths = [osp.join(ten_images, n) for n in sorted(os.listdir(ten_images))][:5]
    batches = list(inferencer.preprocess(paths, batch_size=2))
    assert [len(b['inputs']) for b in batches] == [2, 2, 1]
    assert batches[0]['inputs'][0].dtype == torch.uint8
    preds = [p for b in batches for p in inferencer.forward(b)]
    assert [p.img_path for p in preds] == paths
    assert inferencer.visualize(paths, preds) is None
    out_dir = str(tmp_path / "drawn")
    drawn = inferencer.visualize(paths[:2], preds[:2], show_dir=out_dir, rescale_factor=2)
    assert [d.shape for d in drawn] == [(56, 56, 3)] * 2
    assert sorted(os.listdir(out_dir)) == sorted(
        osp.splitext(osp.basename(p))[0] + '.png' for p in paths[:2])
    results = inferencer.postprocess(preds, drawn)
    assert [r['pred_label'] for r in results] == [r['pred_label'] for r in inferencer(paths)]
    assert inferencer.postprocess(preds, None, return_datasamples=True) == preds
    assert inferencer.visualize_kwargs <= set(
        inspect.signature(inferencer.visualize).parameters)


def test_inferencer_call_runs_through_overridden_steps(checkpoint):
    calls = []

    class Counting(ImageClassificationInferencer):

        def postprocess(self, preds, visualization, return_datasamples=False):
            calls.append(len(preds))
            return [p.pred_label.score.argmax().item() for p in preds]

    labels = Counting(CONFIG, weights=checkpoint)([TROUSER] * 3, batch_size=2)
    assert calls == [2, 1]
    assert len(labels) == 3 and len(set(labels)) == 1
