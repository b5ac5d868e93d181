"""Hostile inputs (issue 16): bounded resources, downloads that cannot poison the cache, no
guessed value ranges, and explorer pages that escape everything they embed."""

import html.parser
import http.server
import io
import json
import struct
import tarfile
import threading
import time
import zipfile
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile

from genmodels import cyclegan_data as cd
from genmodels import data, downloads, emd, images, metrics, pages, widgets
from genmodels.data import ChecksumError, DataError, LimitError, RangeError
from genmodels.images import ImageInputError, load_image


# ----------------------------------------------------------------------------- helpers
def png_header(width, height):
    """A PNG whose header declares width × height grey pixels, with almost no pixel data."""
    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


class FakeResponse:
    """A urlopen() result: ``body`` is bytes or an endless generator of blocks."""

    def __init__(self, body, headers=None):
        self.headers = headers or {}
        self.blocks = iter([body]) if isinstance(body, bytes) else body
        self.reads = 0

    def read1(self, n):
        self.reads += 1
        return next(self.blocks, b"")

    read = read1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def endless(block=b"\x00" * 65536):
    while True:
        yield block


def serve(monkeypatch, response):
    monkeypatch.setattr(downloads.urllib.request, "urlopen", lambda url, timeout: response)


def dataset_zip(path, colour=(200, 10, 10), name="facades"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, format="PNG")
    with zipfile.ZipFile(path, "w") as zf:
        for split in cd.SPLITS:
            for i in range(2):
                zf.writestr(f"{name}/{split}/{i}.png", buffer.getvalue())
    return path


@pytest.fixture
def no_decoding(monkeypatch):
    """Fail the test if PIL decodes any pixel data."""
    def refuse(self, *args, **kwargs):
        raise AssertionError("pixels were decoded before the size was checked")
    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


# ----------------------------------------------------------------------------- pixels per image
def test_png_bomb_refused_from_its_header_before_decoding(tmp_path, no_decoding):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_header(12_000, 12_000))  # 144 million pixels in a few hundred bytes
    start = time.monotonic()
    with pytest.raises(ImageInputError, match=r"bomb\.png.*12000×12000.*MAX_PIXELS"):
        load_image(path)
    assert time.monotonic() - start < 1.0


def test_pil_decompression_bomb_error_is_wrapped(tmp_path):
    path = tmp_path / "huge.png"
    path.write_bytes(png_header(100_000, 100_000))  # beyond PIL's own limit: it raises at open
    with pytest.raises(ImageInputError, match="huge.png"):
        load_image(path)


def test_lazy_pil_image_and_huge_arrays_are_held_to_the_limit(tmp_path, no_decoding):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_header(9_000, 9_000))
    with pytest.raises(ImageInputError, match="MAX_PIXELS"):
        load_image(Image.open(path))
    wide = np.broadcast_to(np.zeros(1, np.uint8), (6_000, 10_000))  # 60 MP, no memory
    with pytest.raises(ImageInputError, match="MAX_PIXELS"):
        load_image(wide)


def test_photo_folder_skips_a_bomb(tmp_path, capsys):
    Image.new("RGB", (80, 60), (1, 2, 3)).save(tmp_path / "fine.jpg")
    (tmp_path / "bomb.png").write_bytes(png_header(20_000, 20_000))
    (tmp_path / "empty.png").write_bytes(b"")
    photos = images.load_photo_folder(tmp_path, max_side=40)
    assert [p.shape for p in photos] == [(30, 40, 3)]
    out = capsys.readouterr().out
    assert "Skipped bomb.png" in out and "MAX_PIXELS" in out and "Skipped empty.png" in out


def test_large_jpeg_is_decoded_reduced_and_shrunk(tmp_path, capsys):
    path = tmp_path / "large.jpg"
    Image.new("RGB", (4000, 3000), (10, 120, 240)).save(path, quality=90)
    rgb = load_image(path, max_side=500)
    assert rgb.shape == (375, 500, 3) and np.allclose(rgb[100, 100], [10 / 255, 120 / 255, 240 / 255], atol=0.02)
    assert "4000×3000" in capsys.readouterr().out


def test_extreme_aspect_ratio_that_shrinks_below_min_side_is_refused(tmp_path):
    path = tmp_path / "strip.png"
    Image.new("RGB", (5000, 40)).save(path)
    with pytest.raises(ImageInputError, match="too small"):
        load_image(path, max_side=1000)


# ----------------------------------------------------------------------------- bytes and seconds per download
def test_endless_image_url_stops_at_the_byte_limit(monkeypatch):
    monkeypatch.setattr(images, "MAX_DOWNLOAD_BYTES", 2**20)
    response = FakeResponse(endless())
    serve(monkeypatch, response)
    with pytest.raises(ImageInputError, match=r"example\.org.*limit"):
        load_image("https://example.org/endless.png")
    assert response.reads <= 2**20 // 65536 + 2


def test_announced_size_over_the_limit_is_refused_unread(monkeypatch):
    response = FakeResponse(endless(), {"Content-Length": str(10 * 2**30)})
    serve(monkeypatch, response)
    with pytest.raises(ImageInputError, match="announces"):
        load_image("https://example.org/big.png")
    assert response.reads == 0


@pytest.mark.parametrize("length", ["-5", "lots", "1e9", ""])
def test_nonsense_content_length_does_not_crash(monkeypatch, length):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), (0, 0, 255)).save(buffer, format="PNG")
    serve(monkeypatch, FakeResponse(buffer.getvalue(), {"Content-Length": length}))
    assert load_image("https://example.org/blue.png").shape == (40, 40, 3)


class Trickle(http.server.BaseHTTPRequestHandler):
    """Announces a megabyte, then sends one byte every 50 ms: each read succeeds, the whole never ends."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(2**20))
        self.end_headers()
        try:
            for _ in range(400):
                self.wfile.write(b"\x89")
                self.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass

    def log_message(self, *args):
        pass


def test_slow_server_hits_the_overall_deadline_not_only_the_read_timeout(monkeypatch):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(images, "DOWNLOAD_SECONDS", 1.0)
    try:
        start = time.monotonic()
        with pytest.raises(ImageInputError, match="longer than 1 s"):
            load_image(f"http://127.0.0.1:{server.server_port}/slow.png", timeout=5)
        assert time.monotonic() - start < 4.0
    finally:
        server.shutdown()
        server.server_close()


def test_endless_archive_download_keeps_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(cd, "MAX_ARCHIVE_BYTES", 3 * 2**20)
    serve(monkeypatch, FakeResponse(endless(b"PK\x03\x04" + b"\x00" * 65532)))
    root = tmp_path / "cache"
    with pytest.raises(LimitError, match="limit"):
        cd.download_dataset("facades", root=root, url="https://example.invalid/facades.zip")
    assert list(root.iterdir()) == []


# ----------------------------------------------------------------------------- files and bytes per extraction
def test_zip_bomb_is_stopped(tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("facades/trainA/zeros.png", b"\x00" * (40 * 2**20))  # 40 MB in about 40 kB
    assert archive.stat().st_size < 2**20
    target = tmp_path / "out"
    with pytest.raises(LimitError, match="unpacks to more than"):
        cd.safe_extract(archive, target)
    assert not target.exists() and not (tmp_path / "out.partial").exists()


def test_zip_bytes_are_counted_as_written_not_as_declared(tmp_path, monkeypatch):
    archive = tmp_path / "liar.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a.bin", b"\x01" * 5000)
    real_infolist = zipfile.ZipFile.infolist

    def lying_infolist(self):
        infos = real_infolist(self)
        for info in infos:
            info.file_size = 1  # a header that understates what the entry holds
        return infos

    monkeypatch.setattr(zipfile.ZipFile, "infolist", lying_infolist)
    with pytest.raises((LimitError, DataError)):
        cd.safe_extract(archive, tmp_path / "out", max_bytes=1000, max_ratio=1e9)
    assert not (tmp_path / "out").exists()


def test_too_many_entries_and_tar_bombs_are_refused(tmp_path):
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as zf:
        for i in range(11):
            zf.writestr(f"f{i}", b"x")
    with pytest.raises(LimitError, match="more than 10 entries"):
        cd.safe_extract(many, tmp_path / "out", max_files=10)
    tgz = tmp_path / "bomb.tar.gz"
    with tarfile.open(tgz, "w:gz") as tar:
        info = tarfile.TarInfo("zeros.bin")
        info.size = 30 * 2**20
        tar.addfile(info, io.BytesIO(b"\x00" * info.size))
    with pytest.raises(LimitError, match="unpacks to more than"):
        cd.safe_extract(tgz, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("evil", ["a/./../../escape.txt", "..\\..\\escape.txt", "C:\\escape.txt", "\\\\host\\x"])
def test_odd_zip_names_are_refused(tmp_path, evil):
    archive = tmp_path / "odd.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok.txt", b"fine")
        info = zipfile.ZipInfo("placeholder")
        info.filename = evil  # zipfile would clean the name; a hostile archive need not
        zf.writestr(info, b"gotcha")
    with pytest.raises(cd.UnsafeArchiveError, match="refusing"):
        cd.safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists() and not (tmp_path / "escape.txt").exists()


def test_corrupt_archive_is_a_data_error(tmp_path):
    archive = dataset_zip(tmp_path / "good.zip")
    raw = bytearray(archive.read_bytes())
    start = raw.index(b"\x89PNG")
    raw[start:start + 40] = b"\xff" * 40  # damage the first entry's bytes: its CRC fails
    archive.write_bytes(bytes(raw))
    with pytest.raises(DataError, match="cannot be extracted"):
        cd.safe_extract(archive, tmp_path / "out")


# ----------------------------------------------------------------------------- a bad download poisons nothing
def test_captive_portal_page_is_not_kept_and_the_right_url_then_works(tmp_path, monkeypatch):
    monkeypatch.delenv("GENMODELS_OFFLINE", raising=False)
    portal = tmp_path / "portal" / "facades.zip"
    portal.parent.mkdir()
    portal.write_text("<!DOCTYPE html><html><body>Please log in to the hotel Wi-Fi</body></html>")
    root = tmp_path / "cache"
    with pytest.raises(ChecksumError, match="HTML page"):
        cd.load_dataset("facades", size=8, root=root, url=portal.as_uri())
    assert list(root.iterdir()) == []  # no archive, no record, no temporary file
    good = dataset_zip(tmp_path / "good.zip")
    pair = cd.load_dataset("facades", size=8, root=root, url=good.as_uri())
    assert pair.x_test.shape == (2, 8, 8, 3)


def test_download_cut_short_without_content_length_is_not_kept(tmp_path, monkeypatch):
    good = dataset_zip(tmp_path / "good.zip").read_bytes()
    serve(monkeypatch, FakeResponse(good[: len(good) // 2]))  # no Content-Length header
    root = tmp_path / "cache"
    with pytest.raises(ChecksumError, match="incomplete zip"):
        cd.download_dataset("facades", root=root, url="https://example.invalid/facades.zip")
    assert list(root.iterdir()) == []
    serve(monkeypatch, FakeResponse(good))
    archive = cd.download_dataset("facades", root=root, url="https://example.invalid/facades.zip")
    assert archive.read_bytes() == good


def test_replaced_archive_is_extracted_again(tmp_path, monkeypatch):
    monkeypatch.delenv("GENMODELS_OFFLINE", raising=False)
    red = dataset_zip(tmp_path / "red.zip", (250, 0, 0))
    blue = dataset_zip(tmp_path / "blue.zip", (0, 0, 250))
    root = tmp_path / "cache"
    assert cd.load_dataset("facades", size=8, root=root, url=red.as_uri()).x_test[0, 0, 0, 0] > 200
    (root / "facades.zip").unlink()  # the archive deleted; its extraction still says "complete"
    pair = cd.load_dataset("facades", size=8, root=root, url=blue.as_uri())
    assert pair.x_test[0, 0, 0, 2] > 200 and pair.x_test[0, 0, 0, 0] < 50


def test_zip_that_is_not_a_dataset_is_deleted_with_its_record(tmp_path, monkeypatch):
    monkeypatch.delenv("GENMODELS_OFFLINE", raising=False)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("readme.txt", b"not images")
    root = tmp_path / "cache"
    with pytest.raises(DataError, match="not a CycleGAN dataset.*deleted"):
        cd.load_dataset("facades", size=8, root=root, url=other.as_uri())
    assert not (root / "facades.zip").exists()
    assert "facades" not in json.loads((root / cd.CHECKSUM_FILE).read_text())


@pytest.mark.parametrize("records", ["{not json", "[1, 2]", '{"facades": "abc"}', '{"facades": {}}'])
def test_damaged_checksum_file_means_fetch_again(tmp_path, records):
    good = dataset_zip(tmp_path / "good.zip")
    root = tmp_path / "cache"
    cd.download_dataset("facades", root=root, url=good.as_uri())
    (root / cd.CHECKSUM_FILE).write_text(records)
    archive = cd.download_dataset("facades", root=root, url=good.as_uri())
    assert cd.sha256_of(archive) == json.loads((root / cd.CHECKSUM_FILE).read_text())["facades"]["sha256"]


def test_dataset_image_bomb_is_skipped(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("GENMODELS_OFFLINE", raising=False)
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 200, 0)).save(buffer, format="PNG")
    archive = tmp_path / "served.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for split in cd.SPLITS:
            zf.writestr(f"facades/{split}/0.png", buffer.getvalue())
        zf.writestr("facades/trainA/1.png", png_header(15_000, 15_000))
    pair = cd.load_dataset("facades", size=8, root=tmp_path / "cache", url=archive.as_uri())
    assert len(pair.x_train) == 1 and "MAX_PIXELS" in capsys.readouterr().out


# ----------------------------------------------------------------------------- no guessed ranges
@pytest.mark.parametrize("array, words", [
    (np.full((40, 40, 3), 1.02), ["[1.02, 1.02]", "[0, 1]"]),            # was read as 0..255: black
    (np.linspace(0, 1000, 40 * 40).reshape(40, 40), ["[0, 1000]"]),     # was divided by 65,535
    (np.full((40, 40), 7, np.int64), ["int64", "uint8"]),
    (np.full((40, 40), np.nan), ["NaN"]),
    (np.full((40, 40), -np.inf), ["infinite"]),
    (np.full((40, 40), 0.5 + 0.5j), ["complex"]),
    (np.full((40, 40), "a"), ["dtype"]),
])
def test_image_arrays_outside_their_range_are_refused(array, words):
    with pytest.raises(ImageInputError) as error:
        load_image(array)
    assert all(word in str(error.value) for word in words), str(error.value)


def test_rounding_slack_is_accepted_and_clipped():
    rgb = load_image(np.full((40, 40), 1.0004, np.float32))
    assert rgb.max() == 1.0


def test_float_and_wide_integer_image_files(tmp_path):
    Image.fromarray(np.full((40, 40), 500.0, np.float32), mode="F").save(tmp_path / "f.tiff")
    with pytest.raises(ImageInputError, match=r"\[500, 500\]"):
        load_image(tmp_path / "f.tiff")
    Image.fromarray(np.full((40, 40), 0.25, np.float32), mode="F").save(tmp_path / "ok.tiff")
    assert load_image(tmp_path / "ok.tiff").max() == pytest.approx(0.25)
    Image.fromarray(np.full((40, 40), 70_000, np.int32)).save(tmp_path / "i.tiff")
    with pytest.raises(ImageInputError, match="32-bit"):
        load_image(tmp_path / "i.tiff")


def test_scaling_functions_refuse_what_they_would_get_wrong():
    x = np.array([[0, 128, 255]], np.uint8)
    with pytest.raises(RangeError, match="do not call to_unit or to_signed twice"):
        data.to_unit(data.to_unit(x))
    with pytest.raises(RangeError, match="to_signed.*already in \\[-1, 1\\]"):
        data.to_signed(data.to_signed(x))
    with pytest.raises(RangeError, match="astype"):
        data.to_unit(np.array([0.0, 128.0, 255.0]))
    with pytest.raises(RangeError, match="not 8-bit"):
        data.to_unit(np.array([0, 256]))
    with pytest.raises(RangeError):
        data.to_unit(np.array([True, False]))
    with pytest.raises(RangeError, match="gm.to_signed"):
        data.from_signed(x)
    with pytest.raises(RangeError, match="NaN"):
        data.from_signed(np.array([0.0, np.nan]))
    np.testing.assert_allclose(data.to_unit(np.array([0, 255], np.int64)), [0.0, 1.0])
    np.testing.assert_allclose(data.from_signed(np.array([-1.0000001, 1.0000001])), [0.0, 1.0])
    assert issubclass(RangeError, ValueError) and issubclass(RangeError, DataError)


def test_check_range_is_the_one_check():
    with pytest.raises(KeyError, match="my images"):
        data.check_range([0.5, 2.0], 0, 1, "my images", error=KeyError)
    with pytest.raises(RangeError, match="gm.to_unit"):
        data.check_range(np.array([0, 200], np.uint8), 0, 1)
    with pytest.raises(RangeError, match="use this instead"):
        data.check_range([3.0], 0, 1, hint="use this instead")
    assert data.check_range([], 0, 1).shape == (0,)
    assert data.check_range([-0.0005, 1.0005], 0, 1).tolist() == [0.0, 1.0]


@pytest.mark.parametrize("labels, words", [
    (np.zeros((3, 10)), ["not one-hot", "row of zeros"]),
    (np.full((3, 10), 0.1), ["not one-hot", "argmax"]),
    (2 * np.eye(10)[[1, 2, 3]], ["not one-hot"]),
    (np.eye(10)[[1, 2, 3]] + np.eye(10)[[4, 5, 6]], ["not one-hot"]),
    (np.array([True, False, True]), ["bool"]),
    (np.array(["1", "2", "3"]), ["dtype"]),
    (np.array([1.5, 2, 3]), ["non-integer"]),
    (np.array([[1], [2], [3]]), ["shape (3, 1)"]),
])
def test_labels_are_not_guessed(labels, words):
    with pytest.raises(metrics.MetricInputError) as error:
        metrics._check_labels(labels, 3)
    assert all(word in str(error.value) for word in words), str(error.value)
    assert metrics._check_labels(np.eye(10)[[7, 0, 9]], 3).tolist() == [7, 0, 9]


def test_metric_images_in_the_wrong_range_name_the_conversion():
    with pytest.raises(metrics.MetricInputError, match="gm.from_signed"):
        metrics.check_images(np.full((2, 28, 28), -0.5, np.float32))
    with pytest.raises(metrics.MetricInputError, match="gm.to_unit"):
        metrics.check_images(np.full((2, 28, 28), 3, np.int32))


def test_to_uint8_refuses_instead_of_clipping():
    with pytest.raises(ValueError, match="gm.from_signed"):
        widgets.to_uint8(np.full((4, 4), -0.8))
    with pytest.raises(ValueError, match=r"value_range=\(0, 255\)"):
        widgets.to_uint8(np.full((4, 4), 200, np.uint8))
    with pytest.raises(ValueError, match="NaN"):
        widgets.to_uint8(np.full((4, 4), np.nan))
    with pytest.raises(ValueError, match="low < high"):
        widgets.to_uint8(np.zeros((4, 4)), value_range=(1, 1))
    assert widgets.to_uint8(np.full((4, 4), 200, np.uint8), value_range=(0, 255)).max() == 200
    assert widgets.to_uint8(np.full((4, 4, 1), -1.0), value_range=(-1, 1)).max() == 0


# ----------------------------------------------------------------------------- escaped pages
NASTY = ["</script><script>alert(1)</script>", "<!--<script>", '" onmouseover="alert(2)', "a\u2028b\u2029c",
         "&amp; &lt;", "</SCRIPT >", "]]>", "photo (1) & 'copy'.jpg", "{{ x }}", "\\u003c"]


class Page(html.parser.HTMLParser):
    """Collects tags, attributes and the text of script elements."""

    def __init__(self, page):
        super().__init__()
        self.tags, self.scripts, self._in_script = [], [], None
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append([dict(attrs), ""])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def handle_data(self, text):
        if self._in_script is not None:
            self.scripts[-1][1] += text


def assert_contained(page, expected_scripts=2):
    parsed = Page(page)
    assert [tag for tag, _ in parsed.tags].count("script") == expected_scripts
    assert not any(name.startswith("on") for _, attrs in parsed.tags for name in attrs)
    assert "alert" not in "".join(text for attrs, text in parsed.scripts if "type" not in attrs)
    (_, payload), = [s for s in parsed.scripts if s[0].get("type") == "application/json"]
    return json.loads(payload)


def test_static_explorer_escapes_every_value():
    frames = np.zeros((len(NASTY), 4, 4))
    explorer = widgets.StaticExplorer(frames, [(NASTY[0], NASTY)], title=NASTY[2], caption=NASTY[1], start=[0])
    page = explorer.html()
    payload = assert_contained(page)
    assert payload["values"] == [NASTY]  # the browser reads back exactly the values given
    assert "\u2028" not in page.split("<script>")[-1] and "</script><script>alert" not in page


def test_pile_explorer_escapes_its_title_and_owns_its_ids():
    explorer = emd.PileExplorer([1, 2], [2, 1], title=NASTY[0] + NASTY[2])
    page = explorer.html()
    assert assert_contained(page) == {"p": [1, 2], "q": [2, 1]}
    assert 'root.id + "-arrow"' in page
    explorer.id = 'x" onload="alert(3)'
    with pytest.raises(ValueError, match="unsafe element id"):
        explorer.html()


@pytest.mark.parametrize("value", NASTY + [{"k": NASTY}, [1.5, None, True]])
def test_script_json_round_trips_and_never_closes_the_script(value):
    encoded = pages.script_json(value)
    assert json.loads(encoded) == value
    assert not any(c in encoded for c in "<>&\u2028\u2029")
    with pytest.raises(ValueError):
        pages.script_json(float("nan"))


def test_safe_ids():
    for prefix in ['x" onclick="y', "1abc", "", "é</div>"]:
        element_id = pages.safe_id(prefix)
        assert element_id[0].isalpha() and all(c.isalnum() or c in "-_" for c in element_id)


def test_explorer_arguments_are_coerced_or_refused():
    with pytest.raises(ValueError, match="start"):
        widgets.StaticExplorer(np.zeros((2, 4, 4)), [("a", [1, 2])], start=[5])
    with pytest.raises((ValueError, TypeError)):
        widgets.StaticExplorer(np.zeros((2, 4, 4)), [("a", [1, 2])], pixel_size='1" onload="x')


# ----------------------------------------------------------------------------- atomic writes
def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "state.npz"
    data.atomic_write(path, lambda tmp: np.savez(tmp, a=np.arange(3)))
    with np.load(path) as npz:
        assert npz["a"].tolist() == [0, 1, 2]

    def broken(tmp):
        tmp.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        data.atomic_write(path, broken)
    with np.load(path) as npz:
        assert npz["a"].tolist() == [0, 1, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["state.npz"]
