"""benchmarks/pipeline_speed.py runs end to end on a few images (so it does not rot)."""
import importlib.util
import sys
from pathlib import Path

import cv2
import pytest

SCRIPT = Path(__file__).resolve().parents[3] / 'benchmarks' / 'pipeline_speed.py'


@pytest.fixture(scope='module')
def bench():
    spec = importlib.util.spec_from_file_location('pipeline_speed', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_single_process_part_runs(tmp_path, photo_maker, bench, monkeypatch, capsys):
    folder = tmp_path / 'images' / 'class_0'
    folder.mkdir(parents=True)
    for index in range(3):
        cv2.imwrite(str(folder / f'{index}.jpg'), photo_maker(300, 400, seed=index))
    (folder / 'notes.txt').write_text('not an image')
    cv2.imwrite(str(folder / 'extra.png'), photo_maker(30, 40))
    assert len(bench.find_images(tmp_path / 'images')) == 4
    assert len(bench.find_images(tmp_path / 'images', bench.JPEG_SUFFIXES)) == 3
    monkeypatch.setattr(sys, 'argv', ['pipeline_speed.py', '--images', str(tmp_path / 'images'),
                                      '--repeats', '1', '--skip-loader', '--large'])
    bench.main()
    out = capsys.readouterr().out
    assert '3 images under' in out  # JPEG files only by default
    assert 'train pipeline' in out and 'test pipeline' in out and 'ratio' in out
    assert 'reduced_decode=True' in out and 'e.g. 1600x1200' in out


def test_pipelines_come_from_the_zoo_config(bench, tmp_path, photo_maker):
    """The measured dataset and loader are the registry-built ones a run would use."""
    cfg = bench.load_configs()
    assert [t['type'] for t in cfg.train_pipeline] == [
        'LoadImageFromFile', 'RandomResizedCrop', 'RandomFlip', 'PackClsInputs']
    folder = tmp_path / 'images' / 'class_0'
    folder.mkdir(parents=True)
    cv2.imwrite(str(folder / '0.jpg'), photo_maker(300, 400))
    dataset = bench.build_dataset(tmp_path / 'images', cfg.train_pipeline, bench.JPEG_SUFFIXES,
                                  times=2)
    assert len(dataset) == 2
    loader = bench.make_loader(cfg, dataset, 0, 'stack')
    batch = next(iter(loader))
    assert tuple(batch['inputs'].shape) == (2, 3, 224, 224)


def test_collates_are_mmcls_own(bench):
    """The loader comparison measures the collate functions the configs use."""
    from mmcls.datasets.collate import default_collate, pseudo_collate
    assert bench.COLLATES == {'stack': default_collate, 'pseudo': pseudo_collate}


def test_no_images_is_a_clear_error(tmp_path, bench):
    with pytest.raises(SystemExit, match='no images'):
        bench.find_images(tmp_path)
