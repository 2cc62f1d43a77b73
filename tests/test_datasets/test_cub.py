import pytest

from mmcls.datasets import CUB
from mmcls.registry import DATASETS


@pytest.fixture
def cub_root(tmp_path, files):
    root = tmp_path / 'CUB_200_2011'
    images = ['001.Black_footed_Albatross/Black_Footed_Albatross_0001.jpg',
              '001.Black_footed_Albatross/Black_Footed_Albatross_0002.jpg',
              '002.Laysan_Albatross/Laysan_Albatross_0001.jpg',
              '200.Common_Yellowthroat/Common_Yellowthroat_0001.jpg',
              '200.Common_Yellowthroat/Common_Yellowthroat_0002.jpg']
    labels = [1, 1, 2, 200, 200]
    split = [1, 0, 1, 0, 1]  # 1 = training image
    files.write_text(str(root / 'images.txt'), [f'{i + 1} {p}' for i, p in enumerate(images)])
    files.write_text(str(root / 'image_class_labels.txt'), [f'{i + 1} {l}' for i, l in enumerate(labels)])
    files.write_text(str(root / 'train_test_split.txt'), [f'{i + 1} {s}' for i, s in enumerate(split)])
    return root


def test_split_semantics_and_repr(cub_root):
    train = CUB(data_root=str(cub_root), test_mode=False)
    test = CUB(data_root=str(cub_root), test_mode=True)
    assert len(train) == 3 and len(test) == 2
    assert [train.get_data_info(i)['gt_label'] for i in range(3)] == [0, 1, 199]
    assert test.get_data_info(0)['img_path'].endswith(
        'images/001.Black_footed_Albatross/Black_Footed_Albatross_0002.jpg')
    assert train.CLASSES[199] == 'Common_Yellowthroat' and len(train.CLASSES) == 200
    assert repr(train).splitlines() == [
        'Dataset CUB', '    Number of samples: \t3', '    Number of categories: \t200',
        f'    Root of dataset: \t{cub_root}']
    assert len(DATASETS.build(dict(type='CUB', data_root=str(cub_root), test_mode=True))) == 2


def test_mismatched_ids(cub_root, files):
    files.write_text(str(cub_root / 'train_test_split.txt'), ['1 1', '2 0'])
    with pytest.raises(ValueError, match='image ids'):
        CUB(data_root=str(cub_root), test_mode=False)
