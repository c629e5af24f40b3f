"""The HTML report of the TINY run, opened in a real headless browser (Debian's Chromium).

The Snakemake 9 report is a single-page React app that embeds its results. A copy of the
report gets a small script that walks through it like a reader: every category and
subcategory of the menu (recording the rendered text of each results table) and every
figure (recording whether the browser decoded it). Chromium's ``--dump-dom`` then returns the
page with that record. A screenshot of the unmodified front page is stored beside the report.
"""

import html
import json
import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image
from test_end_to_end import TINY, snakemake

from rbpgia.gia.registry import EXPERIMENTS

CHROMIUM = next(
    (path for name in ("chromium", "chromium-browser") if (path := shutil.which(name))), None
)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="headless Chromium is not installed (apt-get install -y chromium); "
        "the report is tested in a real browser",
    ),
]
# Flags measured on these machines: root needs --no-sandbox; without the background-networking
# flags Chromium keeps trying connections that the closed network refuses.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1400,1000",
]
CATEGORIES = {"Data", "Models", "Benchmark", "GIA", "Validation"}
RBPS = ("R_ADD", "R_STRUCT")
# The TINY run leaves gia.experiments at null: every experiment that runs by default.
GIA_EXPERIMENTS = [name for name, entry in EXPERIMENTS.items() if entry.by_default]
# Walks the report like a reader and leaves what it saw in <pre id="rbpgia-tour">.
TOUR = """
(async function () {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const tour = { done: false, categories: {}, images: {}, captions: {}, external: [], errors: [] };
  const pre = document.createElement("pre");
  pre.id = "rbpgia-tour";
  pre.style.display = "none";
  document.body.appendChild(pre);
  const save = () => { pre.textContent = JSON.stringify(tour); };
  window.addEventListener("error", (event) => { tour.errors.push(String(event.message)); save(); });
  try {
    while (typeof app === "undefined") await sleep(50);
    await sleep(200);
    const root = document.getElementById("app");
    for (const category of Object.keys(categories)) {
      tour.categories[category] = {};
      for (const subcategory of Object.keys(categories[category])) {
        app.setView({ navbarMode: "menu" });
        await sleep(100);
        app.setView({ navbarMode: "subcategory", category: category, subcategory: subcategory });
        await sleep(200);
        tour.categories[category][subcategory] = root.innerText;
        save();
      }
    }
    for (const [path, result] of Object.entries(results)) {
      tour.captions[path] = (result.caption || "").replace(/<[^>]*>/g, "").trim();
      if (!String(result.mime_type).startsWith("image/")) continue;
      app.setView({ content: "img", contentPath: result.data_uri, resultPath: path });
      await sleep(200);
      const image = Array.from(root.querySelectorAll("img")).find(
        (element) => element.getAttribute("src") === result.data_uri
      );
      tour.images[path] = image && image.complete && image.naturalWidth > 0
        ? [image.naturalWidth, image.naturalHeight] : null;
      save();
    }
    tour.external = Array.from(
      document.querySelectorAll("script[src], link[href^='http'], img[src^='http']")
    ).map((element) => element.outerHTML.slice(0, 200));
  } catch (error) {
    tour.errors.push(String(error));
  }
  tour.done = true;
  save();
})();
"""


def chromium(profile, *args, timeout=300):
    """Run headless Chromium with a new, empty profile; return its stdout."""
    profile.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def report(finished_run, tiny_run_turn, tmp_path_factory):
    # A folder of its own: test_end_to_end.py writes the run's report.html meanwhile.
    path = tmp_path_factory.mktemp("report") / "report.html"
    with tiny_run_turn():
        result = snakemake(finished_run, "--report", str(path))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return path


@pytest.fixture(scope="module")
def tour(report, tmp_path_factory):
    """What a walk through every category, subcategory and figure of the report saw."""
    work = tmp_path_factory.mktemp("chromium")
    page = report.read_text()
    end = page.rindex("</body>")
    toured = work / "tour.html"
    toured.write_text(page[:end] + f"<script>{TOUR}</script>" + page[end:])
    dom = chromium(work / "profile", "--virtual-time-budget=120000", "--dump-dom", toured.as_uri())
    match = re.search(r'<pre id="rbpgia-tour"[^>]*>(.*?)</pre>', dom, re.S)
    assert match, "the report's page did not run the tour script"
    return json.loads(html.unescape(match.group(1)))


def test_report_opens_without_errors_and_is_self_contained(tour):
    assert tour["done"]
    assert tour["errors"] == []
    assert tour["external"] == []  # nothing is fetched from the network


def test_categories_and_subcategories(tour):
    categories = tour["categories"]
    assert set(categories) == CATEGORIES
    assert set(categories["GIA"]) >= {*GIA_EXPERIMENTS, "Paper figures", "summary"}
    assert set(categories["Benchmark"]) >= {"Across RBPs", "Predictions on Set B", "Paper figures"}
    assert set(categories["Models"]) == {"Training history"}
    for category, subcategories in categories.items():
        for subcategory, text in subcategories.items():
            assert "RBP\tFIGURE" in text, (category, subcategory, text[:500])


def test_results_are_labelled_by_rbp(tour):
    categories = tour["categories"]
    per_rbp = [
        categories["Models"]["Training history"],
        categories["Benchmark"]["Predictions on Set B"],
        *(categories["GIA"][experiment] for experiment in GIA_EXPERIMENTS),
    ]
    for text in per_rbp:
        for rbp in RBPS:
            assert f"\n{rbp}\t" in text, text[:500]
    figures = categories["GIA"]["Paper figures"]
    for number in (2, 3, 4):
        assert f"Figure {number}:" in figures
    # The paper figures are labelled with the RBP they show, chosen at run time.
    assert re.search(r"\n(R_ADD|R_STRUCT)\tFigure 2: a motif-driven RBP", figures)


def test_every_figure_renders_and_has_a_caption(tour):
    images = tour["images"]
    # Data 1, Models 2, Benchmark 2 + 2 scatter + Figure 1, GIA 2 x 10 + summary + 3 paper
    # figures, Validation 1.
    assert len(images) >= 33
    assert [path for path, size in images.items() if size is None] == []
    assert min(width for width, _ in images.values()) > 300
    for name in ("figure1.png", "figure2.png", "figure3.png", "figure4.png", "R_ADD.png"):
        assert any(path.endswith(name) for path in images), name
    for path, caption in tour["captions"].items():
        assert len(caption) > 100, path
    # One job writes all of an RBP's experiment figures; each keeps its own caption.
    for experiment in GIA_EXPERIMENTS:
        captions = [
            text for path, text in tour["captions"].items() if path.endswith(f"/{experiment}.png")
        ]
        # R_STRUCT's hairpin is also asked of its pu model (gia.structure_models).
        asked = len(RBPS) + (experiment == "hairpin") * len(TINY["gia"]["structure_models"])
        assert len(captions) == asked, experiment
        assert all(f"({experiment})" in text and "How to read" in text for text in captions)


def test_front_page_screenshot(report, tmp_path_factory):
    work = tmp_path_factory.mktemp("screenshot")
    shot = report.parent / "report_front.png"
    chromium(
        work / "profile",
        "--virtual-time-budget=10000",
        f"--screenshot={shot}",
        report.as_uri(),
    )
    print(f"screenshot of the report's front page: {shot}")
    assert shot.stat().st_size > 20_000
    with Image.open(shot) as image:
        assert image.size == (1400, 1000)
        pixels = np.asarray(image.convert("RGB"))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 100
    assert pixels.std() > 20

    dom = chromium(work / "profile", "--virtual-time-budget=10000", "--dump-dom", report.as_uri())
    menu = dom[: dom.index('<script id="workflow-desc">')] if "workflow-desc" in dom else dom
    for category in CATEGORIES:
        assert f">{category}<" in menu or f">{category} <" in menu, category
    assert "Global importance analysis (GIA) of RNA-binding protein models" in dom
