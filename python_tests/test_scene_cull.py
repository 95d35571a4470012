"""The scene renderer's back-face culling (SceneMesh.draw_modes) and occluder normals."""
import numpy as np
import pytest

from handraster import _C
from handraster._reference import shade as ref
from handraster.scene.config import SceneConfig
from handraster.scene.meshes import PRIMITIVES, outward_oriented, primitive
from handraster.scene.renderer import Renderer


def test_outward_oriented():
    for name in PRIMITIVES:  # seams are duplicated vertices: welded before the edge count
        m = primitive(name)
        assert outward_oriented(m.vertices, m.faces), name
        assert not outward_oriented(m.vertices, m.faces[:, ::-1]), name  # inside out
    box = primitive("box")
    flipped = box.faces.copy()
    flipped[3] = flipped[3, ::-1]  # one face against its neighbours
    assert not outward_oriented(box.vertices, flipped)
    open_box = box.faces[2:]  # two faces removed: a hole
    assert not outward_oriented(box.vertices, open_box)
    assert outward_oriented(box.vertices, open_box, allow_boundary=True)
    assert not outward_oriented(box.vertices, box.faces[:0])


@pytest.fixture(scope="module")
def renderer():
    return Renderer(SceneConfig(resolution=(96, 96), object_prob=1.0), overlap=False)


def test_draw_modes(renderer):
    mesh = renderer.mesh
    assert mesh.cull.all()  # the built-in hand and every primitive are closed and outward
    nh = len(mesh.hand_faces)
    right = np.array([True, False, True, False])
    obj = dict(present=np.array([True, True, False, True]), kind=np.array([0, 2, 1, 4]),
               grasp_mirror=np.array([False, False, False, True]))
    m = mesh.draw_modes(right, obj)
    assert m.shape == (4, len(mesh.faces)) and m.dtype == np.uint8
    np.testing.assert_array_equal(m[:, :nh], np.array([2, 3, 2, 3])[:, None] * np.ones(nh, np.uint8))
    starts = np.concatenate([[nh], nh + np.cumsum(mesh.group_faces[1:])])
    for b, kind, want in ((0, 0, 2), (1, 2, 2), (3, 4, 3)):  # occluders never mirror; grasps do
        s, e = starts[kind], starts[kind + 1]
        assert (m[b, s:e] == want).all()
        assert (np.delete(m[b, nh:], np.arange(s - nh, e - nh)) == 0).all()  # absent objects
    assert (m[2, nh:] == 0).all()
    mesh.cull[3] = False  # a mesh that is not wound outward: both sides
    try:
        m = mesh.draw_modes(right, obj)
        assert (m[1, starts[2]:starts[3]] == 1).all()
    finally:
        mesh.cull[3] = True


def test_culling_changes_almost_no_pixel(renderer):
    # the closed hand and occluders seen from outside: the nearest surface is a front face
    # except where fingers interpenetrate, so culling keeps the images (not a speed-only claim)
    a = renderer.render(np.arange(24), seed=5)
    cull = renderer.mesh.cull.copy()
    renderer.mesh.cull[:] = False
    try:
        b = renderer.render(np.arange(24), seed=5)
    finally:
        renderer.mesh.cull[:] = cull
    assert (a.mask == 8).any() and (~a.right).any() and a.right.any()
    assert (a.mask != b.mask).mean() < 1e-3
    assert (a.depth != b.depth).mean() < 1e-3
    np.testing.assert_array_equal(a.visibility, b.visibility)


def test_occluder_normals_keep_their_orientation_for_left_hands():
    from handraster.scene.vertex_attributes import vertex_face_adjacency
    rng = np.random.default_rng(3)
    B, V = 2, 24
    pos = rng.normal(size=(B, V, 3)).astype(np.float32)
    faces = np.array([[i, (i + 1) % V, (i + 5) % V] for i in range(V)], np.int32)
    ptr, adj = vertex_face_adjacency(faces, V)
    sign = np.array([1, -1], np.float32)
    out = np.empty((B, V, 3), np.float32)
    _C.vertex_normals(pos, faces, ptr, adj, sign, out, keep_v0=6, keep_v1=15)
    expect = ref.vertex_normals(pos, faces, sign, keep=(6, 15))
    np.testing.assert_allclose(out, expect, atol=1e-5)
    plain = ref.vertex_normals(pos, faces)
    np.testing.assert_allclose(out[1, 6:15], plain[1, 6:15], atol=1e-5)     # kept
    np.testing.assert_allclose(out[1, 15:], -plain[1, 15:], atol=1e-5)      # mirrored
    with pytest.raises(ValueError, match=r"vertex_normals.*keep range \[6, 30\)"):
        _C.vertex_normals(pos, faces, ptr, adj, sign, out, keep_v0=6, keep_v1=30)


def test_renderer_keeps_the_occluders_unsigned(renderer):
    mesh = renderer.mesh
    s, e = mesh.occluder_vertices
    assert s == mesh.n_hand and e - s == sum(len(m.vertices) for m in mesh.object_meshes)
