"""The trust panel's figures and bidi-safe display, without a browser."""

from textclf.plots import (AGAINST_COLOUR, FOR_COLOUR, deletion_figure, highlighted_html, stability_figure,
                           weights_figure, without_bidi)


def test_stability_figure_has_error_bars_and_signed_colours():
    fig = stability_figure([("nhl", 0.2, 0.01), ("car", -0.1, 0.05)], "hockey")
    bar = fig.data[0]
    assert list(bar.y) == ["nhl", "car"] and list(bar.error_x.array) == [0.01, 0.05]
    assert list(bar.marker.color) == [FOR_COLOUR, AGAINST_COLOUR]


def test_deletion_figure_compares_top_and_random_words():
    fig = deletion_figure([0.9, 0.5, 0.2], [0.9, 0.85, 0.8], "hockey")
    assert [list(t.y) for t in fig.data] == [[0.9, 0.5, 0.2], [0.9, 0.85, 0.8]]
    assert "random" in fig.data[1].name and fig.layout.yaxis.tickformat == ".0%"


def test_bidi_controls_are_stripped_from_display():
    text = "goalie \u202ekcup\u202c and \u2067rink\u2069"
    assert without_bidi(text) == "goalie kcup and rink"
    html = highlighted_html(text, [("goalie", 0.3), ("rink", -0.1)])
    assert not any(c in html for c in "\u202e\u202c\u2067\u2069")
    assert html.count("<mark") == 2  # "rink" is still found once its isolate marks are gone
    fig = weights_figure([("\u202eevil", 0.1)], "x")
    assert list(fig.data[0].y) == ["evil"]


def test_highlight_matches_any_case():
    html = highlighted_html("IBM and ibm", [("ibm", 0.5)])
    assert html.count("<mark") == 2
