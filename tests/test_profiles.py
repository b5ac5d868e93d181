import pytest

from genmodels import profiles


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
    for name in ("quick", "standard", "full"):
        assert name in str(error.value)
    assert "fast" in str(error.value)


def test_default_profile_follows_the_device(monkeypatch):
    monkeypatch.delenv("GENMODELS_PROFILE", raising=False)
    monkeypatch.setattr(profiles, "gpu_available", lambda: False)
    assert profiles.current_profile() == "standard"
    monkeypatch.setattr(profiles, "gpu_available", lambda: True)
    assert profiles.current_profile() == "full"


def test_unknown_chapter_and_table():
    with pytest.raises(profiles.ProfileError, match="known"):
        profiles.settings("no_such_chapter", "quick")
    table = profiles.settings_table("autoencoders_vae")
    assert table.splitlines()[0] == "| setting | quick | standard | full |"
    assert "`vae_epochs`" in table


def test_every_setting_has_three_values():
    for chapter, table in profiles.SETTINGS.items():
        for key, values in table.items():
            assert len(values) == 3, (chapter, key)


def test_banner_names_profile_data_device_seed(monkeypatch, capsys):
    monkeypatch.setenv("GENMODELS_PROFILE", "quick")
    line = profiles.banner("ch", "offline MNIST", 7)
    assert "profile: quick" in line and "offline MNIST" in line and "seed: 7" in line
    assert "CPU" in line or "GPU" in line
    assert capsys.readouterr().out.strip() == line
