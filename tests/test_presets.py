"""Presets: the tutorial's is the tutorial; the Train page's form values round-trip to the same settings."""

from dataclasses import replace

import pytest

from textclf.data.features import FeatureConfig
from textclf import limits
from textclf.learn.presets import (PRESETS, config_from_form, default_preset, features_from_form, form_values,
                                  preset_for_new_data, run_form_values)
from textclf.learn.train import TrainConfig


def test_tutorial_preset_is_the_tutorial_with_fast_updates():
    tutorial = PRESETS["tutorial"]
    assert tutorial.features == FeatureConfig()
    c = tutorial.train_config
    assert (c.hidden, c.learning_rate, c.batch_size, c.epochs, c.optimizer, c.dropout) == ((128, 64), 1e-3, 32, 5,
                                                                                          "lazy_adam", 0.0)
    assert "lazy Adam" in PRESETS["tutorial"].description


def test_exact_adam_is_one_switch_away():
    assert config_from_form(dict(form_values("tutorial"), lazy_adam=False)) == replace(
        PRESETS["tutorial"].train_config, optimizer="adam")


@pytest.mark.parametrize("name", list(PRESETS))
def test_form_values_round_trip(name):
    values = form_values(name)
    assert config_from_form(values) == PRESETS[name].train_config
    assert features_from_form(values) == PRESETS[name].features


def test_bad_form_values_raise_value_error():
    values = dict(form_values("tutorial"), hidden_text="lots")
    with pytest.raises(ValueError, match="hidden sizes"):
        config_from_form(values)
    with pytest.raises(ValueError, match="learning rate"):
        config_from_form(dict(form_values("tutorial"), lr=0))
    assert isinstance(config_from_form(form_values("recommended")), TrainConfig)


@pytest.mark.parametrize("text", ["²", "1²8", "١٢٨", "12.5", "-3"])
def test_odd_digits_in_hidden_sizes_get_a_plain_sentence(text):
    with pytest.raises(ValueError, match="hidden sizes must be whole numbers") as err:
        config_from_form(dict(form_values("tutorial"), hidden_text=text))
    assert "invalid literal" not in str(err.value)


@pytest.mark.parametrize("name", list(PRESETS))
def test_a_preset_with_fast_updates_says_so_in_its_description(name):
    """The Train page leaves out its own lazy Adam note under an unchanged preset: the description must say it."""
    preset = PRESETS[name]
    assert (preset.train_config.optimizer == "lazy_adam") == ("lazy Adam" in preset.description)


def test_own_data_starts_from_the_recommended_preset_and_the_newsgroups_from_the_tutorial():
    assert default_preset(own_file=True) == "recommended" and default_preset(own_file=False) == "tutorial"
    assert preset_for_new_data(form_values("tutorial"), own_file=True) == form_values("recommended")
    assert preset_for_new_data(form_values("recommended"), own_file=False) == form_values("tutorial")
    assert preset_for_new_data(form_values("recommended"), own_file=True) is None  # already there


def test_a_changed_form_is_kept_when_the_data_changes():
    changed = {**form_values("tutorial"), "epochs": 9}
    assert preset_for_new_data(changed, own_file=True) is None
    assert preset_for_new_data({**form_values("tutorial"), "min_df": 3}, own_file=True) is None


def run_config(train: TrainConfig, features: FeatureConfig, preset: str | None = None) -> dict:
    """Returns a saved run's config as run.json holds it (lists, not tuples)."""
    from dataclasses import asdict

    config = {"train": {**asdict(train), "hidden": list(train.hidden)}, "features": asdict(features)}
    return {**config, "preset": preset} if preset else config


def test_a_runs_settings_become_the_form_that_trains_it_again():
    """The form showed the defaults after a reload or a Load, and Train silently trained those instead."""
    train = TrainConfig(hidden=(300, 20), epochs=8, batch_size=16, learning_rate=2e-3, seed=7, val_fraction=0.2,
                        dropout=0.3, optimizer="adam", early_stopping=2, monitor="val_loss", refit=True)
    features = FeatureConfig(scaling="tfidf", min_df=3, max_features=5000, pairs=True)
    values = run_form_values(run_config(train, features, "recommended"))
    assert values["preset"] == "recommended"
    assert (values["hidden_text"], values["epochs"], values["lazy_adam"], values["dropout"]) == ("300,20", 8, False, 0.3)
    assert config_from_form(values) == train and features_from_form(values) == features
    assert set(values) == set(form_values("tutorial"))


def test_a_run_saved_without_its_preset_gets_the_closest_one():
    recommended = PRESETS["recommended"]
    assert run_form_values(run_config(replace(recommended.train_config, epochs=9), recommended.features))["preset"] \
        == "recommended"
    assert run_form_values(run_config(TrainConfig(epochs=9), FeatureConfig()))["preset"] == "tutorial"
    assert run_form_values(run_config(TrainConfig(), FeatureConfig(), "no such preset"))["preset"] == "tutorial"


def test_an_old_or_odd_run_still_gives_a_form_the_widgets_accept():
    """A run of an older version lacks settings; a bundle may hold numbers outside the widgets' ranges."""
    values = run_form_values({"train": {"hidden": [32], "epochs": 500, "dropout": 0.95}, "features": {}})
    assert (values["hidden_text"], values["epochs"], values["dropout"]) == ("32", limits.EPOCHS[1], limits.DROPOUT[1])
    assert values["lr"] == form_values("tutorial")["lr"] and values["scaling"] == "count"
    assert isinstance(values["epochs"], int) and isinstance(values["max_features"], int)
    assert run_form_values({})["hidden_text"] == "128,64"
