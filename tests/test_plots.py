"""Figures as pure functions: user text drawn as typed, the retraining phase marked, readable log ticks."""

import json

import numpy as np
import pytest

from textclf.data import header_example, nouns
from textclf.plots import (SCREEN_HEIGHT, class_counts_figure, confusion_figure, label, probabilities_figure,
                           runs_figure, training_figure, weights_figure)

EVIL = "<a href='http://evil.example'>click</a> & <b>bold</b>"


def drawn(fig) -> str:
    return json.dumps(fig.to_plotly_json(), default=str)


def test_user_text_in_charts_is_escaped():
    assert label(EVIL) == "&lt;a href='http://evil.example'&gt;click&lt;/a&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
    names = [EVIL, "cars"]
    figures = [class_counts_figure({EVIL: (3, 1), "cars": (2, 2)}), probabilities_figure(names, [0.3, 0.7], 1),
               weights_figure([("goal", 0.2)], EVIL), runs_figure([(EVIL, [{"epoch": 1, "val_accuracy": 0.5,
                                                                             "train_loss": 0.3}])])]
    for fig in figures:
        assert "<a href" not in drawn(fig) and "<b>" not in drawn(fig)
    confusion = confusion_figure(np.array([[1, 0], [0, 1]]), names)
    layout = confusion.layout
    assert list(layout.xaxis.ticktext) == [label(EVIL), "cars"] and list(layout.xaxis.tickvals) == names
    assert all("<a href" not in str(c) for c in confusion.data[1].customdata)
    assert confusion.data[1].x[0] == EVIL, "a click still reports the raw class name"


def test_log_axis_ticks_are_plain_decimals():
    losses = [(s, 2.0 * 0.3 ** s) for s in range(1, 8)]  # from 0.6 down to 0.00044
    fig = training_figure(losses, [], 4, 12)
    ticks = list(fig.layout.yaxis.ticktext)
    assert ticks == ["0.0001", "0.001", "0.01", "0.1", "1"]
    assert not any("µ" in t or "m" in t for t in ticks)
    runs = runs_figure([("a", [{"epoch": 1, "train_loss": 0.0004, "val_accuracy": 0.9}])])
    assert "µ" not in "".join(runs.layout.yaxis2.ticktext)


def test_the_retraining_phase_is_its_own_marked_segment():
    # 3 epochs of 10 steps chosen on validation, then a retraining of 2 epochs of 12 steps from step 30
    losses = [(s, 1.0 / s) for s in range(1, 31)] + [(30 + s, 2.0 / s) for s in range(1, 25)]
    epochs = [{"epoch": e, "train_accuracy": 0.9, "val_accuracy": 0.8} for e in (1, 2, 3)]
    fig = training_figure(losses, epochs, 10, 54, refit_from=30, refit_steps_per_epoch=12)
    first, refit = fig.data[0], fig.data[1]
    assert "retraining" in refit.name and refit.line.dash == "dot" and refit.line.color != first.line.color
    assert max(first.x) == 3.0 and min(refit.x) > 3.0 and max(refit.x) == 5.0
    assert [s.type for s in fig.layout.shapes] == ["rect"] and fig.layout.shapes[0].x0 == 3.0
    assert any("retraining" in a.text for a in fig.layout.annotations)
    plain = training_figure(losses[:30], epochs, 10, 30)
    assert len(plain.data) == 3 and not plain.layout.shapes, "no retraining: one loss curve, no band"


def test_nouns_follow_the_data():
    assert nouns({"source": "20newsgroups"}).texts == "posts" and nouns({"source": "20newsgroups"}).cls == "topic"
    assert (nouns({"source": "csv", "name": "t.csv"}).texts, nouns({"source": "csv"}).cls) == ("texts", "class")


def test_header_example_comes_from_a_real_post():
    texts = ["No headers at all.",
             "From: ann@example.org (Ann)\nSubject: Re: goalies\nOrganization: Uni\nLines: 3\n\nBody\nFrom: not me",
             "From: bob@example.org\nSubject: x\nOrganization: y\nLines: 1\n\nz"]
    assert header_example(texts) == ["From: ann@example.org (Ann)", "Subject: Re: goalies", "Organization: Uni",
                                     "Lines: 3"]
    assert header_example(["Subject: only this\n\nbody"]) == []


def test_a_log_axis_within_one_power_of_ten_still_has_several_ticks():
    """A short run on a small file: loss from 1.05 down to 0.3 showed a single tick, "1"."""
    losses = [(s, 1.05 * 0.75 ** s) for s in range(5)]  # 1.05 ... 0.33
    for layout_axis in (training_figure(losses, [], 1, 5).layout.yaxis,
                        runs_figure([("a", [{"epoch": e + 1, "train_loss": v, "val_accuracy": 0.9}
                                            for e, (_, v) in enumerate(losses)])]).layout.yaxis2):
        shown = [t for v, t in zip(layout_axis.tickvals, layout_axis.ticktext) if 0.33 <= v <= 1.05]
        assert shown == ["0.5", "1"], shown


def test_the_accuracy_axis_zooms_to_the_accuracies_drawn():
    """Curves at 97-100% are told apart on an axis from 90%, and a low first epoch stays in view."""
    from textclf.plots import training_figure

    def floor(accuracies):
        epochs = [{"epoch": i + 1, "train_accuracy": t, "val_accuracy": v} for i, (t, v) in enumerate(accuracies)]
        return training_figure([(1, 0.5)], epochs, 10, 50).layout.yaxis2.range[0]

    assert floor([(0.97, 0.985), (1.0, 0.99)]) == pytest.approx(0.9)
    assert floor([(0.86, 0.9)]) == pytest.approx(0.8)
    assert floor([(0.31, 0.45), (0.9, 0.92)]) == pytest.approx(0.2)
    assert floor([]) == 0.0


def test_confusion_colour_is_the_share_of_the_true_class_in_both_modes():
    # A small class recognised as well as a large one must look as good: colour follows recall, not the count.
    confusion = np.array([[950, 50], [10, 240]])  # rows: true; the small class's 240 is 96% of its row
    for percent in (False, True):
        fig = confusion_figure(confusion, ["big", "small"], percent)
        z = np.asarray(fig.data[0].z, dtype=float)
        assert np.allclose(z, [[0.95, 0.05], [0.04, 0.96]]), percent
        assert (fig.data[0].zmin, fig.data[0].zmax) == (0, 1)
        assert z[1][1] > z[0][0], "the smaller topic's better diagonal cell is drawn lighter"
    assert [list(row) for row in confusion_figure(confusion, ["big", "small"]).data[0].text] == \
        [["950", "50"], ["10", "240"]]
    assert [list(row) for row in confusion_figure(confusion, ["big", "small"], True).data[0].text] == \
        [["95.0%", "5.0%"], ["4.0%", "96.0%"]]
    empty = confusion_figure(np.array([[0, 0], [1, 3]]), ["none", "some"])
    assert np.allclose(np.asarray(empty.data[0].z, dtype=float), [[0, 0], [0.25, 0.75]])


def test_confusion_axis_titles_use_the_pages_class_word():
    fig = confusion_figure(np.array([[1, 0], [0, 1]]), ["a", "b"], noun="topic")
    assert (fig.layout.yaxis.title.text, fig.layout.xaxis.title.text) == ("true topic", "predicted topic")
    fig = confusion_figure(np.array([[1, 0], [0, 1]]), ["a", "b"])
    assert (fig.layout.yaxis.title.text, fig.layout.xaxis.title.text) == ("true class", "predicted class")


def test_the_saved_runs_accuracy_axis_fits_the_curves():
    """A fixed 0-100% axis drew runs at 97-99% as one line."""
    from textclf.plots import accuracy_range

    fig = runs_figure([("a", [{"epoch": 1, "val_accuracy": 0.97}, {"epoch": 2, "val_accuracy": 0.98}]),
                       ("b", [{"epoch": 1, "val_accuracy": 0.99}])])
    low, high = fig.layout.yaxis.range
    assert 0.9 < low < 0.97 and 0.99 < high <= 1.0
    assert accuracy_range([0.01, 0.5]) == [0.0, 0.5 + 0.049]
    assert accuracy_range([]) == [0.0, 1.0] and accuracy_range([None, 1.0]) == [0.98, 1.0]


def test_a_20_topic_confusion_matrix_fits_a_projector():
    names = [f"topic.number.{i}" for i in range(20)]
    confusion = np.eye(20, dtype=int) * 300 + 3
    large = confusion_figure(confusion, names)
    assert large.layout.height == 140 + 60 * 20, "without fitting, every row keeps its 60 pixels"
    fit = confusion_figure(confusion, names, fit_screen=True)
    assert fit.layout.height <= SCREEN_HEIGHT < 720
    assert fit.data[0].textfont.size >= 9 and fit.layout.yaxis.tickfont.size >= 11, "labels stay readable"
    assert fit.layout.xaxis.tickangle == -45, "slanted column names take less height than the automatic turn"
    rows = (SCREEN_HEIGHT - 190) / 20
    assert fit.data[1].marker.size <= rows, "click targets do not overlap their neighbours"
    small = confusion_figure(np.eye(3, dtype=int), ["a", "b", "c"], fit_screen=True)
    assert small.layout.height == 140 + 60 * 3 and small.data[1].marker.size == 40, "small matrices keep their size"


def test_a_model_tried_with_word_pairs_gets_its_own_curve_and_band():
    losses = [(s, 1.0 / s) for s in range(1, 71)]
    epochs = [{"epoch": e, "train_accuracy": 0.5, "val_accuracy": 0.5} for e in (1, 2, 3)]
    tried = [{"epoch": e, "train_accuracy": 0.6, "val_accuracy": 0.3} for e in (1, 2)]
    fig = training_figure(losses, epochs, 10, 70, refit_from=50, refit_steps_per_epoch=12, compare_from=30,
                          compare_epochs=tried)
    names = [t.name for t in fig.data]
    assert names[:3] == ["training loss", "the same with word pairs (starts afresh)",
                         "retraining on all training texts (starts afresh)"]
    assert list(fig.data[-1].y) == [0.3, 0.3] and fig.data[-1].name == "validation accuracy with word pairs"
    assert fig.layout.yaxis2.range[0] <= 0.3
    assert max(fig.data[0].x) == 3.0 and min(fig.data[1].x) > 3.0 and max(fig.data[1].x) == 5.0
    assert [a.text for a in fig.layout.annotations if a.text in ("trying word pairs", "retraining on all texts")] == \
        ["trying word pairs", "retraining on all texts"]
    assert fig.layout.xaxis2.range[1] == 3.5  # the accuracy plot shows the first model's epochs
