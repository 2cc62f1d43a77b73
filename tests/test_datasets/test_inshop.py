import pytest

from mmcls.datasets import InShop


@pytest.fixture
def inshop_root(tmp_path, files):
    rows = [('img/WOMEN/Dresses/id_01/01_1_front.jpg', 'id_01', 'train'),
            ('img/WOMEN/Dresses/id_01/01_2_side.jpg', 'id_01', 'train'),
            ('img/MEN/Denim/id_02/02_1_front.jpg', 'id_02', 'train'),
            ('img/MEN/Tees/id_03/03_1_front.jpg', 'id_03', 'gallery'),
            ('img/MEN/Tees/id_03/03_2_side.jpg', 'id_03', 'query'),
            ('img/MEN/Tees/id_04/04_1_front.jpg', 'id_04', 'gallery'),
            ('img/MEN/Tees/id_03/03_3_back.jpg', 'id_03', 'gallery'),
            ('img/MEN/Tees/id_04/04_2_side.jpg', 'id_04', 'query')]
    files.write_text(str(tmp_path / 'Eval' / 'list_eval_partition.txt'),
                     [str(len(rows)), 'image_name item_id evaluation_status'] +
                     [f'{a}    {b}   {c}' for a, b, c in rows])
    return tmp_path


def test_three_splits(inshop_root):
    train = InShop(data_root=str(inshop_root), split='train')
    assert [train.get_data_info(i)['gt_label'] for i in range(3)] == [0, 0, 1]
    assert train.get_data_info(0)['img_path'] == \
        f'{inshop_root}/Img/img/WOMEN/Dresses/id_01/01_1_front.jpg'
    gallery = InShop(data_root=str(inshop_root), split='gallery')
    assert len(gallery) == 3 and 'gt_label' not in gallery.get_data_info(0)
    assert [gallery.get_data_info(i)['sample_idx'] for i in range(3)] == [0, 1, 2]
    query = InShop(data_root=str(inshop_root), split='query')
    assert [query.get_data_info(i)['gt_label'] for i in range(2)] == [[0, 2], [1]]
    lines = repr(query).splitlines()
    assert lines[0] == 'Dataset InShop'
    assert lines[2] == '    The `CLASSES` meta info is not set.'
    assert lines[3] == f'    Root of dataset: \t{inshop_root}'


def test_bad_split_and_rows(inshop_root, files):
    with pytest.raises(ValueError, match='split'):
        InShop(data_root=str(inshop_root), split='val')
    files.write_text(str(inshop_root / 'Eval' / 'list_eval_partition.txt'),
                     ['1', 'header', 'a.jpg id_1 holdout'])
    with pytest.raises(ValueError, match='list_eval_partition.txt:3'):
        InShop(data_root=str(inshop_root))
