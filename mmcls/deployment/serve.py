"""``mmcls serve CONFIG CHECKPOINT --port 8080``: a small HTTP inference server.

It answers the TorchServe inference API (the same requests work against either):

- ``POST`` (or ``PUT``, as ``curl -T`` sends) ``/predictions/{model_name}`` with the image file
  as the body, or as a ``multipart/form-data`` part (``curl -F data=@img.jpg``) →
  ``{"pred_label": 58, "pred_score": 0.38, "pred_class": "water snake"}``;
- ``GET /ping`` → ``{"status": "Healthy"}``; ``GET /models`` → the served model.

Errors are JSON ``{"code", "type", "message"}`` like TorchServe's: 400 for an image that cannot
be decoded, 404 for an unknown model or path, 411/413 for a missing or too large body (the body
cap is ``--max-body-mb``; images above ``$MMCLS_MAX_IMAGE_PIXELS`` pixels are refused too) and
503 when the request queue is full.

Requests are decoded and transformed in their own threads; a single worker thread runs the model
on batches of whatever requests arrived together (up to ``--max-batch-size``, waiting at most
``--max-wait-ms`` for a batch to fill), so concurrent clients share forward passes.
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
import queue
import sys
import threading
import time
from concurrent.futures import Future
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple

__all__ = ['Batcher', 'PredictionServer', 'HTTPError', 'make_server', 'parse_args', 'main']


class HTTPError(Exception):
    """An error answered to the client with ``status`` and a TorchServe-style JSON body."""

    def __init__(self, status: int, kind: str, message: str):
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message


class Batcher:
    """Run ``model.test_step`` on batches of concurrently submitted samples in one thread.

    Args:
        model: the classifier.
        max_batch_size: most samples in one forward pass.
        max_wait_ms: how long the first sample of a batch waits for others.
        max_queue: pending samples beyond which :meth:`submit` refuses (HTTP 503).
    """

    def __init__(self, model: Any, max_batch_size: int = 8, max_wait_ms: float = 5.0,
                 max_queue: int = 256):
        if max_batch_size < 1:
            raise ValueError(f'max_batch_size must be >= 1, got {max_batch_size}')
        self.model = model
        self.max_batch_size = int(max_batch_size)
        self.max_wait = max(float(max_wait_ms), 0.0) / 1000.0
        self._queue: 'queue.Queue[Optional[Tuple[dict, Future]]]' = queue.Queue(max_queue)
        self.batch_sizes: List[int] = []  # every forward pass's size, for monitoring and tests
        self._thread = threading.Thread(target=self._run, name='mmcls-serve-batcher',
                                        daemon=True)
        self._thread.start()

    def submit(self, packed: dict) -> Future:
        """Queue one packed sample; the future resolves to its ``ClsDataSample``."""
        future: Future = Future()
        try:
            self._queue.put_nowait((packed, future))
        except queue.Full:
            raise HTTPError(503, 'ServiceUnavailableException',
                            'too many pending requests; retry later') from None
        return future

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _collect(self, first: Tuple[dict, Future]) -> Tuple[List[Tuple[dict, Future]], bool]:
        batch, stop = [first], False
        deadline = time.monotonic() + self.max_wait
        while len(batch) < self.max_batch_size:
            remaining = deadline - time.monotonic()
            try:
                item = self._queue.get(timeout=remaining) if remaining > 0 else \
                    self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                stop = True
                break
            batch.append(item)
        return batch, stop

    def _run(self) -> None:
        import torch

        from mmcls.apis.preparation import ImagePreparer
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch, stop = self._collect(first)
            try:
                with torch.no_grad():
                    samples = self.model.test_step(ImagePreparer.collate([p for p, _ in batch]))
                self.batch_sizes.append(len(batch))
                for (_, future), sample in zip(batch, samples):
                    future.set_result(sample)
            except Exception as error:  # answered as HTTP 500 to every request of the batch
                for _, future in batch:
                    future.set_exception(error)
            if stop:
                return


class PredictionServer(ThreadingHTTPServer):
    """A ``ThreadingHTTPServer`` holding one model, its image preparer and a :class:`Batcher`."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: Tuple[str, int], model: Any, model_name: str,
                 max_body_bytes: int = 20 << 20, max_batch_size: int = 8,
                 max_wait_ms: float = 5.0, timeout_s: float = 60.0):
        from mmcls.apis.preparation import ImagePreparer, model_classes
        self.model = model
        self.model_name = model_name
        self.preparer = ImagePreparer(model)
        self.classes = model_classes(model)
        self.max_body_bytes = int(max_body_bytes)
        self.timeout_s = timeout_s
        self.batcher = Batcher(model, max_batch_size, max_wait_ms)
        super().__init__(address, _Handler)

    def server_close(self) -> None:
        super().server_close()
        self.batcher.close()

    def predict(self, content: bytes, source: str) -> Dict[str, Any]:
        """Decode, transform and classify one uploaded image."""
        from mmcls.datasets.transforms.image_io import ImageTooLargeError

        from mmcls.apis.preparation import predictions_to_dicts
        try:
            packed = self.preparer.from_bytes(content, source=source)
        except ImageTooLargeError as error:
            raise HTTPError(413, 'PayloadTooLargeException', str(error)) from None
        except ValueError as error:
            raise HTTPError(400, 'BadRequestException', f'invalid image: {error}') from None
        sample = self.batcher.submit(packed).result(timeout=self.timeout_s)
        return predictions_to_dicts([sample], self.classes)[0]


class _Handler(BaseHTTPRequestHandler):
    server: PredictionServer
    protocol_version = 'HTTP/1.1'

    def log_message(self, format: str, *args: Any) -> None:  # no per-request access log
        return None

    def _send_json(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_error(self, error: HTTPError) -> None:
        self._send_json(error.status, {'code': error.status, 'type': error.kind,
                                       'message': error.message})

    def do_GET(self) -> None:
        if self.path == '/ping':
            self._send_json(200, {'status': 'Healthy'})
        elif self.path == '/models':
            self._send_json(200, {'models': [{'modelName': self.server.model_name,
                                              'modelUrl': f'/predictions/'
                                                          f'{self.server.model_name}'}]})
        else:
            self._send_error(HTTPError(404, 'ResourceNotFoundException',
                                       f'no resource at GET {self.path}'))

    def do_POST(self) -> None:
        try:
            self._send_json(200, self._predict())
        except HTTPError as error:
            if error.status in (411, 413):
                self.close_connection = True  # a body may be left unread
            self._send_error(error)
        except Exception as error:  # the model failed: report it, keep serving
            self._send_error(HTTPError(500, 'InternalServerException',
                                       f'{type(error).__name__}: {error}'))

    do_PUT = do_POST

    def _predict(self) -> Dict[str, Any]:
        parts = self.path.split('?')[0].strip('/').split('/')
        if len(parts) != 2 or parts[0] != 'predictions':
            raise HTTPError(404, 'ResourceNotFoundException',
                            f'no resource at {self.command} {self.path}; use '
                            f'/predictions/{self.server.model_name}')
        if parts[1] != self.server.model_name:
            raise HTTPError(404, 'ModelNotFoundException',
                            f'model not found: {parts[1]!r} (serving '
                            f'{self.server.model_name!r})')
        content = self._read_body()
        content_type = self.headers.get('Content-Type', '')
        if content_type.startswith('multipart/form-data'):
            content = _multipart_file(content, content_type)
        return self.server.predict(content, source=f'upload to {self.path}')

    def _read_body(self) -> bytes:
        length = self.headers.get('Content-Length')
        if self.headers.get('Transfer-Encoding', '').lower() == 'chunked' or length is None:
            raise HTTPError(411, 'LengthRequiredException',
                            'send the image with a Content-Length header')
        try:
            size = int(length)
        except ValueError:
            raise HTTPError(400, 'BadRequestException',
                            f'bad Content-Length {length!r}') from None
        if size > self.server.max_body_bytes:
            _drain(self.rfile, size)
            raise HTTPError(413, 'PayloadTooLargeException',
                            f'body of {size} bytes exceeds the limit of '
                            f'{self.server.max_body_bytes} bytes')
        content = self.rfile.read(size)
        if len(content) != size:
            raise HTTPError(400, 'BadRequestException',
                            f'body ended after {len(content)} of {size} bytes')
        return content


_DRAIN_LIMIT = 64 << 20


def _drain(rfile: Any, size: int) -> None:
    """Read and drop up to ``_DRAIN_LIMIT`` bytes of a refused body, so that the client (still
    sending) reads our 413 instead of a connection reset."""
    left = min(size, _DRAIN_LIMIT)
    while left > 0:
        chunk = rfile.read(min(left, 1 << 16))
        if not chunk:
            return
        left -= len(chunk)


def _multipart_file(content: bytes, content_type: str) -> bytes:
    """The first file part (or the ``data``/``file`` field) of a multipart/form-data body."""
    message = BytesParser(policy=HTTP).parsebytes(
        b'Content-Type: ' + content_type.encode('latin-1') + b'\r\n\r\n' + content)
    if not message.is_multipart():
        raise HTTPError(400, 'BadRequestException', 'malformed multipart/form-data body')
    fields = {}
    for part in message.iter_parts():
        name = part.get_param('name', header='content-disposition')
        payload = part.get_payload(decode=True) or b''
        if part.get_filename() is not None or name in ('data', 'file', 'body'):
            fields.setdefault(name or '', payload)
    for name in ('data', 'file', 'body'):
        if name in fields:
            return fields[name]
    if fields:
        return next(iter(fields.values()))
    raise HTTPError(400, 'BadRequestException',
                    'the multipart/form-data body has no file part (send it as "data")')


def make_server(model: Any, host: str = '127.0.0.1', port: int = 8080,
                model_name: Optional[str] = None, **kwargs: Any) -> PredictionServer:
    """A ready :class:`PredictionServer` for ``model`` (call ``serve_forever``; port 0: any)."""
    if model_name is None:
        config = getattr(model, 'cfg', None)
        filename = getattr(config, 'filename', None) or 'model'
        model_name = osp.splitext(osp.basename(filename))[0]
    return PredictionServer((host, port), model, model_name, **kwargs)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog='mmcls serve', description='Serve a classifier over HTTP with the TorchServe '
        'inference API: POST /predictions/{model_name} with an image body')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file (path or URL)')
    parser.add_argument('--port', type=int, default=8080, help='port to listen on')
    parser.add_argument('--host', default='127.0.0.1',
                        help='address to bind (0.0.0.0 to accept other machines)')
    parser.add_argument('--model-name', default=None,
                        help='name in /predictions/{name} (default: the config file stem)')
    parser.add_argument('--device', default='cpu', help='e.g. cpu or cuda:0')
    parser.add_argument('--max-batch-size', type=int, default=8,
                        help='most concurrent requests run in one forward pass')
    parser.add_argument('--max-wait-ms', type=float, default=5.0,
                        help='how long a request waits for others to batch with')
    parser.add_argument('--max-body-mb', type=float, default=20.0,
                        help='largest accepted upload in MiB (larger: HTTP 413)')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of ``mmcls serve``; serves until interrupted."""
    args = parse_args(argv)
    from mmcls.apis import init_model
    model = init_model(args.config, args.checkpoint, device=args.device)
    server = make_server(model, args.host, args.port, args.model_name,
                         max_body_bytes=int(args.max_body_mb * (1 << 20)),
                         max_batch_size=args.max_batch_size, max_wait_ms=args.max_wait_ms)
    host, port = server.server_address[:2]
    print(f'serving {server.model_name} on http://{host}:{port}/predictions/'
          f'{server.model_name} (Ctrl-C to stop)', flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
