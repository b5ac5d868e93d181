import importlib.util
from pathlib import Path

import pytest

from genmodels import profiles

ROOT = Path(__file__).resolve().parents[1]


def test_valid_profiles_and_settings(monkeypatch):
    monkeypatch.setenv("GENMODELS_PROFILE", "quick")
    assert profiles.current_profile() == "quick"
    quick = profiles.settings("autoencoders_vae")
    full = profiles.settings("autoencoders_vae", "full")
    assert quick["vae_epochs"] < full["vae_epochs"] == 50  # the chapter's 50 epochs
    with pytest.raises(TypeError):
        quick["vae_epochs"] = 3  # read-only


def test_profile_is_case_and_space_tolerant(monkeypatch):
    monkeypatch.setenv("GENMODELS_PROFILE", "  Standard ")
    assert profiles.current_profile() == "standard"


def test_unknown_profile_lists_the_valid_ones(monkeypatch):
    monkeypatch.setenv("GENMODELS_PROFILE", "fast")
    with pytest.raises(profiles.ProfileError) as error:
        profiles.current_profile()
    for name in ("quick", "standard", "gpu", "full"):
        assert name in str(error.value)
    assert "fast" in str(error.value)


def test_default_profile_follows_the_device(monkeypatch):
    monkeypatch.delenv("GENMODELS_PROFILE", raising=False)
    monkeypatch.setattr(profiles, "gpu_available", lambda: False)
    assert profiles.current_profile() == "standard"
    monkeypatch.setattr(profiles, "gpu_available", lambda: True)
    assert profiles.current_profile() == "gpu"
    monkeypatch.setenv("GENMODELS_PROFILE", "full")  # the chapter's settings, by name
    assert profiles.current_profile() == "full"


def test_unknown_chapter_and_table():
    with pytest.raises(profiles.ProfileError, match="known"):
        profiles.settings("no_such_chapter", "quick")
    with pytest.raises(profiles.ProfileError, match="known"):
        profiles.settings_table("no_such_chapter")
    table = profiles.settings_table("autoencoders_vae")
    lines = table.splitlines()
    assert lines[0] == "| setting | quick | standard | gpu | full |"
    assert "`vae_epochs`" in table


def test_table_ends_with_each_profiles_estimate_and_how_it_was_made():
    lines = profiles.settings_table("style_transfer").splitlines()
    row = lines[-3]  # the table's last row, a blank line, the note
    assert row.startswith(f"| {profiles.ESTIMATE_ROW} |")
    shown = [float(cell.replace(",", "")) for cell in row.strip("|").split("|")[1:]]
    expected = [profiles.estimate_minutes("style_transfer", p) for p in profiles.PROFILES]
    assert shown == pytest.approx(expected, rel=0.05, abs=0.05)
    assert lines[-2] == "" and "TFLOP/s" in lines[-1] and "estimate" in lines[-1].lower()


def test_every_setting_has_one_value_per_profile():
    for chapter, table in profiles.SETTINGS.items():
        for key, values in table.items():
            assert len(values) == len(profiles.PROFILES) == 4, (chapter, key)


def test_gpu_column_names_only_settings_that_exist():
    # A setting renamed in a chapter's block but not here would silently run `full` on a GPU.
    for chapter, gpu in profiles.GPU_COLUMN.items():
        assert chapter in profiles.SETTINGS, chapter
        assert set(gpu) <= set(profiles.SETTINGS[chapter]), (chapter, set(gpu) - set(profiles.SETTINGS[chapter]))
        for key, value in gpu.items():
            assert profiles.settings(chapter, "gpu")[key] == value


def test_gpu_profile_fits_a_colab_session():
    for chapter in profiles.SETTINGS:
        minutes = {p: profiles.estimate_minutes(chapter, p) for p in profiles.PROFILES}
        # the gpu default must fit a Colab session: at most about 30 minutes per chapter
        assert minutes["gpu"] <= 30, (chapter, minutes)
        # on a GPU it must do at least what a CPU laptop does, and at most the chapter's run
        assert minutes["standard"] <= minutes["gpu"] <= minutes["full"], (chapter, minutes)
        # the chapter's own settings run unchanged wherever they fit
        if minutes["full"] <= 30:
            assert profiles.settings(chapter, "gpu") == profiles.settings(chapter, "full"), chapter
        else:
            assert minutes["gpu"] >= 15, (chapter, minutes)  # not needlessly small either


def test_estimates_follow_the_counted_operations():
    # DCGAN at the chapter's batch of 100: G 102.7 MFLOP and D 20.7 MFLOP per example; a step is
    # b * (1 + 3) G passes + b * (6 + 2) D passes ≈ 57.7 GFLOP, about 23 ms at 2.5 TFLOP/s, + 4 ms.
    per_step = 100 * (4 * 102_724_752 + 8 * 20_728_961) / 2.5e12 + 2 * 0.002
    expected = 1.0 + 50_000 * per_step / 60
    assert profiles.estimate_minutes("dcgan", "full") == pytest.approx(expected, rel=1e-6)
    # more steps cost more
    assert profiles.estimate_minutes("cyclegan", "full") > 3 * profiles.estimate_minutes("cyclegan", "gpu")


def test_stored_flop_counts_are_those_of_notebook_03():
    spec = importlib.util.spec_from_file_location("count_flops", ROOT / "scripts" / "count_flops.py")
    count_flops = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(count_flops)
    assert count_flops.dcgan() == profiles.FORWARD_FLOPS["dcgan"], (
        "notebook 03's networks changed: run `python scripts/count_flops.py` and update "
        "FORWARD_FLOPS in src/genmodels/profiles.py")


def test_banner_names_profile_data_device_seed(monkeypatch, capsys):
    monkeypatch.setenv("GENMODELS_PROFILE", "quick")
    line = profiles.banner("ch", "offline MNIST", 7)
    assert "profile: quick" in line and "offline MNIST" in line and "seed: 7" in line
    assert "CPU" in line or "GPU" in line
    assert capsys.readouterr().out.strip() == line
    assert "min on a Colab T4" not in line  # quick: no estimate in the banner


def test_banner_shows_the_estimate_before_a_full_run(monkeypatch, capsys):
    monkeypatch.setenv("GENMODELS_PROFILE", "full")
    line = profiles.banner("cyclegan", "facades", 7)
    minutes = profiles._minutes(profiles.estimate_minutes("cyclegan", "full"))
    assert f"profile: full (≈ {minutes} min on a Colab T4)" in line


def test_refresh_script_rewrites_only_the_table_and_is_idempotent(tmp_path):
    import nbformat

    spec = importlib.util.spec_from_file_location("refresh", ROOT / "scripts" / "refresh_settings_tables.py")
    refresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(refresh)
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('cfg = gm.setup("dcgan", data=mnist.source, seed=seed)')
    old = "| setting | quick | standard | full |\n|---|---|---|---|"
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="dcgan · profile: standard\n"),
                    nbformat.v4.new_output("display_data", data={"text/markdown": old, "text/plain": "<Markdown>"})]
    nb.cells = [nbformat.v4.new_code_cell("import genmodels as gm"), cell]
    assert refresh.refresh(nb) == ("dcgan", True)
    assert cell.outputs[1]["data"]["text/markdown"] == profiles.settings_table("dcgan")
    assert cell.outputs[0]["text"] == "dcgan · profile: standard\n"  # nothing else changes
    assert refresh.refresh(nb) == ("dcgan", False)
