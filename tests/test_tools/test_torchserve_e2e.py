"""TorchServe end to end: a real server (Java frontend + Python worker) serves an mmcls ``.mar``.

``tools/torchserve/mmcls2torchserve.py`` packs a LeNet-5 Fashion-MNIST checkpoint with random
weights; ``torchserve --start`` serves it on free 127.0.0.1 ports from a temporary folder (its pid
file, sockets, unpacked models and logs stay there); JPEG and PNG uploads must get the labels and
scores of local ``inference_model``; corrupt or too large uploads get 400/413 without failing the
valid requests batched with them.  Skipped without torchserve, torch-model-archiver or Java.
"""
import importlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
import pytest

pytest.importorskip('ts.model_server',
                    reason='torchserve is not installed (pip install torchserve)')
pytest.importorskip('model_archiver', reason='torch-model-archiver is not installed '
                                             '(pip install torch-model-archiver)')


def _java() -> str:
    """The ``java`` TorchServe will start: ``$JAVA_HOME/bin/java``, else the one on PATH."""
    java_home = os.environ.get('JAVA_HOME')
    if java_home:
        candidate = os.path.join(java_home, 'bin', 'java')
        return candidate if os.access(candidate, os.X_OK) else ''
    return shutil.which('java') or ''


if not _java():
    pytest.skip('TorchServe needs Java (set JAVA_HOME or put java on PATH)',
                allow_module_level=True)

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'configs' / 'lenet' / 'lenet5_fashion-mnist.py'
MODEL_NAME = 'lenet5_fmnist'
MAX_PIXELS = 64 * 64  # the worker refuses larger images with 413
STARTUP_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 30.0
SERVER_CMD = [sys.executable, '-m', 'ts.model_server']  # what the ``torchserve`` script runs


def _free_ports(count: int) -> list:
    """``count`` distinct ports free on 127.0.0.1 (held together so that none repeats)."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(('127.0.0.1', 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _write_properties(path: Path, ports: list) -> None:
    """Bind every TorchServe endpoint to loopback and batch up to 4 requests for 300 ms."""
    inference, management, metrics, grpc_inference, grpc_management, worker = ports
    model = {MODEL_NAME: {'1.0': {'defaultVersion': True, 'marName': f'{MODEL_NAME}.mar',
                                  'minWorkers': 1, 'maxWorkers': 1, 'batchSize': 4,
                                  'maxBatchDelay': 300, 'responseTimeout': 60}}}
    path.write_text('\n'.join([
        f'inference_address=http://127.0.0.1:{inference}',
        f'management_address=http://127.0.0.1:{management}',
        f'metrics_address=http://127.0.0.1:{metrics}',
        'grpc_inference_address=127.0.0.1',
        'grpc_management_address=127.0.0.1',
        f'grpc_inference_port={grpc_inference}',
        f'grpc_management_port={grpc_management}',
        f'initial_worker_port={worker}',
        'disable_token_authorization=true',
        'disable_system_metrics=true',
        'vmargs=-Xmx512m',
        f'models={json.dumps(model)}',
        '']))


def _server_env(run_dir: Path) -> dict:
    """Keep the pid file, worker sockets, unpacked models and logs inside ``run_dir``."""
    tmp, logs = run_dir / 'tmp', run_dir / 'logs'
    tmp.mkdir()
    logs.mkdir()
    env = {k: v for k, v in os.environ.items() if k != 'TS_CONFIG_FILE'}
    env.update(TMPDIR=str(tmp), TEMP=str(tmp), LOG_LOCATION=str(logs),
               METRICS_LOCATION=str(logs), MMCLS_MAX_IMAGE_PIXELS=str(MAX_PIXELS),
               OMP_NUM_THREADS='1')
    return env


def _request(url: str, body: bytes = None, method: str = 'GET',
             content_type: str = 'application/octet-stream') -> tuple:
    """``(status, parsed JSON or text)`` of one HTTP request; 4xx/5xx are returned, not raised.

    The content type matters: TorchServe parses a body sent as urllib's default
    ``application/x-www-form-urlencoded`` into form fields instead of passing the bytes on.
    """
    headers = {'Content-Type': content_type} if body is not None else {}
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as response:
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, payload = error.code, error.read()
    try:
        return status, json.loads(payload)
    except ValueError:
        return status, payload.decode(errors='replace')


def _log_tail(run_dir: Path, chars: int = 3000) -> str:
    """The end of the server's console and log files, to explain a failed start."""
    files = [run_dir / 'console.txt', *sorted((run_dir / 'logs').glob('*.log'))]
    return '\n'.join(f.read_text(errors='replace') for f in files if f.is_file())[-chars:]


def _wait_until_ready(process: subprocess.Popen, addresses: dict, run_dir: Path) -> None:
    """Poll ``/ping``, then the management API until the model's worker is READY."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    ping = f'http://{addresses["inference"]}/ping'
    describe = f'http://{addresses["management"]}/models/{MODEL_NAME}'
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f'TorchServe exited with {process.returncode}:\n{_log_tail(run_dir)}')
        try:
            if _request(ping)[0] == 200:
                status, described = _request(describe)
                workers = described[0]['workers'] if status == 200 else []
                if any(worker['status'] == 'READY' for worker in workers):
                    return
        except (OSError, ValueError, KeyError, IndexError):
            pass  # not listening yet, or the model is still loading
        time.sleep(0.5)
    pytest.fail(f'TorchServe not ready after {STARTUP_TIMEOUT_S:.0f} s:\n{_log_tail(run_dir)}')


def _stop(process: subprocess.Popen, env: dict, run_dir: Path) -> None:
    """``torchserve --stop``, then kill whatever of the server's process group is left."""
    try:
        subprocess.run(SERVER_CMD + ['--stop'], cwd=run_dir, env=env, timeout=30,
                       capture_output=True)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
    finally:
        try:  # the launcher leads the group: the Java frontend and the Python workers
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)


def _load_tool(name: str):
    return importlib.import_module(f'mmcls.tools.{name}')


def _write_images(folder: Path) -> dict:
    """A colour JPEG, a grey PNG, a PNG above ``MAX_PIXELS`` and a corrupt upload."""
    rng = np.random.default_rng(0)
    paths = {'jpeg': folder / 'shirt.jpg', 'png': folder / 'boot.png',
             'large': folder / 'large.png', 'corrupt': folder / 'corrupt.jpg'}
    assert cv2.imwrite(str(paths['jpeg']), rng.integers(0, 256, (36, 30, 3), dtype=np.uint8))
    assert cv2.imwrite(str(paths['png']), rng.integers(0, 256, (28, 28), dtype=np.uint8))
    assert cv2.imwrite(str(paths['large']), np.zeros((80, 80), dtype=np.uint8))
    paths['corrupt'].write_bytes(b'\xff\xd8\xff\xe0 this is not a JPEG')
    return paths


@pytest.fixture(scope='module')
def torchserve(tmp_path_factory):
    """A running TorchServe holding ``lenet5_fmnist.mar``, with its checkpoint and images."""
    import torch

    from mmcls.apis import init_model
    from mmcls.datasets import FashionMNIST
    from mmcls.core.checkpoint import save_checkpoint
    folder = tmp_path_factory.mktemp('torchserve')
    torch.manual_seed(0)
    ckpt = folder / 'lenet5.pth'
    save_checkpoint({'state_dict': init_model(str(CONFIG)).state_dict(),
                     'meta': {'dataset_meta': {'classes': list(FashionMNIST.METAINFO['classes'])}}},
                    str(ckpt))
    store = folder / 'store'
    subprocess.run([sys.executable, str(REPO / 'tools' / 'torchserve' / 'mmcls2torchserve.py'),
                    str(CONFIG), str(ckpt), '--output-folder', str(store),
                    '--model-name', MODEL_NAME], check=True, timeout=120)
    run_dir = folder / 'run'
    run_dir.mkdir()
    ports = _free_ports(6)
    _write_properties(run_dir / 'config.properties', ports)
    env = _server_env(run_dir)
    addresses = {'inference': f'127.0.0.1:{ports[0]}', 'management': f'127.0.0.1:{ports[1]}'}
    with open(run_dir / 'console.txt', 'wb') as console:
        process = subprocess.Popen(
            SERVER_CMD + ['--start', '--foreground', '--ncs', '--disable-token-auth',
                          '--model-store', str(store), '--models', f'{MODEL_NAME}={MODEL_NAME}.mar',
                          '--ts-config', str(run_dir / 'config.properties')],
            cwd=run_dir, env=env, stdout=console, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        _wait_until_ready(process, addresses, run_dir)
        yield dict(addresses=addresses, ckpt=ckpt, images=_write_images(folder),
                   model=init_model(str(CONFIG), str(ckpt)), run_dir=run_dir)
    finally:
        _stop(process, env, run_dir)


def _predict(server: dict, path: Path, method: str = 'POST') -> tuple:
    """Upload the image file at ``path`` with its image content type."""
    url = f'http://{server["addresses"]["inference"]}/predictions/{MODEL_NAME}'
    content_type = 'image/png' if path.suffix == '.png' else 'image/jpeg'
    return _request(url, path.read_bytes(), method, content_type)


def test_jpeg_and_png_match_local_inference(torchserve):
    from mmcls.apis import inference_model
    for kind, method in (('jpeg', 'PUT'), ('png', 'POST')):  # PUT is what ``curl -T`` sends
        path = torchserve['images'][kind]
        status, answer = _predict(torchserve, path, method)
        assert status == 200, answer
        assert set(answer) == {'pred_label', 'pred_score', 'pred_class'}
        local = inference_model(torchserve['model'], str(path))
        assert answer['pred_label'] == local['pred_label']
        assert answer['pred_class'] == local['pred_class']
        assert answer['pred_score'] == pytest.approx(local['pred_score'], abs=1e-5)


def test_bad_uploads_fail_alone_in_their_batch(torchserve):
    """Sent together they (usually) share one batch of 4; only the bad uploads get errors."""
    images = torchserve['images']
    uploads = [images[kind] for kind in ('corrupt', 'jpeg', 'large', 'png')]
    with ThreadPoolExecutor(len(uploads)) as pool:
        (bad, bad_answer), (good, answer), (large, large_answer), (good_png, _) = \
            pool.map(lambda path: _predict(torchserve, path), uploads)
    assert bad == 400 and bad_answer['type'] == 'BadRequestException', bad_answer
    assert 'cannot decode' in bad_answer['message']
    assert large == 413 and large_answer['type'] == 'PayloadTooLargeException', large_answer
    assert (good, good_png) == (200, 200)
    assert set(answer) == {'pred_label', 'pred_score', 'pred_class'}


def test_test_torchserver_tool_agrees(torchserve, capsys):
    tool = _load_tool('test_torchserver')
    code = tool.main([str(torchserve['images']['png']), str(CONFIG), str(torchserve['ckpt']),
                      MODEL_NAME, '--inference-addr', torchserve['addresses']['inference']])
    out = capsys.readouterr().out
    assert code == 0, out
    assert 'agrees with PyTorch' in out
