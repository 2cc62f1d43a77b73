"""ImageRetrievalInferencer: gallery from a folder, ndarrays, a dataset config, a tensor; cache."""
import cv2
import numpy as np
import pytest
import torch

from mmcls.apis.retrieval_inference import ImageRetrievalInferencer

CONFIG = """
model = dict(
    type='ImageToImageRetriever',
    image_encoder=[dict(type='ResNet', depth=18, out_indices=(3, )),
                   dict(type='GlobalAveragePooling')],
    prototype=dict(dataset=dict(type='CustomDataset', data_prefix='unused'), batch_size=2),
    data_preprocessor=dict(mean=[127.5] * 3, std=[60.0] * 3, to_rgb=True))
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='Resize', scale=32),
                 dict(type='PackClsInputs')]
test_dataloader = dict(dataset=dict(type='CustomDataset', data_prefix='unused',
                                    pipeline=test_pipeline))
"""


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    torch.manual_seed(0)
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp('retrieval')
    (root / 'gallery').mkdir()
    rng = np.random.default_rng(0)
    images = []
    for i in range(5):
        img = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
        cv2.imwrite(str(root / 'gallery' / f'{i}.png'), img)
        images.append(img)
    config = root / 'retriever.py'
    config.write_text(CONFIG)
    return root, images, str(config)


def test_folder_gallery_finds_the_query_itself_and_caches(setup):
    root, images, config = setup
    cache = root / 'proto.pth'
    inferencer = ImageRetrievalInferencer(config, prototype=str(root / 'gallery'),
                                          prototype_cache=str(cache), prepare_batch_size=2)
    assert cache.is_file() and inferencer.model.prototype_vecs.shape == (5, 512)
    matches = inferencer([str(root / 'gallery' / '3.png'), images[1]], topk=2, batch_size=2)
    assert [m['sample_idx'] for m in (matches[0][0], matches[1][0])] == [3, 1]
    assert matches[0][0]['match_score'] == pytest.approx(1.0, abs=1e-4)
    assert matches[0][0]['sample']['img_path'].endswith('3.png')
    assert len(matches[0]) == 2 and matches[0][1]['match_score'] < matches[0][0]['match_score']

    # an existing cache is loaded instead of encoding the gallery again
    cached = ImageRetrievalInferencer(inferencer.model, prototype=str(root / 'gallery'),
                                      prototype_cache=str(cache))
    torch.testing.assert_close(cached.model.prototype_vecs, torch.load(cache))
    sample, = cached(images[4], return_datasamples=True)
    assert sample.pred_label.score.shape == (5, )


def test_ndarray_tensor_and_dataset_config_galleries(setup):
    root, images, config = setup
    by_array = ImageRetrievalInferencer(config, prototype=images)
    best = by_array(images[2])[0][0]
    assert best['sample_idx'] == 2 and best['sample'] == {'img_index': 2}
    assert best['match_score'] == pytest.approx(1.0, abs=1e-4)
    model = by_array.model  # the same weights for the galleries below

    vectors = by_array.model.prototype_vecs.clone()
    by_tensor = ImageRetrievalInferencer(model, prototype=vectors[[4, 2]])
    best, = by_tensor(images[2])[0]
    assert best['sample_idx'] == 1 and 'sample' not in best

    by_dataset = ImageRetrievalInferencer(
        model, prototype=dict(type='CustomDataset', data_root=str(root / 'gallery'),
                               data_prefix='', with_label=False))
    best, = by_dataset(images[0])[0]
    assert best['sample']['img_path'].endswith('0.png')
    torch.testing.assert_close(by_dataset.model.prototype_vecs, vectors, atol=1e-4, rtol=1e-4)


def test_errors(setup):
    root, _, config = setup
    with pytest.raises(ValueError, match='2-D'):
        ImageRetrievalInferencer(config, prototype=torch.zeros(3))
    inferencer = ImageRetrievalInferencer(config, prototype=torch.eye(512)[:3])
    with pytest.raises(ValueError, match='topk'):
        inferencer(str(root / 'gallery' / '0.png'), topk=0)
