"""Distributions of a generated dataset, from the labels alone (no image decoding): joint
flexion angles, camera distance, hand box size, occlusion levels, per-finger occlusion, joint
visibility, hand side, skin tones and background use (from the renderer's recorded params)."""
from __future__ import annotations

from collections import Counter
from typing import Dict, Optional

import numpy as np

from handraster.models.joints import OPENPOSE_BONES

FINGERS = ("thumb", "index", "middle", "ring", "pinky")
LUMA = np.array([0.2126, 0.7152, 0.0722])   # Rec. 709 luminance of linear RGB


def flexion_angles(joints: np.ndarray) -> np.ndarray:
    """Bend angle (degrees) at every non-wrist, non-tip joint, OpenPose joints [..., 21, 3] ->
    [..., 15] (per finger: MCP, PIP, DIP): the angle between a bone and its parent bone (the
    MCP's parent bone runs from the wrist)."""
    j = np.asarray(joints, np.float64)
    out = []
    for f in range(5):
        chain = [0] + [1 + 4 * f + k for k in range(4)]
        for k in range(1, 4):
            a = j[..., chain[k], :] - j[..., chain[k - 1], :]
            b = j[..., chain[k + 1], :] - j[..., chain[k], :]
            cos = (a * b).sum(-1) / np.maximum(np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1), 1e-12)
            out.append(np.degrees(np.arccos(np.clip(cos, -1, 1))))
    return np.stack(out, -1)


def collect(ds, limit: Optional[int] = None) -> dict:
    """Per-sample quantities of dataset ``ds`` (a HandDataset), first ``limit`` samples."""
    acc: Dict[str, list] = {k: [] for k in ("angles", "distance", "box", "occ_level", "finger_occ",
                                            "visible", "right", "tone", "skin_lum")}
    bg_source, bg_name = Counter(), Counter()
    for n, s in enumerate(ds.iter_labels()):
        if limit is not None and n >= limit:
            break
        acc["angles"].append(flexion_angles(s["joints3d"]))
        acc["distance"].append(float(np.linalg.norm(s["joints3d"][0])))
        acc["box"].append(float(max(s["bbox"][2] - s["bbox"][0], s["bbox"][3] - s["bbox"][1])))
        acc["occ_level"].append(int(s["occlusion_level"]))
        acc["finger_occ"].append(s["finger_occlusion"])
        acc["visible"].append(float(np.mean(s["visibility"])))
        acc["right"].append(bool(s["right"]))
        p = s.get("params") or {}
        skin = p.get("skin") or {}
        if skin.get("tone") is not None:
            acc["tone"].append(float(skin["tone"]))
        if skin.get("back") is not None:   # the renderer's linear RGB albedo of the back of the hand
            acc["skin_lum"].append(float(np.dot(LUMA, np.asarray(skin["back"], np.float64)[:3])))
        bg = p.get("background") or {}
        kind = bg.get("source") or bg.get("mode") or "unrecorded"
        bg_source[str(kind)] += 1
        name = bg.get("name") or (f"{kind} #{bg['id']}" if bg.get("id") is not None else None)
        if name is not None:
            bg_name[str(name)] += 1
    out = {k: np.asarray(v) for k, v in acc.items()}
    out["background_source"], out["background_name"] = bg_source, bg_name
    return out


def _summary(x: np.ndarray) -> str:
    if x.size == 0:
        return "n=0 (not recorded)"
    p5, p50, p95 = np.percentile(x, [5, 50, 95])
    return f"n={x.size} mean={x.mean():.3f} std={x.std():.3f} p5={p5:.3f} median={p50:.3f} p95={p95:.3f}"


def _hist_lines(x: np.ndarray, bins: int = 10, width: int = 40) -> list:
    if x.size == 0:
        return []
    h, edges = np.histogram(x, bins=bins)
    top = max(h.max(), 1)
    return [f"    [{edges[k]:8.3f}, {edges[k + 1]:8.3f})  {'#' * int(round(width * h[k] / top)):<{width}} {h[k]}"
            for k in range(bins)]


def report(st: dict) -> str:
    """A plain-text report of collect()'s result."""
    n = len(st["distance"])
    lines = [f"samples: {n}"]
    if n == 0:
        return lines[0]
    lines.append(f"right hands: {st['right'].mean() * 100:.1f}%")
    for key, title in (("distance", "camera distance to the wrist (m)"), ("box", "hand box size (px)"),
                       ("visible", "visible joint fraction"), ("tone", "skin tone (0 light .. 1 dark)"),
                       ("skin_lum", "skin albedo luminance (back of the hand, linear)")):
        if key in ("tone", "skin_lum") and st[key].size == 0:
            continue
        lines.append(f"{title}: {_summary(st[key])}")
        lines += _hist_lines(st[key])
    ang = st["angles"]
    lines.append("flexion angles (deg), mean / p95 per joint (MCP, PIP, DIP):")
    for f, name in enumerate(FINGERS):
        a = ang[:, 3 * f:3 * f + 3]
        lines.append(f"    {name:<7} " + "  ".join(f"{a[:, k].mean():6.1f} / {np.percentile(a[:, k], 95):6.1f}"
                                                for k in range(3)))
    occ = np.bincount(st["occ_level"], minlength=7)
    lines.append("occlusion level (occluded parts of 5 fingers + palm): " +
                 ", ".join(f"{k}: {c}" for k, c in enumerate(occ)))
    fo = st["finger_occ"].mean(0)
    lines.append("mean occluded fraction: " + ", ".join(f"{nm} {v:.3f}" for nm, v in zip(FINGERS + ("palm",), fo)))
    lines.append("background sources: " + ", ".join(f"{k} {v}" for k, v in st["background_source"].most_common()))
    if st["background_name"]:
        names = st["background_name"]
        lines.append(f"background files used: {len(names)} distinct; most used: " +
                     ", ".join(f"{k} ({v})" for k, v in names.most_common(5)))
    return "\n".join(lines)


def plot(st: dict, out, size=(300, 180)) -> None:
    """Histograms of the main distributions as one PNG (drawn with Pillow)."""
    from PIL import Image, ImageDraw
    panels = [("camera distance (m)", st["distance"]), ("hand box (px)", st["box"]),
              ("visible joints", st["visible"]),
              ("skin tone", st["tone"]) if st["tone"].size else ("skin luminance", st["skin_lum"]),
              ("mean flexion (deg)", st["angles"].mean(1) if len(st["angles"]) else st["angles"]),
              ("occlusion level", st["occ_level"].astype(float))]
    w, h = size
    sheet = Image.new("RGB", (3 * w, 2 * h), (255, 255, 255))
    d = ImageDraw.Draw(sheet)
    for k, (title, x) in enumerate(panels):
        ox, oy = (k % 3) * w, (k // 3) * h
        d.text((ox + 8, oy + 4), title, fill=(0, 0, 0))
        if x.size == 0:
            d.text((ox + 8, oy + h // 2), "not recorded", fill=(120, 120, 120))
            continue
        cnt, edges = np.histogram(x, bins=20)
        bw, top = (w - 20) / 20, max(cnt.max(), 1)
        for b, c in enumerate(cnt):
            bh = (h - 40) * c / top
            x0 = ox + 10 + b * bw
            d.rectangle([x0, oy + h - 16 - bh, x0 + bw - 1, oy + h - 16], fill=(70, 110, 200))
        d.text((ox + 8, oy + h - 14), f"{edges[0]:.3g}", fill=(0, 0, 0))
        d.text((ox + w - 50, oy + h - 14), f"{edges[-1]:.3g}", fill=(0, 0, 0))
    sheet.save(out)


__all__ = ["collect", "report", "plot", "flexion_angles", "OPENPOSE_BONES"]
