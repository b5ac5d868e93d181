import keras
import numpy as np
import pytest

from genmodels import style
from genmodels.data import DownloadError


@pytest.fixture(scope="module")
def hed():
    return style.hed_backbone()


def test_offline_mode_picks_hed(monkeypatch, hed):
    monkeypatch.setenv("GENMODELS_OFFLINE", "1")
    calls = []
    monkeypatch.setattr(style, "hed_backbone", lambda: calls.append("hed") or hed)
    backbone = style.load_backbone(vgg19_factory=lambda **kw: pytest.fail("VGG19 must not be built offline"))
    assert calls == ["hed"] and backbone.name.startswith("HED")


def test_hed_layers_follow_vgg_names(hed):
    names = hed.layer_names
    for layer in ("block1_conv1", "block4_conv2", "block5_conv3"):
        assert layer in names
    assert names.index("block1_conv1") < names.index("block4_conv2")
    assert all(not layer.trainable for layer in hed.layers)
    # features come from real weights, not zeros or a random init: conv1_1 reacts to an edge
    x = np.zeros((1, 32, 32, 3), np.float32)
    x[:, :, 16:] = 1.0
    h = hed.preprocess(x)
    out = np.asarray(hed.layers[0](h))
    assert out.shape == (1, 32, 32, 64) and out[:, :, 14:18].std() > out[:, :, :8].std()


def test_failed_download_says_how_to_go_offline(monkeypatch):
    monkeypatch.delenv("GENMODELS_OFFLINE", raising=False)

    def refuse(**kwargs):
        raise OSError("URL fetch failure: no route to host")

    with pytest.raises(DownloadError, match="GENMODELS_OFFLINE=1"):
        style.load_backbone(vgg19_factory=refuse)


def test_online_mode_builds_vgg19_with_imagenet_weights(monkeypatch):
    monkeypatch.delenv("GENMODELS_OFFLINE", raising=False)
    seen = {}

    def fake_vgg19(**kwargs):  # a two-layer stand-in: the real one needs the download
        seen.update(kwargs)
        inputs = keras.Input((None, None, 3))
        x = keras.layers.Conv2D(4, 3, padding="same", name="block1_conv1")(inputs)
        x = keras.layers.MaxPooling2D(name="block1_pool")(x)
        return keras.Model(inputs, x)

    backbone = style.load_backbone(offline=False, vgg19_factory=fake_vgg19)
    assert seen == {"weights": "imagenet", "include_top": False}
    assert backbone.name.startswith("VGG19") and backbone.layer_names == ["block1_conv1", "block1_pool"]


def test_preprocessing_matches_caffe_and_keras():
    rgb = np.random.default_rng(0).uniform(size=(2, 4, 4, 3)).astype(np.float32)
    expected = rgb[..., ::-1] * 255.0 - np.array(style.HED_MEAN_BGR, np.float32)
    assert np.allclose(np.asarray(style.caffe_preprocess(rgb)), expected, atol=1e-3)
    keras_vgg = keras.applications.vgg19.preprocess_input(rgb * 255.0)
    assert np.allclose(np.asarray(style.vgg19_preprocess(rgb)), keras_vgg, atol=1e-3)


def test_stylise_needs_exactly_one_method_and_resizes():
    image = np.random.default_rng(1).uniform(size=(90, 130, 3)).astype(np.float32)
    with pytest.raises(ValueError, match="exactly one"):
        style.stylise(image)
    with pytest.raises(ValueError, match="exactly one"):
        style.stylise(image, network=lambda x, training: x, optimise=lambda x: x)
    out = style.stylise(image, network=lambda x, training: x + 5.0, side=64)
    assert out.shape == (44, 64, 3) and out.max() == 1.0  # side 64, height rounded down to ×4, clipped
    seen = []
    out = style.stylise(image, optimise=lambda x: seen.append(x.shape) or x * 0.5, side=None)
    assert seen == [(88, 128, 3)] and out.max() <= 0.5


def test_time_call_is_median_after_warmup():
    calls = []
    assert style.time_call(lambda: calls.append(1), repeats=3, warmup=2) >= 0.0
    assert len(calls) == 5


def test_group_norm_minus_one_is_instance_norm():
    layer = keras.layers.GroupNormalization(groups=-1, epsilon=1e-5, center=False, scale=False)
    x = np.random.default_rng(2).normal(3.0, 2.0, size=(2, 8, 8, 5)).astype(np.float32)
    y = np.asarray(layer(x))
    assert np.allclose(y.mean(axis=(1, 2)), 0.0, atol=1e-4)
    assert np.allclose(y.std(axis=(1, 2)), 1.0, atol=1e-2)
