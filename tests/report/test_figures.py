"""The LQ choropleth: colours by LQ on a log scale around 1, grey where withheld, the study
region outlined, and the boundaries' source always on the figure."""

from __future__ import annotations

import json

import pandas as pd
import plotly.colors as pc

from clusteratlas.report.figures import LQ_COLORS, lq_choropleth


def square(x0: float) -> str:
    return json.dumps({"type": "Polygon", "coordinates": [[[x0, 30], [x0 + 1, 30], [x0 + 1, 31],
                                                           [x0, 31], [x0, 30]]]})


def regions() -> pd.DataFrame:
    return pd.DataFrame({
        "region": ["a", "b", "c", "d"], "name": ["甲", "乙", "丙", "丁"],
        "lq": [4.0, 1.0, 0.25, 2.0], "boundary": [square(i) for i in range(4)],
        "boundary_source": ["survey 2020", "survey 2020", "survey 2020", None],
        "focus": [True, False, False, False], "suppressed": ["", "", "", "primary"]})


def fills(fig) -> dict[str, str]:
    return {t.name.split(":")[0]: t.fillcolor for t in fig.data if t.fill == "toself"}


def rgb(color: str) -> tuple[float, ...]:
    return pc.unlabel_rgb(color) if color.startswith("rgb") else pc.hex_to_rgb(color)


def test_colours_run_from_blue_below_one_through_white_to_red_above():
    f = fills(lq_choropleth(regions(), "LQ"))
    high, one, low = rgb(f["甲"]), rgb(f["乙"]), rgb(f["丙"])
    assert high[0] > high[2] and low[2] > low[0]  # red above 1, blue below
    assert min(one) > 240  # white at LQ = 1
    # log scale: LQ 4 and LQ 1/4 sit at the two ends of the scale
    assert rgb(f["甲"]) == rgb(pc.sample_colorscale(LQ_COLORS, [1.0])[0])
    assert rgb(f["丙"]) == rgb(pc.sample_colorscale(LQ_COLORS, [0.0])[0])


def test_a_withheld_value_is_grey_and_its_label_shows_no_number():
    fig = lq_choropleth(regions(), "LQ")
    assert fills(fig)["丁"] == "#d9d9d9"
    labels = next(t for t in fig.data if t.mode == "text").text
    assert "丁<br>—" in labels and "甲<br>4.00" in labels
    assert not any("2.00" in str(t.name) for t in fig.data)


def test_the_study_region_is_outlined_and_the_source_is_in_the_title():
    fig = lq_choropleth(regions(), "LQ of 22")
    focus = next(t for t in fig.data if t.fill == "toself" and t.name.startswith("甲"))
    other = next(t for t in fig.data if t.fill == "toself" and t.name.startswith("乙"))
    assert focus.line.width > other.line.width
    assert "边界来源：survey 2020" in fig.layout.title.text


def test_parks_are_one_layer_over_the_fills_and_under_the_names():
    parks = pd.DataFrame({"name": ["P1", "P2"], "boundary": [square(0.2), square(1.2)]})
    fig = lq_choropleth(regions(), "LQ", parks)
    order = [("parks" if t.name == "园区" else "names" if t.mode == "text" else
              "fill" if t.fill == "toself" else "other") for t in fig.data]
    assert order.count("parks") == 1
    assert max(i for i, k in enumerate(order) if k == "fill") < order.index("parks") < order.index("names")
