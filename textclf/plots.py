"""Every chart as a pure function returning a plotly Figure (and the highlighted-text HTML)."""

from __future__ import annotations

import html
from typing import Iterable, Sequence

import numpy as np
import plotly.graph_objects as go

from textclf.data.features import WORD_SEPARATORS

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
FOR_COLOUR = "#0072B2"  # blue: pushes towards the class
AGAINST_COLOUR = "#D55E00"  # vermillion: pushes away from it
TRAIN_COLOUR, TEST_COLOUR, VAL_COLOUR = "#0072B2", "#E69F00", "#009E73"
REFIT_COLOUR = "#CC79A7"  # reddish purple: the retraining phase
COMPARE_COLOUR = "#E69F00"  # orange: a second model tried with word pairs


# Unicode's bidirectional controls (e.g. U+202E, right-to-left override) would display user text reversed.
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def without_bidi(text: str) -> str:
    """Returns `text` without bidirectional control characters, so it displays in the order it was typed."""
    return text.translate(BIDI_CONTROLS)


def label(text: object) -> str:
    """Returns user text safe for a Plotly label: its pseudo-HTML (<a href>, <b>, &...;) shown as typed, and
    no bidirectional controls."""
    return without_bidi(str(text)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def labels(texts: Iterable[object]) -> list[str]:
    """Returns each of `texts` through `label`."""
    return [label(t) for t in texts]


def log_ticks(values: Sequence[float]) -> dict:
    """Returns a log axis's tickvals/ticktext at powers of ten, written as plain decimals ("0.001", not "1m")."""
    positive = [v for v in values if v is not None and v > 0 and np.isfinite(v)]
    low, high = (min(positive), max(positive)) if positive else (0.01, 1.0)
    powers = range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)
    # Within less than two powers of ten (a short run's loss, 1.0 down to 0.3) only one of them would show: add 2 and 5.
    inside = sum(low <= 10.0 ** p <= high for p in powers)
    ticks = [(m, p) for p in powers for m in ((1, 2, 5) if inside < 2 else (1,))]
    return dict(tickvals=[m * 10.0 ** p for m, p in ticks],
                ticktext=[f"{m * 10.0 ** p:.{max(0, -p)}f}" if p < 6 else f"{m * 10.0 ** p:.0e}" for m, p in ticks])


def class_counts_figure(counts: dict[str, tuple[int, int]], noun: str = "posts") -> go.Figure:
    """Returns grouped bars of texts (`noun`) per class in train and test."""
    names = list(counts)
    fig = go.Figure([
        go.Bar(name="train", x=labels(names), y=[counts[n][0] for n in names], marker_color=TRAIN_COLOUR),
        go.Bar(name="test", x=labels(names), y=[counts[n][1] for n in names], marker_color=TEST_COLOUR),
    ])
    fig.update_layout(barmode="group", yaxis_title=label(noun), margin=dict(t=30, b=10), height=320,
                      legend=dict(orientation="h", y=1.12))
    return fig


def _two_rows(top_title: str, bottom_title: str, gap: float = 0.2) -> go.Figure:
    """Returns an empty figure with two stacked plots (x/y on top, x2/y2 below); cheaper than make_subplots."""
    top, bottom = [0.5 + gap / 2, 1.0], [0.0, 0.5 - gap / 2]
    # At the left: the training chart labels its bands above the plot, and a band may begin in the middle.
    titles = [dict(text=text, x=0, xref="paper", xanchor="left", y=domain[1], yref="paper", yanchor="bottom",
                   showarrow=False, font=dict(size=14)) for text, domain in ((top_title, top), (bottom_title, bottom))]
    return go.Figure(layout=dict(xaxis=dict(anchor="y"), yaxis=dict(domain=top, anchor="x"),
                                 xaxis2=dict(anchor="y2"), yaxis2=dict(domain=bottom, anchor="x2"),
                                 annotations=titles))


def _band(fig: go.Figure, start: float, end: float, colour: str, text: str) -> None:
    """Shades the loss plot from epoch `start` to `end` and labels the band."""
    fig.add_shape(type="rect", x0=start, x1=end, y0=0, y1=1, xref="x", yref="y domain", fillcolor=colour,
                  opacity=0.08, line_width=0, layer="below")
    fig.add_annotation(x=(start + end) / 2, y=1, xref="x", yref="y domain", yanchor="bottom", showarrow=False,
                       text=text, font=dict(size=12, color=colour))


def training_figure(step_losses: Sequence[tuple[int, float]], epochs: Sequence[dict], steps_per_epoch: int,
                    total_steps: int, refit_from: int | None = None, refit_steps_per_epoch: int = 0,
                    compare_from: int | None = None, compare_epochs: Sequence[dict] = ()) -> go.Figure:
    """Returns the live training chart: loss per step (top) and accuracy per epoch (bottom).

    With `compare_from` (the first step of a second model tried on word pairs), that model's loss is drawn as its
    own curve on a shaded, labelled band, and its validation accuracy (`compare_epochs`) beside the first model's;
    with `refit_from` (the first step of the retraining phase), the
    retraining on every training post likewise, after the epochs chosen on the validation posts.
    """
    # Redrawn several times a second while training runs, so it is built without make_subplots.
    fig = _two_rows("Training loss (lower is better)", "Accuracy after each epoch", gap=0.3)
    per_epoch = max(steps_per_epoch, 1)
    first_end = compare_from if compare_from is not None else refit_from
    first = [(s, v) for s, v in step_losses if first_end is None or s <= first_end]
    if first:
        fig.add_trace(go.Scatter(x=[s / per_epoch for s, _ in first], y=[v for _, v in first], mode="lines",
                                 name="training loss", line=dict(color=TRAIN_COLOUR)))
    n_epochs = max(1.0, total_steps / per_epoch)
    if compare_from is not None:
        compare_end = refit_from if refit_from is not None else total_steps
        tried = [(s, v) for s, v in step_losses if compare_from < s <= compare_end]
        fig.add_trace(go.Scatter(x=[s / per_epoch for s, _ in tried], y=[v for _, v in tried], mode="lines",
                                 name="the same with word pairs (starts afresh)", line=dict(color=COMPARE_COLOUR)))
        _band(fig, compare_from / per_epoch, compare_end / per_epoch, COMPARE_COLOUR, "trying word pairs")
    if refit_from is not None:
        start = refit_from / per_epoch
        per_refit = max(refit_steps_per_epoch, 1)
        end = start + (total_steps - refit_from) / per_refit
        refit = [(s, v) for s, v in step_losses if s > refit_from]
        fig.add_trace(go.Scatter(x=[start + (s - refit_from) / per_refit for s, _ in refit], y=[v for _, v in refit],
                                 mode="lines", name="retraining on all training texts (starts afresh)",
                                 line=dict(color=REFIT_COLOUR, dash="dot")))
        _band(fig, start, end, REFIT_COLOUR, "retraining on all texts")
        n_epochs = end
    done = [e["epoch"] for e in epochs]
    fig.add_trace(go.Scatter(x=done, y=[e["train_accuracy"] for e in epochs], mode="lines+markers", xaxis="x2",
                             yaxis="y2", name="train accuracy", line=dict(color=TRAIN_COLOUR)))
    val = [(e["epoch"], e["val_accuracy"]) for e in epochs if e.get("val_accuracy") is not None]
    if val:
        fig.add_trace(go.Scatter(x=[v[0] for v in val], y=[v[1] for v in val], mode="lines+markers", xaxis="x2",
                                 yaxis="y2", name="validation accuracy", line=dict(color=VAL_COLOUR, dash="dash")))
    tried = [(e["epoch"], e["val_accuracy"]) for e in compare_epochs if e.get("val_accuracy") is not None]
    if tried:
        fig.add_trace(go.Scatter(x=[v[0] for v in tried], y=[v[1] for v in tried], mode="lines+markers", xaxis="x2",
                                 yaxis="y2", name="validation accuracy with word pairs",
                                 line=dict(color=COMPARE_COLOUR, dash="dot")))
    last_epoch = max(1.0, (first_end / per_epoch) if first_end is not None else n_epochs, len(compare_epochs))
    fig.update_layout(
        xaxis=dict(range=[0, n_epochs * 1.02], dtick=1 if n_epochs <= 20 else None, title_text="epoch"),
        yaxis=dict(type="log", title_text="loss (log scale)", **log_ticks([v for _, v in step_losses])),
        xaxis2=dict(range=[0.5, last_epoch + 0.5], dtick=1 if last_epoch <= 20 else None, title_text="epoch"),
        yaxis2=dict(range=[_accuracy_floor([*epochs, *compare_epochs]), 1.02], tickformat=".0%",
                    title_text="accuracy"),
        height=380, margin=dict(t=30, b=10), legend=dict(orientation="h", y=-0.18),
        uirevision="training")  # keeps zoom while the chart refreshes
    return fig


def _accuracy_floor(epochs: Sequence[dict]) -> float:
    """Returns the accuracy axis' lower end: a tenth below the lowest accuracy drawn, at most 90%.

    On a 0-100% axis, curves at 97-100% lie on top of each other; zoomed, their gap can be read.
    """
    values = [e[k] for e in epochs for k in ("train_accuracy", "val_accuracy") if e.get(k) is not None]
    if not values:
        return 0.0
    return float(min(0.9, max(0.0, np.floor((min(values) - 0.05) * 10) / 10)))


def accuracy_range(values: Sequence[float | None], margin: float = 0.02) -> list[float]:
    """Returns an accuracy axis' [low, high] that fits `values` with a small margin, within 0..1 (0..1 if none).

    On a fixed 0-100% axis, runs at 97-99% lie on top of each other.
    """
    shown = [float(v) for v in values if v is not None and np.isfinite(v)]
    if not shown:
        return [0.0, 1.0]
    low, high = min(shown), max(shown)
    pad = max(margin, (high - low) * 0.1)
    return [max(0.0, low - pad), min(1.0, high + pad)]


# The tallest confusion matrix that fits a 1280x720 projector below Streamlit's header, with its axis titles.
SCREEN_HEIGHT = 600


def confusion_figure(confusion: np.ndarray, class_names: Sequence[str], percent: bool = False,
                     noun: str = "class", fit_screen: bool = False) -> go.Figure:
    """Returns the confusion matrix heatmap: rows are true classes, columns predictions.

    The colour is each cell's share of its row (its true class) in both modes, so a small class's
    well-recognised diagonal is as dark as a large one's; the text shows counts or, with `percent`, that share.
    `noun` names the classes in the axis titles ("topic": "true topic", "predicted topic").
    An invisible marker sits on every cell: heatmaps report no clicks, markers do, so a click selects a cell.
    With `fit_screen`, many classes get shorter rows, smaller text and slanted column names, so the whole
    matrix stays within SCREEN_HEIGHT pixels (20 topics on a projector) instead of 60 pixels a row.
    """
    confusion = np.asarray(confusion)
    names = list(class_names)
    totals = confusion.sum(axis=1, keepdims=True)
    shares = confusion / np.where(totals == 0, 1, totals)  # [true, predicted], each row sums to 1 (or 0)
    text = [[f"{100 * share:.1f}%" if percent else f"{int(count)}" for share, count in zip(srow, crow)]
            for srow, crow in zip(shares, confusion)]
    size = _confusion_size(len(names), fit_screen)
    fig = go.Figure(go.Heatmap(z=shares, x=names, y=names, text=text, texttemplate="%{text}", zmin=0, zmax=1,
                               colorscale="Blues", showscale=False, hoverinfo="skip",
                               textfont=dict(size=size["cell_font"])))
    cells = [(t, p) for t in range(len(names)) for p in range(len(names))]
    # The data keeps the raw names (a click reports them); what is drawn goes through `label`.
    fig.add_trace(go.Scatter(
        x=[names[p] for _, p in cells], y=[names[t] for t, _ in cells], mode="markers",
        marker=dict(size=size["marker"], symbol="square", opacity=0.01, color="#000000"), showlegend=False,
        customdata=[[label(names[t]), label(names[p]), text[t][p]] for t, p in cells],
        hovertemplate="true: %{customdata[0]}<br>predicted: %{customdata[1]}<br>%{customdata[2]}<br>"
                      "click to list these posts<extra></extra>"))
    ticks = dict(tickmode="array", tickvals=names, ticktext=labels(names), tickfont=dict(size=size["tick_font"]))
    fig.update_layout(xaxis=dict(title_text=f"predicted {noun}", tickangle=size["tick_angle"], **ticks),
                      yaxis=dict(title_text=f"true {noun}", autorange="reversed", **ticks),
                      height=size["height"], margin=dict(t=20, b=10), clickmode="event+select")
    return fig


def _confusion_size(n: int, fit_screen: bool) -> dict:
    """Returns the confusion matrix's height, row-dependent font sizes and column-name angle for `n` classes."""
    natural = 140 + 60 * n
    if not fit_screen or natural <= SCREEN_HEIGHT:
        return dict(height=natural, cell_font=12, tick_font=12, marker=40, tick_angle=None)
    # Slanted column names take about 150 px; the rest is shared by the rows.
    row = max(12, (SCREEN_HEIGHT - 190) // n)
    return dict(height=SCREEN_HEIGHT, cell_font=max(9, min(12, row // 2)), tick_font=11, marker=row,
                tick_angle=-45)


def probabilities_figure(class_names: Sequence[str], probabilities: Sequence[float], predicted: int) -> go.Figure:
    """Returns horizontal bars of class probabilities, the predicted class highlighted."""
    colours = [FOR_COLOUR if i == predicted else "#999999" for i in range(len(class_names))]
    fig = go.Figure(go.Bar(x=list(probabilities), y=labels(class_names), orientation="h", marker_color=colours,
                           text=[f"{p:.1%}" for p in probabilities], textposition="outside",
                           cliponaxis=False))
    fig.update_layout(xaxis=dict(range=[0, 1.15], tickformat=".0%", title="probability", tickvals=[0, .25, .5, .75, 1]),
                      yaxis=dict(autorange="reversed"), height=80 + 40 * len(class_names), margin=dict(t=10, b=10))
    return fig


def weights_figure(weights: Sequence[tuple[str, float]], class_name: str, compact: bool = False) -> go.Figure:
    """Returns signed bars of word weights: blue pushes towards `class_name`, vermillion away.

    `compact` shortens the axis title for narrow columns.
    """
    words = labels(w for w, _ in weights)
    values = [v for _, v in weights]
    class_name = label(class_name)
    fig = go.Figure(go.Bar(x=values, y=words, orientation="h",
                           marker_color=[FOR_COLOUR if v > 0 else AGAINST_COLOUR for v in values],
                           hovertemplate="%{y}: %{x:+.4f}<extra></extra>"))
    title = "← against   |   towards →" if compact else f"← against {class_name}   |   towards {class_name} →"
    fig.update_layout(xaxis_title=title, yaxis=dict(autorange="reversed"), height=80 + 28 * max(1, len(words)),
                      margin=dict(t=10, b=10))
    return fig


def highlighted_html(text: str, weights: Sequence[tuple[str, float]], max_chars: int = 20_000) -> str:
    """Returns the text as escaped HTML with each weighted word (any case) on a background of its sign and size."""
    text = without_bidi(text[:max_chars])
    weight = {without_bidi(w).lower(): v for w, v in weights}
    scale = max((abs(v) for v in weight.values()), default=0.0) or 1.0
    parts, last = [], 0
    for match in WORD_SEPARATORS.finditer(text + " "):
        word = text[last:match.start()]
        if word:
            parts.append(_mark(word, weight.get(word.lower()), scale))
        parts.append(html.escape(text[match.start():min(match.end(), len(text))]))
        last = match.end()
    body = "".join(parts).replace("\n", "<br>")
    return f'<div style="line-height:1.9;font-family:sans-serif;white-space:normal">{body}</div>'


def _mark(word: str, value: float | None, scale: float) -> str:
    escaped = html.escape(word)
    if value is None or value == 0:
        return escaped
    rgb = (0, 114, 178) if value > 0 else (213, 94, 0)
    alpha = 0.15 + 0.6 * abs(value) / scale
    return (f'<mark title="{value:+.4f}" style="background:rgba({rgb[0]},{rgb[1]},{rgb[2]},{alpha:.2f});'
            f'padding:0 2px;border-radius:3px">{escaped}</mark>')


def runs_figure(runs: Sequence[tuple[str, Sequence[dict]]]) -> go.Figure:
    """Returns validation accuracy (top) and training loss (bottom) per epoch, one line per named run."""
    fig = _two_rows("Validation accuracy after each epoch", "Training loss after each epoch")
    palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
    for i, (name, history) in enumerate(runs):
        colour, name = palette[i % len(palette)], label(name)
        epochs = [h["epoch"] for h in history]
        fig.add_trace(go.Scatter(x=epochs, y=[h.get("val_accuracy") for h in history], mode="lines+markers",
                                 name=name, legendgroup=name, line=dict(color=colour)))
        fig.add_trace(go.Scatter(x=epochs, y=[h.get("train_loss") for h in history], mode="lines+markers",
                                 xaxis="x2", yaxis="y2", name=name, legendgroup=name, showlegend=False,
                                 line=dict(color=colour)))
    val = [h.get("val_accuracy") for _, history in runs for h in history]
    fig.update_layout(yaxis=dict(tickformat=".1%", title_text="accuracy", range=accuracy_range(val)),
                      yaxis2=dict(type="log", title_text="loss (log scale)",
                                  **log_ticks([h.get("train_loss") for _, history in runs for h in history])),
                      xaxis=dict(title_text="epoch", dtick=1), xaxis2=dict(title_text="epoch", dtick=1),
                      height=560, margin=dict(t=40, b=10), legend=dict(orientation="h", y=-0.15))
    return fig


def stability_figure(rows: Sequence[tuple[str, float, float]], class_name: str, top: int = 15) -> go.Figure:
    """Returns LIME's mean weight per word over several seeds with +-1 standard deviation as error bars."""
    rows = list(rows)[:top]
    words = labels(w for w, _, _ in rows)
    means = [m for _, m, _ in rows]
    fig = go.Figure(go.Bar(x=means, y=words, orientation="h",
                           error_x=dict(type="data", array=[s for _, _, s in rows], color="#333333", thickness=1.5),
                           marker_color=[FOR_COLOUR if m > 0 else AGAINST_COLOUR for m in means],
                           hovertemplate="%{y}: %{x:+.4f}<extra></extra>"))
    fig.update_layout(xaxis_title=f"← against   |   towards {label(class_name)} →",
                      yaxis=dict(autorange="reversed"), height=80 + 24 * max(1, len(words)),
                      margin=dict(t=10, b=10))
    return fig


def deletion_figure(top: Sequence[float], random: Sequence[float], class_name: str) -> go.Figure:
    """Returns the probability of `class_name` as the top words, or as many random words, are removed."""
    steps = list(range(len(top)))
    fig = go.Figure([
        go.Scatter(x=steps, y=list(top), mode="lines+markers", name="removing the explanation's top words",
                   line=dict(color=FOR_COLOUR)),
        go.Scatter(x=steps, y=list(random), mode="lines+markers", name="removing random words (average)",
                   line=dict(color=AGAINST_COLOUR, dash="dash"), marker=dict(symbol="square")),
    ])
    fig.update_layout(xaxis=dict(title="words removed", dtick=1), height=300, margin=dict(t=10, b=10),
                      yaxis=dict(title=f"probability of {label(class_name)}", range=[0, 1.02], tickformat=".0%"),
                      legend=dict(orientation="h", y=-0.3))
    return fig
