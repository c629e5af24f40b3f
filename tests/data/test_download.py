"""The download rule's helper: resumes, verifies sha256, fails clearly. Loopback only."""

import hashlib
import http.server

import pytest
from loopback import serving

from rbpgia.data.download import download
from rbpgia.errors import InputError

PAYLOAD = bytes(range(256)) * 400


class RangeHandler(http.server.BaseHTTPRequestHandler):
    requests: list = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        RangeHandler.requests.append(self.headers.get("Range"))
        start = 0
        if self.headers.get("Range"):
            start = int(self.headers["Range"].split("=")[1].rstrip("-"))
            self.send_response(206)
        else:
            self.send_response(200)
        body = PAYLOAD[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    RangeHandler.requests = []
    with serving(RangeHandler) as address:
        yield f"http://{address}/norm_data.txt.gz"


def test_download_resumes_a_partial_file(server, tmp_path):
    target = tmp_path / "data" / "norm_data.txt.gz"
    target.parent.mkdir()
    (target.parent / "norm_data.txt.gz.part").write_bytes(PAYLOAD[:1000])
    digest = hashlib.sha256(PAYLOAD).hexdigest()
    download(server, target, sha256=digest)
    assert target.read_bytes() == PAYLOAD
    assert RangeHandler.requests == ["bytes=1000-"]
    assert not (target.parent / "norm_data.txt.gz.part").exists()


def test_checksum_mismatch_removes_the_file(server, tmp_path):
    target = tmp_path / "norm_data.txt.gz"
    with pytest.raises(InputError, match="checksum mismatch.*removed"):
        download(server, target, sha256="0" * 64)
    assert list(tmp_path.iterdir()) == []


def test_no_network_says_where_to_put_the_file(tmp_path):
    target = tmp_path / "norm_data.txt.gz"
    with pytest.raises(InputError, match="place the file at .*norm_data.txt.gz by hand"):
        download("http://127.0.0.1:9/none.gz", target, timeout=5)
    assert not target.exists()
