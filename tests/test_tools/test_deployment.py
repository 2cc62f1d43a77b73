"""ONNX export (tools/deployment/pytorch2onnx.py): normalisation folded into the graph, outputs
checked with onnxruntime against PyTorch on real images (demo/demo.JPEG and a generated photo).

The models get the deterministic ``fill_value`` weights of the reference checker so that their
logits are of order one and the 1e-4 tolerance means something.
"""
import importlib
import importlib.util
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / 'tools' / 'deployment' / 'pytorch2onnx.py'
DEMO = REPO / 'demo' / 'demo.JPEG'

onnx = pytest.importorskip('onnx', reason='onnx is not installed (pip install "mmcls[onnx]")')
pytest.importorskip('onnxruntime',
                    reason='onnxruntime is not installed (pip install "mmcls[onnx]")')

ATOL = 1e-4


def load_tool():
    return importlib.import_module('mmcls.tools.pytorch2onnx')


@pytest.fixture(scope='module')
def images(tmp_path_factory):
    """Two real image files: the repository's demo photo and a generated 300x400 PNG."""
    folder = tmp_path_factory.mktemp('images')
    yy, xx = np.mgrid[0:300, 0:400]
    rng = np.random.default_rng(0)
    img = np.stack([xx * 255 / 400, yy * 255 / 300, (xx + yy) % 256], -1)
    img = np.clip(img + rng.normal(0, 20, img.shape), 0, 255).astype(np.uint8)
    cv2.imwrite(str(folder / 'gradient.png'), img)
    return [str(DEMO), str(folder / 'gradient.png')]


def filled_model(name, refcheck):
    import mmcls
    torch.set_num_threads(1)
    return refcheck.fill_model(mmcls.get_model(name).eval())


@pytest.mark.parametrize('name', ['resnet18_8xb32_in1k', 'mobilenet-v2_8xb32_in1k',
                                  'deit-tiny_pt-4xb256_in1k', 'swin-tiny_16xb64_in1k'])
def test_export_matches_pytorch(name, tmp_path, images, refcheck):
    from mmcls.deployment.onnx_export import export_onnx, verify_onnx
    model = filled_model(name, refcheck)
    onnx_file = export_onnx(model, str(tmp_path / 'model.onnx'), shape=(1, 3, 224, 224))
    graph = onnx.load(onnx_file).graph
    assert [i.name for i in graph.input] == ['input']
    assert [o.name for o in graph.output] == ['logits']
    report = verify_onnx(model, onnx_file, images, shape=(1, 3, 224, 224))
    assert report['num_images'] == 2
    assert report['max_abs_logit'] > 0.1
    assert report['max_abs_diff'] < ATOL, report
    assert report['same_top1']


def test_normalisation_is_folded_in(tmp_path, images, refcheck):
    """The graph on raw BGR pixels equals the model on the preprocessed (RGB, normalised) batch,
    and differs from the model fed the raw pixels."""
    from mmcls.deployment.onnx_export import export_onnx, run_onnx
    from mmcls.apis.preparation import ImagePreparer
    model = filled_model('resnet18_8xb32_in1k', refcheck)
    assert model.data_preprocessor.to_rgb
    onnx_file = export_onnx(model, str(tmp_path / 'r18.onnx'), shape=(1, 3, 224, 224))
    raw = ImagePreparer(model).from_file(images[0])['inputs'][None]
    got = run_onnx(onnx_file, raw.float().numpy())
    with torch.no_grad():
        mean = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1)
        std = torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1)
        by_hand = model((raw.flip(1).float() - mean) / std, mode='tensor').numpy()
        unnormalised = model(raw.float(), mode='tensor').numpy()
    assert np.abs(got - by_hand).max() < ATOL
    assert np.abs(got - unnormalised).max() > 100 * ATOL


def test_tool_dynamic_export_and_verify(tmp_path, images, refcheck, capsys):
    """The command line: a checkpoint in, a dynamic-batch/size graph out, verified on images."""
    from mmcls.deployment.onnx_export import run_onnx
    from mmcls.core.checkpoint import save_checkpoint
    model = filled_model('resnet18_8xb32_in1k', refcheck)
    ckpt = tmp_path / 'r18.pth'
    save_checkpoint({'state_dict': model.state_dict()}, str(ckpt))
    out = tmp_path / 'r18_dynamic.onnx'
    code = load_tool().main([model.cfg.filename, str(ckpt), '--output-file', str(out),
                             '--shape', '224', '--dynamic-export', '--verify',
                             '--test-img', images[0], '--test-img', images[1]])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert 'max |onnxruntime - pytorch|' in printed
    diff = float(printed.split('pytorch| = ')[1].split()[0])
    assert diff < ATOL
    batch = np.random.default_rng(0).integers(0, 256, (3, 3, 160, 192)).astype(np.float32)
    assert run_onnx(str(out), batch).shape == (3, 1000)


def test_simplified_graph_is_smaller_and_still_exact(tmp_path, images, refcheck):
    """--simplify (onnxsim) folds the constant normalisation into fewer nodes, same logits."""
    pytest.importorskip('onnxsim', reason='onnxsim is not installed (pip install "mmcls[onnx]")')
    from mmcls.deployment.onnx_export import export_onnx, verify_onnx
    model = filled_model('mobilenet-v2_8xb32_in1k', refcheck)
    plain = export_onnx(model, str(tmp_path / 'plain.onnx'), shape=(1, 3, 224, 224))
    simple = export_onnx(model, str(tmp_path / 'simple.onnx'), shape=(1, 3, 224, 224),
                         simplify=True)
    assert len(onnx.load(simple).graph.node) < len(onnx.load(plain).graph.node)
    report = verify_onnx(model, simple, images, shape=(1, 3, 224, 224))
    assert report['max_abs_diff'] < ATOL and report['same_top1'], report


def test_dynamic_export_of_a_token_model_keeps_its_size(tmp_path, refcheck):
    """Swin: the batch is dynamic, height and width stay those of the export (a traced window
    partition would silently give wrong outputs at other sizes)."""
    from mmcls.deployment.onnx_export import NormalizedClassifier, export_onnx, run_onnx
    model = filled_model('swin-tiny_16xb64_in1k', refcheck)
    onnx_file = export_onnx(model, str(tmp_path / 'swin.onnx'), shape=(1, 3, 224, 224),
                            dynamic_export=True)
    dims = onnx.load(onnx_file).graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == 'batch' and [d.dim_value for d in dims[1:]] == [3, 224, 224]
    batch = np.random.default_rng(0).integers(0, 256, (2, 3, 224, 224)).astype(np.float32)
    with torch.no_grad():
        expected = NormalizedClassifier(model)(torch.from_numpy(batch)).numpy()
    assert np.abs(run_onnx(onnx_file, batch) - expected).max() < ATOL


def test_tool_explains_missing_onnx(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, 'onnx', None)  # import onnx raises ImportError
    code = load_tool().main(['cfg.py', 'ckpt.pth', '--output-file', str(tmp_path / 'x.onnx')])
    assert code == 2
    assert "pip install 'mmcls[onnx]'" in capsys.readouterr().err


def test_help_documents_the_graph(capsys):
    with pytest.raises(SystemExit):
        load_tool().parse_args(['--help'])
    text = capsys.readouterr().out
    assert 'folded into the graph' in text and 'BGR' in text
