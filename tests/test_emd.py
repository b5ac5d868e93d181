import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.stats import wasserstein_distance

from genmodels import emd

# The chapter's example: five unit blocks a..e on positions 1..6.
P = [0, 2, 1, 1, 0, 1]   # a, b at 2; c at 3; d at 4; e at 6
Q = [1, 0, 2, 1, 0, 1]   # b moved to 1, a moved to 3


def lp_emd(p, q):
    """The transport linear program, solved by scipy: min Σ γ_ij |i − j| s.t. marginals p, q, γ ≥ 0."""
    n = len(p)
    cost = np.abs(np.arange(n)[:, None] - np.arange(n)[None, :]).ravel()
    rows = np.kron(np.eye(n), np.ones(n))      # Σ_j γ_ij = p_i
    cols = np.kron(np.ones(n), np.eye(n))      # Σ_i γ_ij = q_j
    result = linprog(cost, A_eq=np.vstack([rows, cols]), b_eq=np.concatenate([p, q]), bounds=(0, None),
                     method="highs")
    assert result.success
    return result.fun


def test_chapter_example():
    assert emd.emd_1d(P, Q) == pytest.approx(2.0)
    assert lp_emd(np.array(P, float), np.array(Q, float)) == pytest.approx(2.0)
    plan = emd.northwest_corner_plan(P, Q)
    assert emd.plan_cost(plan) == pytest.approx(2.0)
    np.testing.assert_allclose(plan.sum(axis=1), P)
    np.testing.assert_allclose(plan.sum(axis=0), Q)


@pytest.mark.parametrize("trial", range(25))
def test_closed_form_matches_linprog_and_scipy(trial):
    rng = np.random.default_rng(trial)
    n = int(rng.integers(2, 9))
    p = rng.integers(0, 6, n).astype(float)
    q = rng.random(n) * rng.integers(0, 2, n)
    p[rng.integers(n)] += 1
    q[rng.integers(n)] += 0.5
    p_checked, q_scaled = emd.check_piles(p, q)
    expected = lp_emd(p_checked, q_scaled)
    assert emd.emd_1d(p, q) == pytest.approx(expected, abs=1e-7)
    plan = emd.northwest_corner_plan(p, q)
    assert emd.plan_cost(plan) == pytest.approx(expected, abs=1e-7)
    np.testing.assert_allclose(plan.sum(axis=1), p_checked, atol=1e-9)
    np.testing.assert_allclose(plan.sum(axis=0), q_scaled, atol=1e-9)
    positions = np.arange(n)
    assert emd.emd_1d(p, q) == pytest.approx(p.sum() * wasserstein_distance(positions, positions, p, q), abs=1e-7)


def test_spacing_scales_the_cost():
    assert emd.emd_1d(P, Q, spacing=0.5) == pytest.approx(1.0)


def test_bad_piles_say_what_to_fix():
    with pytest.raises(emd.PileError, match="same length"):
        emd.emd_1d([1, 2], [1, 2, 3])
    with pytest.raises(emd.PileError, match="non-negative"):
        emd.emd_1d([1, -1], [1, 1])
    with pytest.raises(emd.PileError, match="some mass"):
        emd.emd_1d([0, 0], [1, 1])


def test_static_explorer_is_self_contained():
    page = emd.PileExplorer(P, Q, title="piles").html()
    assert page.count('type="range"') == 2 * len(P)
    assert "<script" in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in page
    with pytest.raises(emd.PileError, match="max_height"):
        emd.PileExplorer([9, 0], [0, 9], max_height=5)


def test_live_explorer_redraws():
    calls = []

    def solve(p, q):
        calls.append((p.copy(), q.copy()))
        return emd.emd_1d(p, q), emd.northwest_corner_plan(p, q)

    box = emd.pile_sliders(P, Q, solve)
    box.q_sliders[0].value = 0
    box.q_sliders[1].value = 1
    assert len(calls) == 3 and calls[-1][1][1] == 1
