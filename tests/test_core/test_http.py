"""mmcls.core.http against a real HTTP server on 127.0.0.1: downloads and POST requests."""
import http.server
import io
import threading

import pytest

from mmcls.core.http import download_to, post


class _Handler(http.server.BaseHTTPRequestHandler):
    """GET /file answers 3 MiB of bytes; POST /echo answers the body reversed; others 404."""

    def do_GET(self):
        if self.path != '/file':
            return self._answer(404, b'no such file')
        self._answer(200, bytes(range(256)) * (3 * 4096))

    def do_POST(self):
        body = self.rfile.read(int(self.headers['Content-Length']))
        if self.path != '/echo':
            return self._answer(404, b'unknown model')
        self._answer(200, body[::-1])

    def _answer(self, status, body):
        self.send_response(status)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope='module')
def server():
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{httpd.server_port}'
    httpd.shutdown()
    httpd.server_close()


def test_download_to_writes_the_whole_body(server):
    out = io.BytesIO()
    download_to(server + '/file', out, 'file', progress=True)
    assert out.getvalue() == bytes(range(256)) * (3 * 4096)
    with pytest.raises(OSError, match='404'):
        download_to(server + '/missing', io.BytesIO(), 'missing')


def test_post_returns_the_answer_and_names_the_url_on_an_error_status(server):
    assert post(server + '/echo', b'abc') == b'cba'
    with pytest.raises(RuntimeError, match=r'/predictions/x answered 404: unknown model'):
        post(server + '/predictions/x', b'abc')
