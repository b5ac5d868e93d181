"""The earth mover's distance between piles on a line: closed form, a plan, drawings, explorers.

In one dimension the optimal transport problem has a closed form: with unit spacing between
positions, the earth mover's distance (Wasserstein-1) between two piles of equal mass is the L1
distance between their cumulative sums, and the *north-west corner* plan (move mass in order,
left to right) is an optimal plan. Arjovsky et al. (2017), eq. (1) defines the distance; the
notebook solves the same problem as a linear program and checks the two agree.

The kernel-free explorer (:class:`PileExplorer`) runs this formula in JavaScript, so a reader of
the static site can resize piles and see the optimal plan and its cost without a kernel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .pages import explorer_html, safe_id, text

Plan = np.ndarray


class PileError(ValueError):
    """Piles that are not 1-D, non-negative, finite and of equal length, or that hold no mass."""


def check_piles(p: Sequence[float], q: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """``p`` and ``q`` as float arrays, with ``q`` rescaled to the mass of ``p``.

    Raises :class:`PileError` with what to fix when the piles cannot be compared.
    """
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if p.ndim != 1 or q.ndim != 1 or p.shape != q.shape or p.size == 0:
        raise PileError(f"piles must be two 1-D arrays of the same length (one height per position); "
                        f"got shapes {p.shape} and {q.shape}")
    if not (np.all(np.isfinite(p)) and np.all(np.isfinite(q))) or np.any(p < 0) or np.any(q < 0):
        raise PileError("pile heights must be finite and non-negative")
    if p.sum() <= 0 or q.sum() <= 0:
        raise PileError("each distribution needs some mass: give at least one pile a positive height")
    return p, q * (p.sum() / q.sum())


def emd_1d(p: Sequence[float], q: Sequence[float], spacing: float = 1.0) -> float:
    """Earth mover's distance between piles on equally spaced positions: Σ_k |P_k − Q_k| · spacing.

    ``P`` and ``Q`` are the cumulative sums (eq. (1) of Arjovsky et al. 2017 in one dimension).
    When the totals differ, ``q`` is rescaled to the total of ``p``: the cost is then in units of
    ``p``'s mass times distance.
    Used by chapter 05.
    """
    p, q = check_piles(p, q)
    return float(np.abs(np.cumsum(p) - np.cumsum(q))[:-1].sum() * spacing)


def northwest_corner_plan(p: Sequence[float], q: Sequence[float]) -> Plan:
    """The plan γ[i, j] (mass moved from position i of ``p`` to position j of ``q``) that ships
    mass left to right in order; optimal for cost |i − j| on a line."""
    p, q = check_piles(p, q)
    supply, demand = p.copy(), q.copy()
    plan = np.zeros((len(p), len(q)))
    i = j = 0
    while i < len(p) and j < len(q):
        moved = min(supply[i], demand[j])
        plan[i, j] += moved
        supply[i] -= moved
        demand[j] -= moved
        if supply[i] <= 1e-12:
            i += 1
        else:
            j += 1
    return plan


def plan_cost(plan: Plan, spacing: float = 1.0) -> float:
    """Σ_ij γ[i, j] · |i − j| · spacing: the cost of a plan on equally spaced positions.

    Used by chapter 05.
    """
    idx = np.arange(plan.shape[0])
    return float((plan * np.abs(idx[:, None] - idx[None, :])).sum() * spacing)


# ----------------------------------------------------------------------------- drawing
def draw_plan(ax, p: Sequence[float], q: Sequence[float], plan: Plan, labels: Sequence[str] | None = None,
              title: str = "") -> None:
    """Piles ``p`` (above the axis) and ``q`` (below, mirrored), with one arrow per moved amount.

    Used by chapter 05.
    """
    p, q = np.asarray(p, float), np.asarray(q, float)
    x = np.arange(1, len(p) + 1)
    ax.bar(x, p, width=0.6, color="#4c72b0", label="from (p)")
    ax.bar(x, -q, width=0.6, color="#dd8452", label="to (q)")
    top = max(p.max(), q.max(), 1.0)
    for i, j in zip(*np.nonzero(plan > 1e-9)):
        if i == j:
            continue
        amount = plan[i, j]
        ax.annotate("", xy=(x[j], -0.15 * top), xytext=(x[i], 0.15 * top),
                    arrowprops={"arrowstyle": "-|>", "color": "k", "lw": 0.8 + 2.0 * amount / top})
        ax.text(x[i] + 0.3 * (x[j] - x[i]), 0.0, f"{amount:g}×{abs(int(i) - int(j))}", ha="center", va="bottom",
                fontsize=8, bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xticks(x, labels if labels is not None else [str(v) for v in x])
    ax.set_ylim(-1.25 * top, 1.25 * top)
    ax.set_yticks([])
    ax.set_xlabel("position")
    if title:
        ax.set_title(title, fontsize=10)


def pile_sliders(p: Sequence[int], q: Sequence[int], solve: Callable[[np.ndarray, np.ndarray], tuple[float, Plan]],
                 max_height: int = 5):
    """Live explorer: one slider per pile of ``p`` and of ``q``; redraws ``solve(p, q)`` = (cost, plan).

    Returns an ipywidgets ``VBox`` with ``.p_sliders``, ``.q_sliders`` and ``.output`` exposed.
    Used by chapter 05.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import display

    def sliders(values, name):
        return [widgets.IntSlider(value=int(v), min=0, max=max_height, description=f"{name}[{k + 1}]",
                                  layout=widgets.Layout(width="210px"), continuous_update=False)
                for k, v in enumerate(values)]

    p_sliders, q_sliders = sliders(p, "p"), sliders(q, "q")
    output = widgets.Output()

    def redraw(_change=None) -> None:
        hp = np.array([s.value for s in p_sliders], float)
        hq = np.array([s.value for s in q_sliders], float)
        output.clear_output(wait=True)
        with output:
            try:
                hp_checked, hq_scaled = check_piles(hp, hq)
            except PileError as error:
                print(error)
                return
            cost, plan = solve(hp_checked, hq_scaled)
            fig, ax = plt.subplots(figsize=(5.5, 3.0))
            note = "" if hp.sum() == hq.sum() else " (q rescaled to the mass of p)"
            draw_plan(ax, hp_checked, hq_scaled, plan, title=f"optimal cost = {cost:.3g}{note}")
            fig.tight_layout()
            display(fig)
            plt.close(fig)

    for s in p_sliders + q_sliders:
        s.observe(redraw, names="value")
    redraw()
    box = widgets.HBox([widgets.VBox(p_sliders), widgets.VBox(q_sliders), output])
    box.p_sliders, box.q_sliders, box.output = p_sliders, q_sliders, output
    return box


# ----------------------------------------------------------------------------- static (no kernel)
_JS = r"""  var n = data.p.length, NS = "http://www.w3.org/2000/svg";
  var svg = root.querySelector("svg"), out = root.querySelector(".gm-cost");
  function heights(name) {
    var h = [];
    root.querySelectorAll("input[data-pile=" + name + "]").forEach(function (el) {
      h.push(parseFloat(el.value)); el.parentNode.querySelector(".gm-value").textContent = el.value;
    });
    return h;
  }
  function sum(a) { return a.reduce(function (s, v) { return s + v; }, 0); }
  function el(tag, attrs, text) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    svg.appendChild(e); return e;
  }
  function fmt(v) { return Math.abs(v - Math.round(v)) < 1e-9 ? String(Math.round(v)) : v.toFixed(2); }
  function update() {
    var p = heights("p"), q = heights("q"), sp = sum(p), sq = sum(q);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    if (sp <= 0 || sq <= 0) { out.textContent = "Give each distribution at least one block."; return; }
    q = q.map(function (v) { return v * sp / sq; });
    // Cost: L1 distance between the cumulative sums (unit spacing).
    var cp = 0, cq = 0, cost = 0;
    for (var k = 0; k < n - 1; k++) { cp += p[k]; cq += q[k]; cost += Math.abs(cp - cq); }
    // Plan: north-west corner on the sorted positions.
    var s = p.slice(), d = q.slice(), i = 0, j = 0, moves = [];
    while (i < n && j < n) {
      var m = Math.min(s[i], d[j]);
      if (m > 1e-12) moves.push([i, j, m]);
      s[i] -= m; d[j] -= m;
      if (s[i] <= 1e-12) i++; else j++;
    }
    var W = 60 * n + 20, H = 240, mid = H / 2, top = Math.max.apply(null, p.concat(q).concat([1]));
    var u = (mid - 30) / top;
    svg.setAttribute("width", W); svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    for (var k = 0; k < n; k++) {
      var x = 20 + 60 * k;
      el("rect", {x: x + 8, y: mid - p[k] * u, width: 36, height: p[k] * u, fill: "#4c72b0"});
      el("rect", {x: x + 8, y: mid, width: 36, height: q[k] * u, fill: "#dd8452"});
      el("text", {x: x + 26, y: H - 4, "text-anchor": "middle", "font-size": 11}, String(k + 1));
    }
    el("line", {x1: 10, y1: mid, x2: W - 10, y2: mid, stroke: "#000", "stroke-width": 0.6});
    moves.forEach(function (mv) {
      if (mv[0] === mv[1]) return;
      var x1 = 46 + 60 * mv[0], x2 = 46 + 60 * mv[1];
      el("path", {d: "M" + x1 + "," + (mid - 6) + " Q" + (x1 + x2) / 2 + "," + (mid - 40) + " " + x2 + "," + (mid + 6),
                  fill: "none", stroke: "#000", "stroke-width": 1 + 2 * mv[2] / top, "marker-end": "url(#" + root.id + "-arrow)"});
      el("text", {x: (x1 + x2) / 2, y: mid - 26, "text-anchor": "middle", "font-size": 10},
         fmt(mv[2]) + "\u00d7" + Math.abs(mv[0] - mv[1]));
    });
    var defs = el("defs", {}), marker = document.createElementNS(NS, "marker");
    marker.setAttribute("id", root.id + "-arrow"); marker.setAttribute("markerWidth", 8);
    marker.setAttribute("markerHeight", 8); marker.setAttribute("refX", 6); marker.setAttribute("refY", 3);
    marker.setAttribute("orient", "auto");
    var tip = document.createElementNS(NS, "path"); tip.setAttribute("d", "M0,0 L6,3 L0,6 z");
    marker.appendChild(tip); defs.appendChild(marker);
    out.textContent = "optimal cost = " + fmt(cost) +
      (Math.abs(sp - sq) > 1e-9 ? " (q rescaled to the mass of p: " + fmt(sp) + ")" : "");
    root.dataset.cost = cost;
  }
  root.querySelectorAll("input").forEach(function (el) { el.addEventListener("input", update); });
  update();
"""


class PileExplorer:
    """Self-contained HTML+JS (no CDN, no kernel): range inputs for pile heights, the optimal plan
    (north-west corner) and its cost (L1 distance of the cumulative sums) recomputed in the browser.
    Used by chapter 05.
    """

    def __init__(self, p: Sequence[int], q: Sequence[int], max_height: int = 5, title: str = "") -> None:
        check_piles(p, q)
        self.p, self.q = [int(v) for v in p], [int(v) for v in q]
        if max(self.p + self.q) > max_height:
            raise PileError(f"a pile is higher than max_height={max_height}; raise max_height")
        self.max_height, self.title = int(max_height), str(title)
        self.id = safe_id("gm-piles")

    def _repr_html_(self) -> str:
        return self.html()

    def html(self) -> str:
        def inputs(name: str, values: list[int], colour: str) -> str:
            return "".join(
                f'<label style="display:block;margin:2px 0;color:{colour}">{name}[{k + 1}] '
                f'<input type="range" data-pile="{name}" min="0" max="{self.max_height}" step="1" value="{v}" '
                f'style="width:110px;vertical-align:middle"> <span class="gm-value">{v}</span></label>'
                for k, v in enumerate(values))
        title = f"<div style='font-weight:600;margin-bottom:4px'>{text(self.title)}</div>" if self.title else ""
        inner = (f'<div>{title}<div style="display:flex;gap:12px"><div>{inputs("p", self.p, "#4c72b0")}</div>'
                 f'<div>{inputs("q", self.q, "#dd8452")}</div></div>'
                 f'<div class="gm-cost" style="margin-top:6px;font-family:monospace"></div></div>'
                 f'<svg height="240" role="img" aria-label="piles and the optimal transport plan"></svg>')
        return explorer_html(self.id, "gm-piles", "display:flex;gap:16px;align-items:center;flex-wrap:wrap",
                             inner, {"p": self.p, "q": self.q}, _JS)
