"""Shape space of the default hand: principal components of MakeHuman's own phenotype
variation, restricted to the hand and forearm.

A population of bodies is drawn the way MakeHuman mixes its targets (macro targets:
gender, age, muscle, weight, height, proportions, ethnic mix, multilinearly interpolated as
in targets/macrodetails/macro.json; plus the local hand/forearm targets: hand scale, finger
length / diameter / spacing, wrist circumference, forearm fat / muscle / scale). Ages are
teens (14-19 years, a fifth of the population) and adults (20-70). Each body's hand piece
is brought into the canonical flat frame (default_frame.to_flat_canonical), so the
components hold shape only (size, proportions, finger length, palm width, fat/muscle),
never the arm's pose. The mean is the template; the top 10 components, scaled by their
standard deviation, are the shapedirs, so betas ~ N(0, 1) reproduce the population.
"""
from __future__ import annotations

import itertools

import numpy as np

from handraster.models import makehuman as mh

NUM_SAMPLES = 256
NUM_BETAS = 10
SEED = 20250611          # fixed: the built model is a deterministic function of the assets
# Spreads were calibrated on hand length (wrist joint to middle fingertip): MakeHuman's
# sliders span giants to dwarfs (max height alone adds 7 cm to the hand, the local hand
# scale target 6 cm), so height and the local scale targets get narrow spreads. Result:
# mean 18.0 cm, std 1.5 cm, 95% within 15.0-20.7 cm (adult + teen hands; 1000 draws).
SLIDER_STD = {"muscle": 0.18, "weight": 0.18, "proportions": 0.18, "height": 0.06}
TEEN_FRACTION, TEEN_YEARS, ADULT_YEARS = 0.2, (14, 19), (20, 70)
RACE_CONCENTRATION = 2.0
LOCAL_MODIFIERS = (   # (folder, target name, spread of the modifier value in [-1, 1])
    ("hands", "r-hand-scale", 0.08), ("hands", "r-hand-fingers-length", 0.12),
    ("hands", "r-hand-fingers-diameter", 0.3), ("hands", "r-hand-fingers-distance", 0.3),
    ("hands", "measure-wrist-circ", 0.3), ("arms", "r-lowerarm-fat", 0.3),
    ("arms", "r-lowerarm-muscle", 0.3), ("arms", "r-lowerarm-scale-depth", 0.2),
    ("arms", "r-lowerarm-scale-horiz", 0.2), ("arms", "r-lowerarm-scale-vert", 0.2),
)
_GENDERS, _AGES = ("female", "male"), ("child", "young", "old")
_LEVELS = {"muscle": ("minmuscle", "averagemuscle", "maxmuscle"),
           "weight": ("minweight", "averageweight", "maxweight")}
_RACES = ("african", "asian", "caucasian")


def _age_param(years: np.ndarray) -> np.ndarray:
    """MakeHuman's age slider from years (0.1875 = 11 y, 0.5 = 25 y, 1 = 90 y)."""
    return np.where(years < 25, 0.1875 + (years - 11) / 14 * 0.3125, 0.5 + (years - 25) / 65 * 0.5)


def sample_phenotypes(n: int, rng: np.random.Generator) -> dict:
    """n phenotypes: MakeHuman slider values in [0, 1] (race as weights summing to 1) and
    local modifier values in [-1, 1]."""
    teen = rng.random(n) < TEEN_FRACTION
    years = np.where(teen, rng.uniform(*TEEN_YEARS, n), rng.uniform(*ADULT_YEARS, n))
    ph = dict(gender=rng.random(n), age=_age_param(years),
              race=rng.dirichlet(np.full(3, RACE_CONCENTRATION), n))
    for k, sd in SLIDER_STD.items():
        ph[k] = np.clip(rng.normal(0.5, sd, n), 0.0, 1.0)
    spread = np.array([sd for _, _, sd in LOCAL_MODIFIERS])
    ph["local"] = np.clip(rng.normal(0.0, 1.0, (n, len(spread))) * spread, -1.0, 1.0)
    return ph


def _three_level(x):
    """Weights of the (min, average, max) targets for a slider x in [0, 1]."""
    lo, hi = np.clip(1 - 2 * x, 0, 1), np.clip(2 * x - 1, 0, 1)
    return {0: lo, 1: 1 - lo - hi, 2: hi}


def macro_target_weights(ph: dict):
    """[(target path, weight [n])] of every macro target with a nonzero weight somewhere."""
    a = ph["age"]
    young = np.where(a < 0.5, (a - 0.1875) / 0.3125, (1 - a) / 0.5)
    age_w = {"child": np.where(a < 0.5, 1 - young, 0.0), "young": young,
             "old": np.where(a >= 0.5, 1 - young, 0.0)}
    gen_w = {"female": 1 - ph["gender"], "male": ph["gender"]}
    mus = _three_level(ph["muscle"])
    wei = _three_level(ph["weight"])
    mus_w = {_LEVELS["muscle"][k]: v for k, v in mus.items()}
    wei_w = {_LEVELS["weight"][k]: v for k, v in wei.items()}
    h, p = ph["height"], ph["proportions"]
    hei_w = {"minheight": np.clip(1 - 2 * h, 0, 1), "maxheight": np.clip(2 * h - 1, 0, 1)}
    pro_w = {"uncommonproportions": np.clip(1 - 2 * p, 0, 1), "idealproportions": np.clip(2 * p - 1, 0, 1)}
    out = []
    for g, ag, m, w in itertools.product(_GENDERS, _AGES, mus_w, wei_w):
        base = gen_w[g] * age_w[ag] * mus_w[m] * wei_w[w]
        out.append((mh.target_path("macrodetails", f"universal-{g}-{ag}-{m}-{w}"), base))
        for hk, hw in hei_w.items():
            out.append((mh.target_path("macrodetails", "height", f"{g}-{ag}-{m}-{w}-{hk}"), base * hw))
        for pk, pw in pro_w.items():
            out.append((mh.target_path("macrodetails", "proportions", f"{g}-{ag}-{m}-{w}-{pk}"), base * pw))
    for r, (g, ag) in itertools.product(range(3), itertools.product(_GENDERS, _AGES)):
        out.append((mh.target_path("macrodetails", f"{_RACES[r]}-{g}-{ag}"), ph["race"][:, r] * gen_w[g] * age_w[ag]))
    for k, (folder, name, _) in enumerate(LOCAL_MODIFIERS):
        v = ph["local"][:, k]
        out.append((mh.target_path(folder, name + "-incr"), np.clip(v, 0, None)))
        out.append((mh.target_path(folder, name + "-decr"), np.clip(-v, 0, None)))
    return [(path, w) for path, w in out if np.any(w > 0)]


def population(base_ids: np.ndarray, n: int = NUM_SAMPLES, seed: int = SEED) -> np.ndarray:
    """Base-mesh positions [n, len(base_ids), 3] (decimetres, MakeHuman frame) of the given
    vertices for n sampled bodies."""
    base = mh.read_base_mesh()
    index_map = np.full(len(base.vertices), -1, np.int64)
    index_map[base_ids] = np.arange(len(base_ids))
    ph = sample_phenotypes(n, np.random.default_rng(seed))
    weighted = macro_target_weights(ph)
    W = np.stack([w for _, w in weighted], 1)                               # [n, T]
    T = np.stack([mh.read_target(path, index_map).reshape(-1) for path, _ in weighted])
    return base.vertices[base_ids][None] + (W @ T).reshape(n, len(base_ids), 3)


def principal_components(X: np.ndarray, k: int = NUM_BETAS):
    """Mean [K,3] and shapedirs [K,3,k] (each component scaled by its standard deviation, so
    unit-variance betas reproduce the population) of shapes X [n,K,3]; also the fraction of
    variance each component explains [k]. Sign: a positive beta moves vertices away from the
    centroid on average (for the first component: a larger hand)."""
    n = len(X)
    mean = X.mean(0)
    D = (X - mean).reshape(n, -1)
    # eigen-decomposition of the small n x n Gram matrix (same components as an SVD of D,
    # much cheaper than a LAPACK SVD of the n x 3K matrix)
    w, U = np.linalg.eigh(D @ D.T)
    order = np.argsort(w)[::-1]
    w, U = np.clip(w[order], 0, None), U[:, order]
    s = np.sqrt(w)
    comps = ((U[:, :k].T @ D) / s[:k, None]).reshape(k, -1, 3)
    outward = (mean - mean.mean(0)).reshape(1, -1, 3)
    sign = np.where((comps * outward).sum((1, 2)) < 0, -1.0, 1.0)
    dirs = comps * (sign * s[:k] / np.sqrt(n - 1))[:, None, None]
    return mean, np.ascontiguousarray(dirs.transpose(1, 2, 0)), (s[:k] ** 2) / (s ** 2).sum()
