"""``mmcls serve`` (mmcls/deployment/serve.py): real HTTP clients on 127.0.0.1.

8 concurrent clients x 50 requests must all succeed with the predictions the inferencer gives,
concurrent requests must share forward passes, and malformed uploads get clear 4xx answers.
"""
import http.client
import json
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import pytest
import torch

CLASSES = ['cat', 'dog', 'bird']
CONFIG = '''
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                           to_rgb=True),
    backbone=dict(type='ResNet_CIFAR', depth=18, base_channels=8, out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=3, in_channels=64))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(32, 32)),
    dict(type='PackClsInputs'),
]
'''


@pytest.fixture(scope='module')
def served(tmp_path_factory):
    """A running server for a tiny classifier, its config/checkpoint and some PNG uploads."""
    from mmcls.apis import init_model
    from mmcls.deployment.serve import make_server
    from mmcls.core.checkpoint import save_checkpoint
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp('serve')
    config = folder / 'tiny_serve.py'
    config.write_text(CONFIG)
    torch.manual_seed(0)
    ckpt = folder / 'tiny.pth'
    save_checkpoint({'state_dict': init_model(str(config)).state_dict(),
                     'meta': {'dataset_meta': {'classes': CLASSES}}}, str(ckpt))
    model = init_model(str(config), str(ckpt))
    rng = np.random.default_rng(0)
    images = []
    for i in range(6):
        img = rng.integers(0, 256, (20 + 7 * i, 30 + 5 * i, 3), dtype=np.uint8)
        ok, encoded = cv2.imencode('.png', img)
        assert ok
        images.append(encoded.tobytes())
    server = make_server(model, '127.0.0.1', 0, max_body_bytes=64 << 10, max_batch_size=8,
                         max_wait_ms=10)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield dict(server=server, port=server.server_address[1], model=model, images=images,
               config=config, ckpt=ckpt)
    server.shutdown()
    server.server_close()


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b'null')
    finally:
        conn.close()


def expected_predictions(model, images):
    from mmcls.apis.inference import ImageClassificationInferencer
    inferencer = ImageClassificationInferencer(model)
    arrays = [cv2.imdecode(np.frombuffer(b, np.uint8), cv2.IMREAD_COLOR) for b in images]
    return inferencer(arrays)


def test_prediction_matches_the_inferencer(served):
    expected = expected_predictions(served['model'], served['images'])
    for content, want in zip(served['images'], expected):
        status, body = request(served['port'], 'POST', '/predictions/tiny_serve', content)
        assert status == 200, body
        assert set(body) == {'pred_label', 'pred_score', 'pred_class'}
        assert body['pred_label'] == want['pred_label']
        assert body['pred_class'] == CLASSES[want['pred_label']]
        assert body['pred_score'] == pytest.approx(want['pred_score'], abs=1e-5)


def test_put_and_multipart_uploads(served):
    content = served['images'][0]
    status, by_put = request(served['port'], 'PUT', '/predictions/tiny_serve', content)
    assert status == 200
    boundary = uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="data"; filename="a.png"\r\n'
            f'Content-Type: image/png\r\n\r\n').encode() + content + \
        f'\r\n--{boundary}--\r\n'.encode()
    status, by_form = request(served['port'], 'POST', '/predictions/tiny_serve', body,
                              {'Content-Type': f'multipart/form-data; boundary={boundary}'})
    assert status == 200, by_form
    assert by_form == by_put


def test_concurrent_clients_are_batched_without_errors(served):
    """8 clients x 50 requests on keep-alive connections: zero errors, right answers, and the
    server ran fewer forward passes than requests."""
    images = served['images']
    expected = [p['pred_label'] for p in expected_predictions(served['model'], images)]
    batcher = served['server'].batcher
    before = len(batcher.batch_sizes)

    def client(index):
        conn = http.client.HTTPConnection('127.0.0.1', served['port'], timeout=60)
        failures = []
        try:
            for j in range(50):
                k = (index + j) % len(images)
                conn.request('POST', '/predictions/tiny_serve', body=images[k])
                response = conn.getresponse()
                body = json.loads(response.read())
                if response.status != 200 or body['pred_label'] != expected[k]:
                    failures.append((response.status, body))
        finally:
            conn.close()
        return failures

    with ThreadPoolExecutor(8) as pool:
        failures = [f for result in pool.map(client, range(8)) for f in result]
    assert failures == []
    sizes = batcher.batch_sizes[before:]
    assert sum(sizes) == 400
    assert max(sizes) > 1 and len(sizes) < 400


@pytest.mark.parametrize('body,status,kind', [
    (b'not an image at all', 400, 'BadRequestException'),
    (b'', 400, 'BadRequestException'),
    (b'\x89PNG\r\n\x1a\n' + b'\x00' * 64, 400, 'BadRequestException'),  # truncated PNG
    (b'\xff' * (100 << 10), 413, 'PayloadTooLargeException'),  # over the 64 KiB cap
])
def test_malformed_uploads_are_rejected(served, body, status, kind):
    got_status, got = request(served['port'], 'POST', '/predictions/tiny_serve', body)
    assert got_status == status
    assert got['code'] == status and got['type'] == kind and got['message']
    # the server keeps serving
    assert request(served['port'], 'POST', '/predictions/tiny_serve',
                   served['images'][0])[0] == 200


def test_decompression_bomb_is_refused(served, monkeypatch):
    from mmcls.datasets.transforms import image_io
    monkeypatch.setattr(image_io, 'MAX_IMAGE_PIXELS', 100)
    status, body = request(served['port'], 'POST', '/predictions/tiny_serve', served['images'][0])
    assert status == 413 and 'pixels' in body['message']


def test_routing_errors(served):
    port = served['port']
    status, body = request(port, 'POST', '/predictions/other_model', served['images'][0])
    assert status == 404 and body['type'] == 'ModelNotFoundException'
    assert request(port, 'POST', '/nothing/here', b'x')[0] == 404
    assert request(port, 'GET', '/ping') == (200, {'status': 'Healthy'})
    status, body = request(port, 'GET', '/models')
    assert body['models'][0]['modelName'] == 'tiny_serve'
    form = 'multipart/form-data; boundary=xyz'
    status, body = request(port, 'POST', '/predictions/tiny_serve', b'--xyz--\r\n',
                           {'Content-Type': form})
    assert status == 400


def test_main_parses_the_command_line():
    from mmcls.deployment.serve import parse_args
    args = parse_args(['cfg.py', 'ckpt.pth', '--port', '9000', '--max-batch-size', '4'])
    assert (args.port, args.max_batch_size, args.host) == (9000, 4, '127.0.0.1')


# ---------------------------------------------------------------- TorchServe tools
def load_torchserve_tool(name):
    import importlib
    return importlib.import_module(f'mmcls.tools.{name}')


class FakeContext:
    """What TorchServe hands a handler: system properties and the archive manifest."""

    def __init__(self, model_dir, serialized):
        self.system_properties = {'model_dir': str(model_dir), 'gpu_id': None}
        self.manifest = {'model': {'serializedFile': serialized}}


def test_handler_answers_like_the_seed(served, tmp_path):
    import base64
    import shutil
    shutil.copy(served['config'], tmp_path / 'config.py')
    shutil.copy(served['ckpt'], tmp_path / 'weights.pth')
    handler = load_torchserve_tool('mmcls_handler').MMclsHandler()
    images = served['images'][:3]
    rows = [{'data': images[0]}, {'body': bytearray(images[1])},
            {'body': base64.b64encode(images[2]).decode()}]
    answers = handler.handle(rows, FakeContext(tmp_path, 'weights.pth'))
    expected = expected_predictions(served['model'], images)
    for answer, want in zip(answers, expected):
        assert set(answer) == {'pred_label', 'pred_score', 'pred_class'}
        assert answer['pred_label'] == want['pred_label']
        assert answer['pred_class'] == CLASSES[want['pred_label']]
        assert answer['pred_score'] == pytest.approx(want['pred_score'], abs=1e-5)
    with pytest.raises(ValueError, match='cannot decode'):
        handler.handle([{'data': b'garbage'}], None)
    with pytest.raises(ValueError, match='no image'):
        handler.handle([{'other': 1}], None)


def test_handler_reports_a_broken_archive(tmp_path):
    handler = load_torchserve_tool('mmcls_handler').MMclsHandler()
    with pytest.raises(RuntimeError, match='missing'):
        handler.initialize(FakeContext(tmp_path, 'weights.pth'))


def test_mmcls2torchserve_builds_a_mar(served, tmp_path):
    pytest.importorskip('model_archiver',
                        reason='torch-model-archiver is not installed (pip install '
                               'torch-model-archiver)')
    import zipfile
    tool = load_torchserve_tool('mmcls2torchserve')
    store = tmp_path / 'store'
    assert tool.main([str(served['config']), str(served['ckpt']), '--output-folder', str(store),
                      '--model-name', 'tiny_in1k']) == 0
    mar = store / 'tiny_in1k.mar'
    with zipfile.ZipFile(mar) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read('MAR-INF/MANIFEST.json'))
        archive.extractall(tmp_path / 'unpacked')
    assert {'config.py', 'tiny.pth', 'mmcls_handler.py', 'MAR-INF/MANIFEST.json'} <= names
    assert manifest['model']['modelName'] == 'tiny_in1k'
    handler = load_torchserve_tool('mmcls_handler').MMclsHandler()
    context = FakeContext(tmp_path / 'unpacked', manifest['model']['serializedFile'])
    [answer] = handler.handle([{'data': served['images'][0]}], context)
    assert answer['pred_label'] == expected_predictions(served['model'],
                                                        served['images'][:1])[0]['pred_label']


def test_mmcls2torchserve_explains_missing_archiver(served, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, 'model_archiver', None)
    monkeypatch.setitem(sys.modules, 'model_archiver.model_packaging', None)
    tool = load_torchserve_tool('mmcls2torchserve')
    assert tool.main([str(served['config']), str(served['ckpt']), '--output-folder',
                      str(tmp_path)]) == 2
    assert 'pip install torch-model-archiver' in capsys.readouterr().err


def test_test_torchserver_against_mmcls_serve(served, tmp_path, capsys):
    """The TorchServe comparison script, pointed at ``mmcls serve`` (same API as TorchServe)."""
    cv2.imwrite(str(tmp_path / 'img.png'),
                cv2.imdecode(np.frombuffer(served['images'][1], np.uint8), cv2.IMREAD_COLOR))
    tool = load_torchserve_tool('test_torchserver')
    code = tool.main([str(tmp_path / 'img.png'), str(served['config']), str(served['ckpt']),
                      'tiny_serve', '--inference-addr', f'127.0.0.1:{served["port"]}'])
    out = capsys.readouterr().out
    assert code == 0, out
    assert 'agrees with PyTorch' in out
    with pytest.raises(RuntimeError, match='404'):
        tool.main([str(tmp_path / 'img.png'), str(served['config']), str(served['ckpt']),
                   'wrong_name', '--inference-addr', f'127.0.0.1:{served["port"]}'])


def test_serve_help_does_not_import_torch():
    """``mmcls serve --help`` answers without importing torch (the CLI's promise)."""
    import subprocess
    code = ('import sys\nfrom mmcls.deployment.serve import main\n'
            'try:\n    main(["--help"])\nexcept SystemExit:\n    pass\n'
            'assert "torch" not in sys.modules, "torch was imported"\n')
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert '/predictions/' in result.stdout
