"""Bar charts drawn on the server: the geometry here, the SVG in templates/macros/charts.html.

No script and no CDN: an SVG with a title and a description for screen readers,
and the same numbers as a table beside it.
"""
import math
from dataclasses import dataclass

PALETTE = ("#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#d63384", "#6c757d", "#20c997", "#b58100")
# The plot's own coordinates. The SVG stretches them to whatever room the page gives it
# (preserveAspectRatio="none"), so it holds no text: the axis labels are HTML beside it and
# keep the page's font size at any chart size.
WIDTH, HEIGHT = 600, 200
MAX_X_LABELS = 12


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    label: str  # what the bar is: "2024 Q3 · Full: 41"
    value: int


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    labels: list[str]
    series: list[tuple[str, list[int], str]]  # (name, one value per label, colour)
    bars: list[Bar]
    x_ticks: list[str]  # one per bar slot, left to right; "" where a label is skipped to leave room
    y_ticks: list[tuple[float, int]]  # (height in the plot, value), from the top value down to 0
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def totals(self) -> list[int]:
        return [sum(values[i] for _name, values, _colour in self.series) for i in range(len(self.labels))]


def nice_step(maximum: int, ticks: int = 4) -> int:
    """A round step (1, 2, 5 x 10^n) so that ``ticks`` steps cover ``maximum``."""
    raw = max(maximum, 1) / ticks
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for multiple in (1, 2, 5, 10):
        if raw <= multiple * power:
            return max(1, int(multiple * power))
    return int(10 * power)


def bar_chart(id: str, title: str, description: str, labels: list[str],
              series: list[tuple[str, list[int]]]) -> Chart:
    """Stacked vertical bars, one per label; one series is a plain bar chart."""
    coloured = [(name, list(values), PALETTE[i % len(PALETTE)]) for i, (name, values) in enumerate(series)]
    totals = [sum(values[i] for _n, values, _c in coloured) for i in range(len(labels))]
    step = nice_step(max(totals, default=0))
    top_value = step * max(1, math.ceil(max(totals, default=0) / step))
    slot = WIDTH / max(len(labels), 1)
    bar_width = slot * 0.7
    scale = HEIGHT / top_value
    bars = []
    for i, label in enumerate(labels):
        x = i * slot + (slot - bar_width) / 2
        stacked = 0
        for name, values, colour in coloured:
            value = values[i]
            if value <= 0:
                continue
            height = value * scale
            y = HEIGHT - (stacked + value) * scale
            text = f"{label} · {name}: {value}" if len(coloured) > 1 else f"{label}: {value}"
            bars.append(Bar(round(x, 1), round(y, 1), round(bar_width, 1), round(height, 1), colour, text, value))
            stacked += value
    every = math.ceil(len(labels) / MAX_X_LABELS) or 1
    x_ticks = [label if i % every == 0 else "" for i, label in enumerate(labels)]
    y_ticks = [(round(HEIGHT - v * scale, 1), v) for v in range(top_value, -1, -step)]
    return Chart(id, title, description, list(labels), coloured, bars, x_ticks, y_ticks)
