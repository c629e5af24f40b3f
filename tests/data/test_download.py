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
            if start >= len(PAYLOAD):  # nothing left to send from there
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(PAYLOAD)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
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


@pytest.mark.parametrize(
    ("left", "requests"),
    [
        # Killed between the copy and the rename: the whole file is there (HTTP 416).
        (PAYLOAD, ["bytes=102400-"]),
        # Longer than the server's file: it is not this file; fetched again.
        (PAYLOAD + b"stale", ["bytes=102405-", None]),
        # Resumed, but its first part came from another file: the checksum fails; again.
        (b"x" * 1000, ["bytes=1000-", None]),
    ],
)
def test_a_left_over_part_is_kept_or_fetched_again(server, tmp_path, left, requests):
    """A .part left behind used to fail every rerun with HTTP 416 'without network'."""
    target = tmp_path / "norm_data.txt.gz"
    (tmp_path / "norm_data.txt.gz.part").write_bytes(left)
    download(server, target, sha256=hashlib.sha256(PAYLOAD).hexdigest())
    assert target.read_bytes() == PAYLOAD
    assert RangeHandler.requests == requests
    assert not (tmp_path / "norm_data.txt.gz.part").exists()


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


def _tar(path, members: dict[str, bytes]) -> None:
    import io
    import tarfile

    with tarfile.open(path, "w:gz") as bundle:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            bundle.addfile(info, io.BytesIO(data))


def test_an_archive_is_unpacked_flat_into_its_folder(tmp_path):
    import zipfile

    from rbpgia.data.download import unpack

    members = {
        "rnacontext/HuR_data_full_A.txt": b"1.5\tACGU\n",
        "rnacontext/HuR_data_full_B.txt": b"2\tUU\n",
    }
    _tar(tmp_path / "data.tar.gz", members)
    folder = unpack(tmp_path / "data.tar.gz", tmp_path / "rnacompete2009")
    assert sorted(p.name for p in folder.iterdir()) == [
        "HuR_data_full_A.txt",
        "HuR_data_full_B.txt",
    ]
    assert (folder / "HuR_data_full_A.txt").read_bytes() == b"1.5\tACGU\n"
    with zipfile.ZipFile(tmp_path / "data.zip", "w") as bundle:
        bundle.writestr("PTB_data_full_A.txt", "3\tGG\n")
    unpack(tmp_path / "data.zip", tmp_path / "zipped")
    assert (tmp_path / "zipped" / "PTB_data_full_A.txt").read_text() == "3\tGG\n"


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"../evil.txt": b"x"}, "unsafe path"),
        ({"/etc/evil.txt": b"x"}, "unsafe path"),
        ({"a/HuR.txt": b"1", "b/HuR.txt": b"2"}, "two archive members are named 'HuR.txt'"),
    ],
)
def test_unsafe_or_ambiguous_archives_leave_nothing(tmp_path, members, message):
    from rbpgia.data.download import unpack

    _tar(tmp_path / "data.tar.gz", members)
    with pytest.raises(InputError, match=message):
        unpack(tmp_path / "data.tar.gz", tmp_path / "folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.tar.gz"]


def test_a_folder_data_set_needs_an_archive(tmp_path):
    from rbpgia.data.download import unpack

    (tmp_path / "data.txt").write_text("1\tACGU\n")
    with pytest.raises(InputError, match="downloaded as one archive"):
        unpack(tmp_path / "data.txt", tmp_path / "folder", url="https://example.org/data.txt")
    with pytest.raises(InputError, match="not a readable archive"):
        unpack(tmp_path / "data.txt", tmp_path / "folder", url="https://example.org/data.tar.gz")
    assert not (tmp_path / "folder").exists()


def test_download_without_a_checksum(server, tmp_path):
    target = tmp_path / "norm_data.txt.gz"
    (tmp_path / "norm_data.txt.gz.part").write_bytes(PAYLOAD[:500])
    download(server, target)
    assert target.read_bytes() == PAYLOAD
    assert RangeHandler.requests == ["bytes=500-"]
