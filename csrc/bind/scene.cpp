// scene.cpp (bind): the scene renderer's native stages - vertex_stage, vertex_normals,
// shade and shadow_factor (kernels/vertex_stage.h, shade.h, shadow.h). Called by
// handraster/scene/renderer.py.
#include "bind/arrays.h"
#include "bind/ops.h"
#include "kernels/shade.h"
#include "kernels/shadow.h"
#include "kernels/vertex_stage.h"

namespace hr {
HR_DECLARE_LAUNCH(VertexStageOp)
HR_DECLARE_LAUNCH(VertexNormalOp)
HR_DECLARE_LAUNCH(FaceNormalOp)
HR_DECLARE_LAUNCH(VertexBlotchOp)
HR_DECLARE_LAUNCH(ShadeOp)
HR_DECLARE_LAUNCH(ShadowFactorOp)

static void vertex_stage(py::object p_world, py::object extr, py::object K, py::object clip_nf,
                         int H, int W, py::object p_cam, py::object clip, std::uintptr_t stream) {
  const char* op = "vertex_stage";
  ArrayView pw = view_array(p_world, op, "p_world");
  if (pw.ndim() != 3) fail(op, "argument 'p_world' must be [B, V, 3]");
  const int64_t B = pw.shape[0], V = pw.shape[1];
  if (H <= 0 || W <= 0) fail(op, "resolution must be positive, got " + std::to_string(H) + "x" + std::to_string(W));
  check_array(pw, op, "p_world", DType::f32, {B, V, 3}, "[B, V, 3]");
  ArrayView e = arg_array(extr, op, "extr", DType::f32, {B, 3, 4}, "[B, 3, 4]");
  ArrayView k = arg_array(K, op, "K", DType::f32, {B, 3, 3}, "[B, 3, 3]");
  ArrayView nf = arg_array(clip_nf, op, "clip_nf", DType::f32, {B, 2}, "[B, 2]");
  ArrayView pc = arg_array(p_cam, op, "p_cam", DType::f32, {B, V, 3}, "[B, V, 3]", true);
  ArrayView cl = arg_array(clip, op, "clip", DType::f32, {B, V, 4}, "[B, V, 4]", true);
  VertexStageOp::Params p{pw.ptr<const float>(), e.ptr<const float>(), k.ptr<const float>(),
                          nf.ptr<const float>(), pc.ptr<float>(), cl.ptr<float>(),
                          (int)B, (int)V, H, W};
  py::gil_scoped_release nogil;
  launch<VertexStageOp>(p, B * V, stream);
}

static void vertex_normals(py::object pos, py::object faces, py::object adj_ptr, py::object adj_face,
                           py::object sign, py::object normals, py::object vattr, py::object mat,
                           py::object blotch, std::uintptr_t stream, py::object face_normals, int n_blotch,
                           int keep_v0, int keep_v1) {
  const char* op = "vertex_normals";
  ArrayView ps = view_array(pos, op, "pos");
  ArrayView fc = view_array(faces, op, "faces");
  ArrayView af = view_array(adj_face, op, "adj_face");
  if (ps.ndim() != 3 || fc.ndim() != 2 || af.ndim() != 1) fail(op, "pos [B, V, 3], faces [F, 3], adj_face [nnz] expected");
  const int64_t B = ps.shape[0], V = ps.shape[1], F = fc.shape[0], nnz = af.shape[0];
  check_array(ps, op, "pos", DType::f32, {B, V, 3}, "[B, V, 3]");
  check_array(fc, op, "faces", DType::i32, {F, 3}, "[F, 3]");
  check_array(af, op, "adj_face", DType::i32, {nnz}, "[nnz]");
  ArrayView ap = arg_array(adj_ptr, op, "adj_ptr", DType::i32, {V + 1}, "[V + 1]");
  ArrayView sg = opt_array(sign, op, "sign", DType::f32, {B}, "[B]");
  ArrayView nr = arg_array(normals, op, "normals", DType::f32, {B, V, 3}, "[B, V, 3]", true);
  ArrayView va = opt_array(vattr, op, "vattr", DType::f32, {V, kVAttr}, "[V, 9]");
  ArrayView mt = opt_array(mat, op, "mat", DType::f32, {B, kMatParams}, "[B, 40]");
  ArrayView bl = blotch.is_none() ? ArrayView{} : arg_array(blotch, op, "blotch", DType::f32, {B, V}, "[B, V]", true);
  if (bl.data && (!va.data || !mt.data)) fail(op, "the blotch output needs vattr and mat");
  check_indices(fc, 0, V, op, "faces");
  check_indices(af, 0, F, op, "adj_face");
  check_indices(ap, 0, nnz + 1, op, "adj_ptr");
  VertexNormalOp::Params p{ps.ptr<const float>(), fc.ptr<const int32_t>(), ap.ptr<const int32_t>(),
                           af.ptr<const int32_t>(), sg.ptr<const float>(), nr.ptr<float>(),
                           va.ptr<const float>(), mt.ptr<const float>(), bl.ptr<float>(), (int)B, (int)V};
  // face_normals [B, F, 3] (optional scratch, filled here): each face's cross product once
  ArrayView fn;
  if (!face_normals.is_none()) fn = arg_array(face_normals, op, "face_normals", DType::f32, {B, F, 3}, "[B, F, 3]", true);
  if (n_blotch < 0 || n_blotch > V) n_blotch = (int)V;
  if (keep_v0 < 0 || keep_v1 < keep_v0 || keep_v1 > V)
    fail(op, "keep range [" + std::to_string(keep_v0) + ", " + std::to_string(keep_v1) +
                 ") must satisfy 0 <= keep_v0 <= keep_v1 <= V = " + std::to_string(V));
  p.keep_v0 = keep_v0;
  p.keep_v1 = keep_v1;
  py::gil_scoped_release nogil;
  if (bl.data) {  // blotch in vectorised blocks of vertices, not inside the adjacency loop
    launch<VertexBlotchOp>(VertexBlotchOp::Params{va.ptr<const float>(), mt.ptr<const float>(), bl.ptr<float>(),
                                                  (int)B, (int)V, n_blotch}, B * VertexBlotchOp::blocks((int)V), stream);
    p.blotch = nullptr;
  }
  if (fn.data) {
    launch<FaceNormalOp>(FaceNormalOp::Params{ps.ptr<const float>(), fc.ptr<const int32_t>(), fn.ptr<float>(),
                                              (int)B, (int)V, (int)F}, B * F, stream);
    p.fnrm = fn.ptr<const float>();
    p.F = (int)F;
  }
  launch<VertexNormalOp>(p, B * V, stream);
}

static void shade(py::dict a, int H, int W, std::uintptr_t stream) {
  const char* op = "shade";
  auto get = [&](const char* k) -> py::object {
    if (!a.contains(k)) fail(op, std::string("missing argument '") + k + "'");
    return a[k];
  };
  ArrayView pc = view_array(get("p_cam"), op, "p_cam");
  ArrayView tr = view_array(get("tri"), op, "tri");
  ArrayView pl = view_array(get("pool"), op, "pool");
  ArrayView po = view_array(get("pool_off"), op, "pool_off");
  ArrayView ev = view_array(get("env"), op, "env");
  ArrayView eo = view_array(get("env_off"), op, "env_off");
  if (pc.ndim() != 3 || tr.ndim() != 2 || po.ndim() != 1 || eo.ndim() != 1)
    fail(op, "p_cam [B, V, 3], tri [T, 3], pool_off [Np], env_off [Ne] expected");
  const int64_t B = pc.shape[0], V = pc.shape[1], T = tr.shape[0], Np = po.shape[0], Ne = eo.shape[0];
  check_array(pc, op, "p_cam", DType::f32, {B, V, 3}, "[B, V, 3]");
  check_array(tr, op, "tri", DType::i32, {T, 3}, "[T, 3]");
  check_array(pl, op, "pool", DType::i32, {pl.ndim() == 1 ? pl.shape[0] : -1}, "[total] packed RGBA (int32/uint32 view)");
  check_array(po, op, "pool_off", DType::i64, {Np}, "[Np]");
  check_array(ev, op, "env", DType::f32, {ev.ndim() == 1 ? ev.shape[0] : -1}, "[total]");
  check_array(eo, op, "env_off", DType::i64, {Ne}, "[Ne]");
  ArrayView ra = arg_array(get("rast"), op, "rast", DType::f32, {B, H, W, 4}, "[B, H, W, 4]");
  ArrayView nr = arg_array(get("nrm"), op, "nrm", DType::f32, {B, V, 3}, "[B, V, 3]");
  ArrayView va = arg_array(get("vattr"), op, "vattr", DType::f32, {V, kVAttr}, "[V, 9]");
  ArrayView vb = arg_array(get("vblotch"), op, "vblotch", DType::f32, {B, V}, "[B, V]");
  ArrayView vl = arg_array(get("vlabel"), op, "vlabel", DType::u8, {V}, "[V]");
  ArrayView mt = arg_array(get("mat"), op, "mat", DType::f32, {B, kMatParams}, "[B, 40]");
  ArrayView li = arg_array(get("lights"), op, "lights", DType::f32, {B, kMaxLights, kLightParams}, "[B, 5, 12]");
  ArrayView nl = arg_array(get("nlights"), op, "nlights", DType::i32, {B}, "[B]");
  ArrayView sh = arg_array(get("sh"), op, "sh", DType::f32, {B, 9, 3}, "[B, 9, 3]");
  ArrayView sr = arg_array(get("sh_rot"), op, "sh_rot", DType::f32, {B, 3, 3}, "[B, 3, 3]");
  ArrayView bm = arg_array(get("bg_mode"), op, "bg_mode", DType::i32, {B}, "[B]");
  ArrayView bi = arg_array(get("bg_id"), op, "bg_id", DType::i32, {B}, "[B]");
  ArrayView ba = arg_array(get("bg_affine"), op, "bg_affine", DType::f32, {B, 2, 3}, "[B, 2, 3]");
  ArrayView bp = arg_array(get("bg_param"), op, "bg_param", DType::f32, {B, 8}, "[B, 8]");
  ArrayView ki = arg_array(get("Kinv"), op, "Kinv", DType::f32, {B, 3, 3}, "[B, 3, 3]");
  ArrayView er = arg_array(get("env_rot"), op, "env_rot", DType::f32, {B, 3, 3}, "[B, 3, 3]");
  ArrayView ph = arg_array(get("pool_hw"), op, "pool_hw", DType::i32, {Np, 2}, "[Np, 2]");
  ArrayView eh = arg_array(get("env_hw"), op, "env_hw", DType::i32, {Ne, 2}, "[Ne, 2]");
  ArrayView lut = arg_array(get("lin2srgb"), op, "lin2srgb", DType::u8, {4096}, "[4096]");
  ArrayView rgb = arg_array(get("rgb"), op, "rgb", DType::u8, {B, H, W, 3}, "[B, H, W, 3]", true);
  ArrayView dp = arg_array(get("depth"), op, "depth", DType::f32, {B, H, W}, "[B, H, W]", true);
  ArrayView mk = arg_array(get("mask"), op, "mask", DType::u8, {B, H, W}, "[B, H, W]", true);
  check_indices(tr, 0, V, op, "tri");
  // Background ids must index their pools for the modes that use them; image extents must
  // lie inside the pool buffers (checked on the host: a few values per sample).
  std::vector<int32_t> mode(B), id(B), hw(Np * 2), ehw(Ne * 2);
  std::vector<int64_t> off(Np), eoff(Ne);
  copy_to_host(mode.data(), bm.data, B * 4);
  copy_to_host(id.data(), bi.data, B * 4);
  if (Np) { copy_to_host(hw.data(), ph.data, Np * 8); copy_to_host(off.data(), po.data, Np * 8); }
  if (Ne) { copy_to_host(ehw.data(), eh.data, Ne * 8); copy_to_host(eoff.data(), eo.data, Ne * 8); }
  for (int64_t n = 0; n < Np; ++n)
    if (hw[n * 2] <= 0 || hw[n * 2 + 1] <= 0 || off[n] < 0 || off[n] + (int64_t)hw[n * 2] * hw[n * 2 + 1] > pl.numel())
      fail(op, "image pool entry " + std::to_string(n) + " lies outside the pool buffer");
  for (int64_t n = 0; n < Ne; ++n)
    if (ehw[n * 2] <= 0 || ehw[n * 2 + 1] <= 0 || eoff[n] < 0 || eoff[n] + (int64_t)ehw[n * 2] * ehw[n * 2 + 1] * 3 > ev.numel())
      fail(op, "environment pool entry " + std::to_string(n) + " lies outside the env buffer");
  for (int64_t b = 0; b < B; ++b) {
    if (mode[b] < 0 || mode[b] > 2) fail(op, "bg_mode[" + std::to_string(b) + "] must be 0, 1 or 2");
    int64_t lim = mode[b] == 0 ? Np : mode[b] == 1 ? Ne : 1 << 30;
    if (mode[b] < 2 && (id[b] < 0 || id[b] >= lim))
      fail(op, "bg_id[" + std::to_string(b) + "] = " + std::to_string(id[b]) + " is outside its pool of " + std::to_string(lim));
  }
  ShadeOp::Params p{ra.ptr<const float>(), tr.ptr<const int32_t>(), pc.ptr<const float>(), nr.ptr<const float>(),
                    va.ptr<const float>(), vb.ptr<const float>(), vl.ptr<const uint8_t>(), mt.ptr<const float>(), li.ptr<const float>(),
                    nl.ptr<const int32_t>(), sh.ptr<const float>(), sr.ptr<const float>(), bm.ptr<const int32_t>(),
                    bi.ptr<const int32_t>(), ba.ptr<const float>(), bp.ptr<const float>(), ki.ptr<const float>(),
                    er.ptr<const float>(), pl.ptr<const uint32_t>(), po.ptr<const int64_t>(), ph.ptr<const int32_t>(),
                    ev.ptr<const float>(), eo.ptr<const int64_t>(), eh.ptr<const int32_t>(), lut.ptr<const uint8_t>(),
                    rgb.ptr<uint8_t>(), dp.ptr<float>(), mk.ptr<uint8_t>(), (int)B, H, W, (int)V,
                    nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, 0, nullptr, nullptr, 0};
  // Optional skin textures: tex, tex_off, tex_hw, tex_id, uv_tri, srgb2lin (all or none).
  ArrayView tx, to, th, ti, ut, sl;
  if (a.contains("tex")) {
    tx = view_array(get("tex"), op, "tex");
    to = view_array(get("tex_off"), op, "tex_off");
    if (to.ndim() != 1 || tx.ndim() != 1) fail(op, "tex [total], tex_off [Nt] expected");
    const int64_t Nt = to.shape[0];
    check_array(tx, op, "tex", DType::i32, {tx.shape[0]}, "[total] packed RGBA (int32/uint32 view)");
    check_array(to, op, "tex_off", DType::i64, {Nt}, "[Nt]");
    th = arg_array(get("tex_hw"), op, "tex_hw", DType::i32, {Nt, 2}, "[Nt, 2]");
    ti = arg_array(get("tex_id"), op, "tex_id", DType::i32, {B}, "[B]");
    ut = arg_array(get("uv_tri"), op, "uv_tri", DType::f32, {T, 3, 2}, "[T, 3, 2]");
    sl = arg_array(get("srgb2lin"), op, "srgb2lin", DType::f32, {256}, "[256]");
    std::vector<int32_t> thw(Nt * 2), tid(B);
    std::vector<int64_t> toff(Nt);
    if (Nt) { copy_to_host(thw.data(), th.data, Nt * 8); copy_to_host(toff.data(), to.data, Nt * 8); }
    copy_to_host(tid.data(), ti.data, B * 4);
    for (int64_t n = 0; n < Nt; ++n)
      if (thw[n * 2] <= 0 || thw[n * 2 + 1] <= 0 || toff[n] < 0 || toff[n] + (int64_t)thw[n * 2] * thw[n * 2 + 1] > tx.numel())
        fail(op, "texture pool entry " + std::to_string(n) + " lies outside the tex buffer");
    for (int64_t b = 0; b < B; ++b)
      if (tid[b] < -1 || tid[b] >= Nt)
        fail(op, "tex_id[" + std::to_string(b) + "] = " + std::to_string(tid[b]) + " is outside -1.." + std::to_string(Nt - 1));
    p.uv_tri = ut.ptr<const float>(); p.tex = tx.ptr<const uint32_t>(); p.tex_off = to.ptr<const int64_t>();
    p.tex_hw = th.ptr<const int32_t>(); p.tex_id = ti.ptr<const int32_t>(); p.srgb2lin = sl.ptr<const float>();
    p.n_tex = (int)Nt;
  }
  // Optional key-light shadows: shadow_map [B, S, S] and shadow [B, 24] (both or none).
  ArrayView sm, sp;
  if (a.contains("shadow_map") || a.contains("shadow")) {
    sm = view_array(get("shadow_map"), op, "shadow_map");
    if (sm.ndim() != 3) fail(op, "argument 'shadow_map' must be [B, S, S]");
    const int64_t S = sm.shape[1];
    check_array(sm, op, "shadow_map", DType::f32, {B, S, S}, "[B, S, S]");
    sp = arg_array(get("shadow"), op, "shadow", DType::f32, {B, kShadowParams}, "[B, 24]");
    if (S < 1 || S > 16384) fail(op, "shadow map resolution must be 1..16384, got " + std::to_string(S));
    p.shadow_map = sm.ptr<const float>(); p.shadow = sp.ptr<const float>(); p.S = (int)S;
  }
  // Optional row coverage spans from rasterize (spans=...): only those columns of rast are read
  // (the kernel clamps them to the row, so any values are safe).
  ArrayView spn;
  if (a.contains("spans")) {
    spn = arg_array(get("spans"), op, "spans", DType::i32, {B, H, 2}, "[B, H, 2]");
    p.spans = spn.ptr<const int32_t>();
  }
  py::gil_scoped_release nogil;
  launch<ShadeOp>(p, B * H, stream);
}

static void shadow_factor(py::object smap, py::object params, py::object pos, py::object nrm, py::object ldir,
                          py::object out, std::uintptr_t stream) {
  const char* op = "shadow_factor";
  ArrayView sm = view_array(smap, op, "smap");
  ArrayView ps = view_array(pos, op, "pos");
  if (sm.ndim() != 3 || ps.ndim() != 3) fail(op, "smap [B, S, S] and pos [B, N, 3] expected");
  const int64_t B = sm.shape[0], S = sm.shape[1], N = ps.shape[1];
  check_array(sm, op, "smap", DType::f32, {B, S, S}, "[B, S, S]");
  check_array(ps, op, "pos", DType::f32, {B, N, 3}, "[B, N, 3]");
  if (S < 1 || S > 16384) fail(op, "shadow map resolution must be 1..16384, got " + std::to_string(S));
  ArrayView sp = arg_array(params, op, "params", DType::f32, {B, kShadowParams}, "[B, 24]");
  ArrayView nr = arg_array(nrm, op, "nrm", DType::f32, {B, N, 3}, "[B, N, 3]");
  ArrayView ld = arg_array(ldir, op, "ldir", DType::f32, {B, N, 3}, "[B, N, 3]");
  ArrayView ou = arg_array(out, op, "out", DType::f32, {B, N}, "[B, N]", true);
  ShadowFactorOp::Params p{sm.ptr<const float>(), sp.ptr<const float>(), ps.ptr<const float>(), nr.ptr<const float>(),
                           ld.ptr<const float>(), ou.ptr<float>(), (int)B, (int)N, (int)S};
  py::gil_scoped_release nogil;
  launch<ShadowFactorOp>(p, B * N, stream);
}

void bind_scene(py::module_& m) {
  m.def("vertex_stage", &vertex_stage, "World -> camera -> clip space (kernels/vertex_stage.h).",
        py::arg("p_world"), py::arg("extr"), py::arg("K"), py::arg("clip_nf"), py::arg("H"), py::arg("W"),
        py::arg("p_cam"), py::arg("clip"), py::arg("stream") = 0);
  m.def("vertex_normals", &vertex_normals, "Area-weighted vertex normals and the skin blotch factor of vertices [0, n_blotch) (-1: all; 1 beyond) "
        "(kernels/vertex_stage.h); normals of vertices [keep_v0, keep_v1) ignore sign.",
        py::arg("pos"), py::arg("faces"), py::arg("adj_ptr"), py::arg("adj_face"), py::arg("sign"),
        py::arg("normals"), py::arg("vattr") = py::none(), py::arg("mat") = py::none(),
        py::arg("blotch") = py::none(), py::arg("stream") = 0, py::arg("face_normals") = py::none(), py::arg("n_blotch") = -1,
        py::arg("keep_v0") = 0, py::arg("keep_v1") = 0);
  m.def("shade", &shade, "Interpolate, shade, composite (kernels/shade.h); arrays passed by name in a dict.",
        py::arg("arrays"), py::arg("H"), py::arg("W"), py::arg("stream") = 0);
  m.def("shadow_factor", &shadow_factor, "Key-light shadow-map visibility at points (kernels/shadow.h).",
        py::arg("smap"), py::arg("params"), py::arg("pos"), py::arg("nrm"), py::arg("ldir"), py::arg("out"),
        py::arg("stream") = 0);
}

}  // namespace hr
