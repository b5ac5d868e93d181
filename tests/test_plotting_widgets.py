import numpy as np
import pytest
from matplotlib.figure import Figure

from genmodels import plotting, widgets


def fake_decode(z):
    """A decoder whose image brightness follows z0 and whose ink column follows z1."""
    z = np.asarray(z, dtype=np.float32)
    images = np.zeros((len(z), 28, 28), dtype=np.float32)
    for i, (a, b) in enumerate(z[:, :2]):
        images[i, :, int(np.clip(14 + 3 * b, 0, 27))] = (a + 4) / 8
    return images


def test_tile_and_grid():
    images = np.random.default_rng(0).random((10, 28, 28))
    assert plotting.tile(images, 5, pad=1).shape == (2 * 29 - 1, 5 * 29 - 1)
    assert isinstance(plotting.image_grid(images, 5, title="t"), Figure)
    with pytest.raises(ValueError, match="shape"):
        plotting.tile(np.zeros((3, 4)))


def test_latent_scatter_and_manifold():
    rng = np.random.default_rng(0)
    assert isinstance(plotting.latent_scatter(rng.normal(size=(100, 2)), rng.integers(0, 10, 100)), Figure)
    with pytest.raises(ValueError, match="2-D"):
        plotting.latent_scatter(rng.normal(size=(10, 3)), np.zeros(10))
    fig, images = plotting.manifold_grid(fake_decode, n=15, span=4.0)
    assert isinstance(fig, Figure) and images.shape == (15, 15, 28, 28)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels[0] == "-4.0" and labels[-1] == "4.0"
    # Row 0 is the top of the plot: the largest z1.
    assert np.argmax(images[0, -1].sum(axis=0)) > np.argmax(images[-1, -1].sum(axis=0))


def test_history_plot():
    fig = plotting.plot_history({"loss": [3, 2, 1], "val_loss": [3.5, 2.5, 1.5]}, smooth=2)
    assert isinstance(fig, Figure) and len(fig.axes[0].lines) == 2


def test_live_latent_sliders_redraw():
    box = widgets.latent_sliders(fake_decode, dims=2)
    before = box.image.value
    box.sliders[0].value = 3.0
    assert box.image.value != before and box.image.value[:4] == b"\x89PNG"


def test_frame_slider():
    frames = np.stack([np.full((8, 8), v) for v in (0.0, 0.5, 1.0)])
    box = widgets.frame_slider(frames, ["a", "b", "c"])
    first = box.image.value
    box.slider.value = 2
    assert box.image.value != first


def test_static_explorer_html():
    explorer = widgets.static_latent_explorer(fake_decode, n=5)
    page = explorer._repr_html_()
    assert page.count('type="range"') == 2 and "data:image/png;base64," in page
    assert len(explorer.uris) == 25 and len(set(explorer.uris)) > 5
    with pytest.raises(ValueError, match="axis sizes"):
        widgets.StaticExplorer(np.zeros((3, 8, 8)), [("a", [1, 2])])


def test_png_rejects_bad_shapes():
    with pytest.raises(ValueError, match="expected an image"):
        widgets.png_bytes(np.zeros((4, 4, 2)))
