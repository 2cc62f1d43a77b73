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
    assert len(bench.find_images(tmp_path / 'images')) == 3
    monkeypatch.setattr(sys, 'argv', ['pipeline_speed.py', '--images', str(tmp_path / 'images'),
                                      '--repeats', '1', '--skip-loader'])
    bench.main()
    out = capsys.readouterr().out
    assert 'train pipeline' in out and 'test pipeline' in out and 'ratio' in out


def test_collates_are_mmcls_own(bench):
    """The loader comparison measures the collate functions the configs use."""
    from mmcls.datasets.collate import default_collate, pseudo_collate
    assert bench.COLLATES == {'stack': default_collate, 'pseudo': pseudo_collate}


def test_no_images_is_a_clear_error(tmp_path, bench):
    with pytest.raises(SystemExit, match='no images'):
        bench.find_images(tmp_path)
