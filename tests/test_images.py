import urllib.request

import numpy as np
import pytest
from PIL import Image

from genmodels import images
from genmodels.images import ImageInputError, load_image


def test_grayscale_file_becomes_three_equal_channels(tmp_path):
    path = tmp_path / "grey.png"
    Image.fromarray(np.tile(np.arange(64, dtype=np.uint8)[None] * 4, (64, 1)), mode="L").save(path)
    rgb = load_image(path)
    assert rgb.shape == (64, 64, 3) and rgb.dtype == np.float32
    assert np.array_equal(rgb[..., 0], rgb[..., 2])
    assert rgb.max() == pytest.approx(252 / 255)


def test_rgba_composited_on_white(tmp_path):
    pixels = np.zeros((40, 40, 4), dtype=np.uint8)
    pixels[..., 0] = 255          # red ...
    pixels[:20, :, 3] = 255       # ... opaque in the top half, transparent below
    path = tmp_path / "rgba.png"
    Image.fromarray(pixels, mode="RGBA").save(path)
    rgb = load_image(path)
    assert np.allclose(rgb[:20], [1, 0, 0]) and np.allclose(rgb[20:], [1, 1, 1])


def test_palette_with_transparency_composited_on_white(tmp_path):
    pal = Image.new("P", (40, 40), 0)
    pal.putpalette([0, 0, 255] + [0, 0, 0] * 255)
    pal.paste(1, (0, 0, 40, 20))
    pal.info["transparency"] = 1
    path = tmp_path / "pal.png"
    pal.save(path, transparency=1)
    rgb = load_image(path)
    assert np.allclose(rgb[25, 5], [0, 0, 1]) and np.allclose(rgb[5, 5], [1, 1, 1])


def test_sixteen_bit_rescaled(tmp_path):
    values = (np.linspace(0, 65535, 48 * 48).reshape(48, 48)).astype(np.uint16)
    path = tmp_path / "deep.png"
    Image.fromarray(values).save(path)
    rgb = load_image(path)
    assert rgb.shape == (48, 48, 3)
    assert rgb.min() == 0.0 and rgb.max() == pytest.approx(1.0, abs=1e-4)
    # and as an array
    assert load_image(values).max() == pytest.approx(1.0, abs=1e-4)


def test_exif_rotation_honoured(tmp_path):
    pil = Image.new("RGB", (60, 40), (10, 200, 30))  # landscape as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise for display
    path = tmp_path / "rotated.jpg"
    pil.save(path, exif=exif)
    assert load_image(path).shape == (60, 40, 3)  # portrait as displayed


def test_large_image_resized_with_notice(tmp_path, capsys):
    path = tmp_path / "big.png"
    Image.new("RGB", (400, 200), (0, 0, 0)).save(path)
    rgb = load_image(path, max_side=100)
    assert rgb.shape == (50, 100, 3)
    assert "resized" in capsys.readouterr().out


def test_too_small_refused_with_name(tmp_path):
    path = tmp_path / "tiny.png"
    Image.new("RGB", (10, 80)).save(path)
    with pytest.raises(ImageInputError, match="tiny.png.*too small"):
        load_image(path)


def test_corrupt_file(tmp_path):
    path = tmp_path / "broken.jpg"
    buffer = tmp_path / "ok.jpg"
    Image.new("RGB", (64, 64), (100, 50, 20)).save(buffer)
    path.write_bytes(buffer.read_bytes()[:200])
    with pytest.raises(ImageInputError, match="broken.jpg.*(corrupt|not an image)"):
        load_image(path)


def test_non_image_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a picture")
    with pytest.raises(ImageInputError, match="notes.txt.*not an image"):
        load_image(path)


def test_missing_file(tmp_path):
    with pytest.raises(ImageInputError, match="nothere.png.*does not exist"):
        load_image(tmp_path / "nothere.png")


def test_unreachable_url_fails_fast_with_name():
    url = "http://127.0.0.1:9/x.png"  # the discard port: refused at once, no internet involved
    with pytest.raises(ImageInputError, match=r"127\.0\.0\.1:9/x\.png"):
        load_image(url, timeout=2)


def test_url_is_downloaded(monkeypatch, tmp_path):
    import io

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (0, 255, 0)).save(buffer, format="PNG")

    class Response(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: Response(buffer.getvalue()))
    rgb = load_image("https://example.org/green.png")
    assert rgb.shape == (48, 64, 3) and np.allclose(rgb[0, 0], [0, 1, 0])


def test_arrays_of_several_kinds():
    assert load_image(np.full((40, 40), 255, np.uint8)).shape == (40, 40, 3)
    assert load_image(np.full((40, 40, 3), 0.5)).max() == pytest.approx(0.5)
    with pytest.raises(ImageInputError, match=r"\[0, 1\].*astype\(np.uint8\)"):  # not guessed as 0..255
        load_image(np.full((40, 40, 3), 128.0))
    rgba = np.zeros((40, 40, 4), np.uint8)  # fully transparent black → white
    assert np.allclose(load_image(rgba), 1.0)
    with pytest.raises(ImageInputError, match="channels-first"):
        load_image(np.zeros((3, 40, 50), np.uint8))
    with pytest.raises(ImageInputError, match=r"\[-1, -1\].*gm.from_signed"):
        load_image(np.full((40, 40, 3), -1.0))
    with pytest.raises(ImageInputError, match="cannot use int"):
        load_image(42)


def test_sample_photos_ship_offline():
    china = images.sample_image("china")
    assert china.shape == (427, 640, 3) and 0.0 <= china.min() and china.max() <= 1.0
    camera = images.sample_image("camera")  # grey → three channels
    assert camera.shape[-1] == 3
    with pytest.raises(ImageInputError, match="no sample photo"):
        images.sample_image("mona_lisa")


def test_random_crops_shape_and_determinism():
    photos = [images.sample_image("china"), images.sample_image("coffee")]
    a = images.random_crops(photos, 5, 32, seed=3)
    b = images.random_crops(photos, 5, 32, seed=3)
    assert a.shape == (5, 32, 32, 3) and np.array_equal(a, b)
    assert images.center_square(photos[0], 50).shape == (50, 50, 3)


def test_photo_folder_skips_bad_files(tmp_path, capsys):
    Image.new("RGB", (80, 60), (1, 2, 3)).save(tmp_path / "a.jpg")
    Image.new("RGB", (40, 90), (1, 2, 3)).save(tmp_path / "b.png")
    (tmp_path / "c.jpg").write_text("garbage")
    photos = images.load_photo_folder(tmp_path, max_side=50)
    assert [p.shape for p in photos] == [(38, 50, 3), (50, 22, 3)]
    assert "Skipped c.jpg" in capsys.readouterr().out
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ImageInputError, match="no JPEG"):
        images.load_photo_folder(empty)
