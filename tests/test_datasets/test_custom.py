import os
import os.path as osp
import warnings

import pytest

from mmcls.datasets import CustomDataset, ImageNet, ImageNet21k
from mmcls.datasets.categories import IMAGENET_CATEGORIES
from mmcls.registry import DATASETS


@pytest.fixture
def folder_tree(tmp_path, files):
    root = tmp_path / 'train'
    files.write_image(str(root / 'dog' / 'b.png'), 1)
    files.write_image(str(root / 'dog' / 'a.jpg'), 2)
    files.write_image(str(root / 'cat' / 'x.JPEG'), 3)
    files.write_image(str(root / 'cat' / 'nested' / 'deep' / 'y.bmp'), 4)
    files.write_text(str(root / 'cat' / 'notes.txt'), ['not an image'])
    return root


def test_folder_layout(folder_tree):
    dataset = CustomDataset(data_prefix=str(folder_tree))
    assert dataset.CLASSES == ('cat', 'dog')
    assert dataset.folder_to_idx == {'cat': 0, 'dog': 1}
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    rel = [(osp.relpath(i['img_path'], str(folder_tree)), i['gt_label']) for i in infos]
    assert rel == [('cat/nested/deep/y.bmp', 0), ('cat/x.JPEG', 0), ('dog/a.jpg', 1),
                   ('dog/b.png', 1)]
    assert all(osp.isfile(i['img_path']) for i in infos)


def test_folder_layout_via_data_root_and_extensions(folder_tree):
    with pytest.warns(UserWarning, match='no image with extensions .png'):
        dataset = CustomDataset(data_root=str(folder_tree), extensions=['.PNG'])
    assert len(dataset) == 1 and dataset.get_data_info(0)['img_path'].endswith('dog/b.png')
    # cat has no .png: warned, but its class is kept
    with pytest.warns(UserWarning, match='cat'):
        CustomDataset(data_root=str(folder_tree), extensions=['.png'])


def test_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing'):
        CustomDataset(data_prefix=str(tmp_path / 'missing'))
    (tmp_path / 'empty' / 'cls').mkdir(parents=True)
    with pytest.raises(RuntimeError, match='found no image file'):
        CustomDataset(data_prefix=str(tmp_path / 'empty'))
    with pytest.raises(ValueError, match='at least one'):
        CustomDataset()


def test_folder_class_count_must_match(folder_tree):
    with pytest.raises(ValueError, match='2 class folders but 3'):
        CustomDataset(data_prefix=str(folder_tree), classes=['a', 'b', 'c'])
    named = CustomDataset(data_prefix=str(folder_tree), classes=['kitty', 'doggy'])
    assert named.CLASSES == ('kitty', 'doggy')


def test_unlabeled_folder(folder_tree):
    dataset = CustomDataset(data_prefix=str(folder_tree), with_label=False)
    assert len(dataset) == 4
    assert 'gt_label' not in dataset.get_data_info(0)


def test_ann_file_layout(tmp_path, files):
    ann = files.write_text(str(tmp_path / 'meta' / 'train.txt'),
                           ['folder_1/xxx.png 0', 'folder_1/x y.png 1', '', '123.png 2'])
    dataset = CustomDataset(data_root=str(tmp_path), ann_file='meta/train.txt',
                            data_prefix='images', classes=['A', 'B', 'C'])
    assert dataset.ann_file == ann
    assert [dataset.get_data_info(i)['gt_label'] for i in range(3)] == [0, 1, 2]
    assert dataset.get_data_info(1)['img_path'] == osp.join(str(tmp_path), 'images',
                                                            'folder_1/x y.png')
    lines = repr(dataset).splitlines()
    assert lines[:3] == ['Dataset CustomDataset', '    Number of samples: \t3',
                         '    Number of categories: \t3']
    assert DATASETS.build(dict(type='CustomDataset', ann_file=ann)).CLASSES is None


def test_ann_file_errors_name_file_and_line(tmp_path, files):
    ann = files.write_text(str(tmp_path / 'a.txt'), ['a.png 0', 'b.png 5'])
    with pytest.raises(ValueError, match=r'a\.txt:2: label 5 is out of range \[0, 1\]'):
        CustomDataset(ann_file=ann, classes=['x', 'y'])
    ann = files.write_text(str(tmp_path / 'b.txt'), ['a.png zero'])
    with pytest.raises(ValueError, match=r'b\.txt:1: label .zero. is not an integer'):
        CustomDataset(ann_file=ann)
    ann = files.write_text(str(tmp_path / 'c.txt'), ['lonely.png'])
    with pytest.raises(ValueError, match=r'c\.txt:1: expected'):
        CustomDataset(ann_file=ann)
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        CustomDataset(ann_file=str(tmp_path / 'nope.txt'))
    unlabeled = CustomDataset(ann_file=str(tmp_path / 'c.txt'), with_label=False)
    assert unlabeled.get_data_info(0) == dict(img_path='lonely.png', sample_idx=0)


def test_imagenet_defaults(tmp_path, files):
    ann = files.write_text(str(tmp_path / 'meta' / 'val.txt'),
                           ['ILSVRC2012_val_00000001.JPEG 65', 'ILSVRC2012_val_00000002.JPEG 999'])
    dataset = ImageNet(data_root=str(tmp_path), ann_file='meta/val.txt', data_prefix='val/')
    assert dataset.ann_file == ann
    assert dataset.CLASSES == IMAGENET_CATEGORIES
    assert dataset.CLASSES[dataset.get_data_info(0)['gt_label']] == 'sea snake'
    assert len(dataset) == 2
    with pytest.raises(ValueError, match='out of range'):
        files.write_text(str(tmp_path / 'meta' / 'bad.txt'), ['a.JPEG 1000'])
        ImageNet(data_root=str(tmp_path), ann_file='meta/bad.txt')


def test_imagenet_folder_layout_keeps_names(tmp_path, files):
    for i in range(1000):
        os.makedirs(tmp_path / 'train' / f'n{i:08d}')
    files.write_image(str(tmp_path / 'train' / 'n00000065' / 'n00000065_1.JPEG'))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # 999 empty class folders
        dataset = ImageNet(data_root=str(tmp_path), data_prefix='train')
    assert dataset.get_data_info(0)['gt_label'] == 65
    assert dataset.CLASSES[65] == 'sea snake'


def test_imagenet21k(tmp_path, files):
    files.write_image(str(tmp_path / 'n1' / 'a.jpg'))
    with pytest.raises(ValueError, match='multi_label'):
        ImageNet21k(data_prefix=str(tmp_path), multi_label=True)
    ann = files.write_text(str(tmp_path / 'list.txt'), ['n1/a.jpg 0'])
    with pytest.warns(UserWarning, match='no class names'):
        ImageNet21k(ann_file=ann, data_prefix=str(tmp_path))
    with pytest.warns(UserWarning, match='specify the `ann_file`'):
        assert ImageNet21k(data_prefix=str(tmp_path)).CLASSES == ('n1',)


def test_broken_images_warn_and_training_continues(tmp_path, files):
    root = tmp_path / 'data'
    for i in range(4):
        files.write_image(str(root / 'good' / f'{i}.jpg'), i)
    broken = files.make_broken_files(str(root / 'bad'))
    dataset = CustomDataset(data_prefix=str(root), pipeline=[files.strict_load])
    assert len(dataset) == 7
    bad_indices = [i for i in range(len(dataset))
                   if dataset.get_data_info(i)['img_path'] in broken.values()]
    assert len(bad_indices) == 3
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        for index in bad_indices:
            result = dataset[index]
            assert result['img_path'] not in broken.values()
            assert result['img'].ndim == 3
    messages = ' '.join(str(w.message) for w in caught)
    for path in broken.values():
        assert path in messages
    test_dataset = CustomDataset(data_prefix=str(root), pipeline=[files.strict_load], test_mode=True)
    with pytest.raises(RuntimeError, match='truncated.jpg'):
        test_dataset[[i for i in range(7) if test_dataset.get_data_info(i)['img_path']
                      == broken['truncated']][0]]


def test_find_folders_and_get_samples(folder_tree):
    from mmcls.datasets.custom import find_folders, get_samples
    folders, folder_to_idx = find_folders(str(folder_tree))
    assert folders == ['cat', 'dog'] and folder_to_idx == {'cat': 0, 'dog': 1}
    (folder_tree / 'empty').mkdir()
    _, folder_to_idx = find_folders(str(folder_tree))
    dataset = CustomDataset(data_prefix=str(folder_tree), lazy_init=True)
    samples, empty = get_samples(str(folder_tree), folder_to_idx, dataset.is_valid_file)
    assert samples == [('cat/nested/deep/y.bmp', 0), ('cat/x.JPEG', 0), ('dog/a.jpg', 1),
                       ('dog/b.png', 1)]
    assert empty == {'empty'}


def test_find_folders_and_get_samples_through_a_file_backend(folder_tree):
    from mmcls.datasets.custom import find_folders, get_samples

    class Backend:
        """A storage backend that lists one fixed tree (MMEngine's backend interface)."""

        tree = {'root': ['b', 'a'], 'root/a': ['x.png', 'sub/y.txt'], 'root/b': ['z.jpg']}

        def list_dir_or_file(self, path, list_dir=True, list_file=True, recursive=False):
            assert (list_dir, list_file) in ((True, False), (False, True))
            assert recursive == list_file
            return iter(self.tree[path])

        def join_path(self, *parts):
            return '/'.join(parts)

    folders, folder_to_idx = find_folders('root', Backend())
    assert folders == ['a', 'b']
    samples, empty = get_samples('root', folder_to_idx, lambda f: not f.endswith('.txt'),
                                 Backend())
    assert samples == [('a/x.png', 0), ('b/z.jpg', 1)] and empty == set()


def test_imagenet_extensions_class_attribute(tmp_path, files):
    files.write_image(str(tmp_path / 'n1' / 'a.jpg'))
    files.write_image(str(tmp_path / 'n1' / 'b.webp'))

    class WebpImageNet21k(ImageNet21k):
        IMG_EXTENSIONS = ('.webp', )

    assert ImageNet.IMG_EXTENSIONS == ImageNet21k.IMG_EXTENSIONS
    assert len(ImageNet21k(data_prefix=str(tmp_path))) == 1
    dataset = WebpImageNet21k(data_prefix=str(tmp_path))
    assert dataset.get_data_info(0)['img_path'].endswith('b.webp') and len(dataset) == 1


def test_expanduser(monkeypatch, tmp_path):
    from pathlib import Path

    from mmcls.datasets.base_dataset import expanduser
    monkeypatch.setenv('HOME', str(tmp_path))
    assert expanduser('~/data') == str(tmp_path / 'data')
    assert expanduser(Path('~') / 'x') == str(tmp_path / 'x')
    assert expanduser(None) is None
