import os.path as osp

import pytest

from mmcls.datasets import VOC
from mmcls.datasets.transforms import PackClsInputs


def _xml(objects):
    body = ''.join(f'<object><name>{name}</name><pose>Left</pose><truncated>0</truncated>'
                   f'<difficult>{int(difficult)}</difficult><bndbox><xmin>1</xmin><ymin>1</ymin>'
                   f'<xmax>5</xmax><ymax>5</ymax></bndbox></object>'
                   for name, difficult in objects)
    return (f'<annotation><folder>VOC2007</folder><filename>x.jpg</filename><size><width>16'
            f'</width><height>12</height><depth>3</depth></size>{body}</annotation>')


@pytest.fixture
def voc_root(tmp_path, files):
    root = tmp_path / 'VOC2007'
    annotations = {
        '000001': [('dog', False), ('person', False), ('person', True)],
        '000002': [('cat', True), ('chair', False)],
        '000003': [('unknownthing', False), ('car', False)],
    }
    for img_id, objects in annotations.items():
        files.write_image(str(root / 'JPEGImages' / f'{img_id}.jpg'))
        (root / 'Annotations').mkdir(exist_ok=True)
        (root / 'Annotations' / f'{img_id}.xml').write_text(_xml(objects))
    files.write_text(str(root / 'ImageSets' / 'Main' / 'trainval.txt'), list(annotations))
    return root


def test_labels_and_difficult(voc_root):
    dataset = VOC(data_root=str(voc_root), image_set_path='ImageSets/Main/trainval.txt')
    assert len(dataset) == 3 and len(dataset.CLASSES) == 20
    idx = dataset.class_to_idx
    first = dataset.get_data_info(0)
    assert first['img_path'] == osp.join(str(voc_root), 'JPEGImages', '000001.jpg')
    assert first['gt_label'] == sorted([idx['dog'], idx['person']])
    assert first['gt_label_difficult'] == []  # person also appears as non-difficult
    second = dataset.get_data_info(1)
    assert second['gt_label'] == [idx['chair']]
    assert second['gt_label_difficult'] == [idx['cat']]
    assert dataset.get_data_info(2)['gt_label'] == [idx['car']]  # unknown names skipped
    assert dataset.get_cat_ids(0) == first['gt_label']
    assert 'Path of image set' in repr(dataset)


def test_test_mode_without_annotations_and_errors(voc_root):
    dataset = VOC(data_root=str(voc_root), image_set_path='ImageSets/Main/trainval.txt',
                  data_prefix=dict(img_path='JPEGImages', ann_path=None), test_mode=True)
    info = dataset.get_data_info(0)
    assert info['gt_label'] is None and info['gt_label_difficult'] is None
    assert 'gt_label' not in PackClsInputs().pack_sample(info)
    with pytest.raises(ValueError, match='ann_path'):
        VOC(data_root=str(voc_root), image_set_path='ImageSets/Main/trainval.txt',
            data_prefix='JPEGImages')
    (voc_root / 'Annotations' / '000002.xml').write_text('<annotation><object>')
    with pytest.raises(ValueError, match='000002.xml.*not valid xml'):
        VOC(data_root=str(voc_root), image_set_path='ImageSets/Main/trainval.txt')
    (voc_root / 'Annotations' / '000002.xml').unlink()
    with pytest.raises(FileNotFoundError, match='000002.xml'):
        VOC(data_root=str(voc_root), image_set_path='ImageSets/Main/trainval.txt')
