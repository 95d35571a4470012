// skin_model.cpp (bind): handraster._C.SkinModel - a model's constant skinning arrays,
// validated once, and a forward pass that does all of HandModel.forward's argument handling
// for the common numpy float32 case in one call (batch-1 calls are otherwise dominated by
// Python). CPU module only: it allocates its numpy outputs itself.
//
//   SkinModel(arrays...)                       the layouts of HandModel.derived()
//   forward(hand_pose, betas, global_orient, transl) -> (vertices [B,V,3], joints [B,J+5,3])
//       hand_pose [B, C] PCA coefficients or [B, (J-1)*3]; betas [B, s <= S] (zero-padded);
//       global_orient, transl [B, 3]; any may be None; float32, any strides. Errors name the
//       argument.
//   try_forward(...)   the same, but None (no error) for anything forward would reject, so
//                      HandModel.forward can fall back to its general path.
//   skin(betas [B,S], pose [B,J,3], transl, joints [B,J+5,3], vertices [B,V,3])
//       prepared inputs (hand mean added), caller-allocated C-contiguous outputs.
// Every batch size runs SkinChainOp (BB = 1) then the vertex-tiled SkinLbsTileOp. A batch of
// 1 does not wake the OpenMP team (that cost more than the ~15 us of work): the pose blend
// streams ~1.35 MB of blend directions, more than one core's L2, so its tiles are split with
// a persistent helper thread, each core keeping its half in its L2 across calls
// (cpu/skin_pair.h; ~2x faster back to back on an idle second core). When the helper is busy,
// backed off or absent it runs on the calling thread alone and alternates the tile order
// between calls (a reversed pass starts on what the last one left in cache). Attributes
// threads_b1 (2: helper, 1: calling thread only) and alternate switch both off.
#include <pybind11/numpy.h>

#include <algorithm>
#include <string>
#include <vector>

#include "bind/arrays.h"
#include "bind/ops.h"
#include "cpu/skin_pair.h"
#include "kernels/skin.h"

namespace hr {
#if !HR_BACKEND_CUDA
HR_DECLARE_LAUNCH_CPU(SkinChainOp)
HR_DECLARE_LAUNCH_CPU(SkinLbsTileOp)

namespace {
constexpr const char* kOp = "SkinModel";
// Batch elements per SkinLbsTileOp block: their blend features and transforms (~1.3 KB
// each) stay in L2 while a tile's directions (27 KB for MANO) stay in L1.
constexpr int64_t kHandBlock = 64;

// Per-call float buffers: on the stack for a batch of 1 (a heap allocation per buffer was
// ~0.1 us of a ~10 us call), on the heap beyond.
class Scratch {
 public:
  explicit Scratch(int64_t n) : p_(n <= kSmall ? small_ : (heap_.resize(n), heap_.data())) {}
  float* data() { return p_; }
 private:
  static constexpr int64_t kSmall = 1024;
  float small_[kSmall];
  std::vector<float> heap_;
  float* p_;
};

// A float32 matrix argument read through the buffer protocol (any strides).
struct Mat {
  const char* data = nullptr;
  int64_t rows = 0, cols = 0, s0 = 0, s1 = 0;
  float at(int64_t r, int64_t c) const {
    return *reinterpret_cast<const float*>(data + r * s0 + c * s1);
  }
};

class SkinModel {
 public:
  SkinModel(py::object j_template, py::object j_shapedirs, py::object parents,
            py::object v_template, py::object v_template_t, py::object dirs_t, py::object t_idx,
            py::object t_val, py::object pose_offset, py::object components, py::object tip_ids) {
    keep_ = {j_template, j_shapedirs, parents, v_template, v_template_t, dirs_t, t_idx, t_val,
             pose_offset, components, tip_ids};
    ArrayView jt = view_array(j_template, kOp, "j_template");
    ArrayView vt = view_array(v_template, kOp, "v_template");
    ArrayView dt = view_array(dirs_t, kOp, "dirs_t");
    ArrayView tv = view_array(t_val, kOp, "t_val");
    if (jt.ndim() != 2 || vt.ndim() != 2 || dt.ndim() != 4 || tv.ndim() != 3)
      fail(kOp, "j_template [J, 3], v_template [V, 3], dirs_t [T, 3, Q, 16] and "
                "t_val [T, KT, 16] must have those ranks");
    J_ = jt.shape[0]; V_ = vt.shape[0]; Q_ = dt.shape[2];
    T_ = (V_ + kSkinTile - 1) / kSkinTile; KT_ = tv.shape[1];
    ArrayView js = view_array(j_shapedirs, kOp, "j_shapedirs");
    S_ = js.ndim() == 3 ? js.shape[2] : -1;
    if (J_ < 1 || J_ > kMaxJoints)
      fail(kOp, "the model must have 1.." + std::to_string(kMaxJoints) + " joints, got " + std::to_string(J_));
    if (Q_ != S_ && Q_ != S_ + (J_ - 1) * 9)
      fail(kOp, "dirs_t must have Q = S or S + (J-1)*9 = " + std::to_string(S_ + (J_ - 1) * 9) +
                    " directions, got " + std::to_string(Q_));
    check_array(jt, kOp, "j_template", DType::f32, {J_, 3}, "[J, 3]");
    check_array(js, kOp, "j_shapedirs", DType::f32, {J_, 3, S_}, "[J, 3, S]");
    check_array(vt, kOp, "v_template", DType::f32, {V_, 3}, "[V, 3]");
    check_array(tv, kOp, "t_val", DType::f32, {T_, KT_, kSkinTile}, "[ceil(V/16), KT, 16]");
    ArrayView pa = arg_array(parents, kOp, "parents", DType::i32, {J_}, "[J]");
    ArrayView vtt = arg_array(v_template_t, kOp, "v_template_t", DType::f32, {T_, 3, kSkinTile},
                              "[ceil(V/16), 3, 16]");
    check_array(dt, kOp, "dirs_t", DType::f32, {T_, 3, Q_, kSkinTile}, "[ceil(V/16), 3, Q, 16]");
    ArrayView ti = arg_array(t_idx, kOp, "t_idx", DType::i32, {T_, KT_}, "[ceil(V/16), KT]");
    ArrayView po = arg_array(pose_offset, kOp, "pose_offset", DType::f32, {J_ * 3}, "[J*3]");
    ArrayView tip = arg_array(tip_ids, kOp, "tip_ids", DType::i32, {-1}, "[N]");
    check_indices(ti, 0, J_, kOp, "t_idx");
    check_indices(tip, 0, V_, kOp, "tip_ids");
    check_parents(pa, kOp, "parents");
    C_ = 0;
    if (!components.is_none()) {
      ArrayView cp = view_array(components, kOp, "components");
      C_ = cp.ndim() == 2 ? cp.shape[0] : -1;
      check_array(cp, kOp, "components", DType::f32, {C_, (J_ - 1) * 3}, "[C, (J-1)*3]");
      comp_ = cp.ptr<const float>();
    }
    jt_ = jt.ptr<const float>(); js_ = js.ptr<const float>(); par_ = pa.ptr<const int32_t>();
    vtt_ = vtt.ptr<const float>(); dirs_t_ = dt.ptr<const float>();
    ti_ = ti.ptr<const int32_t>(); tv_ = tv.ptr<const float>(); off_ = po.ptr<const float>();
    tips_.assign(tip.ptr<const int32_t>(), tip.ptr<const int32_t>() + tip.numel());
  }

  py::object forward(py::handle hp, py::handle betas, py::handle go, py::handle tr, bool strict) {
    const int64_t P = C_ ? C_ : (J_ - 1) * 3;
    Mat mh, mb, mg, mt;
    int64_t B = -1;
    const char* pose_doc = C_ ? "[B, C] (C = num_pca_comps)" : "[B, (J-1)*3]";
    if (!read(hp, "hand_pose", P, P, pose_doc, strict, &mh, &B) ||
        !read(betas, "betas", 0, S_, "[B, s] (s <= num_betas)", strict, &mb, &B) ||
        !read(go, "global_orient", 3, 3, "[B, 3]", strict, &mg, &B) ||
        !read(tr, "transl", 3, 3, "[B, 3]", strict, &mt, &B))
      return py::none();
    if (B < 0) B = 1;
    // Full pose [B, J, 3] (root first, hand mean added) and zero-padded betas [B, S].
    Scratch buf(B * (J_ * 3 + S_ + 3));
    float* pose = buf.data();
    float* bet = pose + B * J_ * 3;
    float* trans = bet + B * S_;
    std::fill(bet, bet + B * S_, 0.f);
    const int64_t H = (J_ - 1) * 3;
    for (int64_t b = 0; b < B; ++b) {
      float* pb = pose + b * J_ * 3;
      for (int k = 0; k < 3; ++k) pb[k] = (mg.data ? mg.at(b, k) : 0.f) + off_[k];
      for (int64_t k = 0; k < H; ++k) pb[3 + k] = off_[3 + k];
      if (mh.data && C_) {
        for (int64_t c = 0; c < C_; ++c) {
          const float h = mh.at(b, c);
          const float* row = comp_ + c * H;
          for (int64_t k = 0; k < H; ++k) pb[3 + k] += h * row[k];
        }
      } else if (mh.data) {
        for (int64_t k = 0; k < H; ++k) pb[3 + k] += mh.at(b, k);
      }
      for (int64_t s = 0; mb.data && s < mb.cols; ++s) bet[b * S_ + s] = mb.at(b, s);
      for (int k = 0; mt.data && k < 3; ++k) trans[b * 3 + k] = mt.at(b, k);
    }
    const int64_t JR = J_ + static_cast<int64_t>(tips_.size());
    py::array_t<float> verts(std::vector<py::ssize_t>{B, V_, 3});
    py::array_t<float> joints(std::vector<py::ssize_t>{B, JR, 3});
    run(B, bet, pose, mt.data ? trans : nullptr, joints.mutable_data(),
        verts.mutable_data());
    return py::make_tuple(std::move(verts), std::move(joints));
  }

  void skin(py::handle betas, py::handle pose, py::handle transl, py::handle joints,
            py::handle vertices) {
    const char* op = "SkinModel.skin";
    ArrayView bt = view_array(betas, op, "betas");
    const int64_t B = bt.ndim() == 2 ? bt.shape[0] : -1;
    const int64_t JR = J_ + static_cast<int64_t>(tips_.size());
    check_array(bt, op, "betas", DType::f32, {B, S_}, "[B, S]");
    ArrayView ps = arg_array(pose, op, "pose", DType::f32, {B, J_, 3}, "[B, J, 3]");
    ArrayView t = opt_array(transl, op, "transl", DType::f32, {B, 3}, "[B, 3]");
    ArrayView jo = arg_array(joints, op, "joints", DType::f32, {B, JR, 3}, "[B, J + tips, 3]", true);
    ArrayView vo = arg_array(vertices, op, "vertices", DType::f32, {B, V_, 3}, "[B, V, 3]", true);
    run(B, bt.ptr<const float>(), ps.ptr<const float>(), t.ptr<const float>(), jo.ptr<float>(),
        vo.ptr<float>());
  }

  ~SkinModel() { skin_pair_quiesce(); }  // the helper may still read our arrays (skin_pair.cpp)

  int threads_b1 = 2;  // 2: a batch of 1 is split with the helper thread (cpu/skin_pair.h)
  bool alternate_ = true;
  int flip_ = 0;

 private:
  // Reads an optional float32 [B, cols] argument with lo <= cols <= hi. false (strict: raise)
  // when it is not one, or its batch size differs from the others'.
  bool read(py::handle obj, const char* name, int64_t lo, int64_t hi, const char* doc,
            bool strict, Mat* m, int64_t* B) {
    if (obj.is_none()) return true;
    if (py::isinstance<py::array>(obj)) {  // numpy: read its header (the buffer export costs more)
      auto a = py::reinterpret_borrow<py::array>(obj);
      const py::dtype dt = a.dtype();
      const char bo = dt.byteorder();
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
      const bool native = bo != '<';
#else
      const bool native = bo != '>';
#endif
      if (dt.num() == py::detail::npy_api::NPY_FLOAT_ && native && a.ndim() == 2 &&
          a.shape(1) >= lo && a.shape(1) <= hi && (*B < 0 || a.shape(0) == *B)) {
        m->data = static_cast<const char*>(a.data());
        m->rows = a.shape(0); m->cols = a.shape(1); m->s0 = a.strides(0); m->s1 = a.strides(1);
        *B = m->rows;
        return true;
      }
    }
    Py_buffer buf;  // anything else (or a numpy array to reject: the code below names the error)
    if (PyObject_GetBuffer(obj.ptr(), &buf, PyBUF_RECORDS_RO) != 0) {
      PyErr_Clear();
      if (!strict) return false;
      std::string tname = py::str(py::type::handle_of(obj).attr("__name__"));
      fail(kOp, std::string("argument '") + name + "' must be a float32 numpy array, got " + tname);
    }
    const char* fmt = buf.format ? buf.format : "B";
    const char f = fmt[0] == '<' || fmt[0] == '=' || fmt[0] == '@' ? fmt[1] : fmt[0];
    const bool ok_type = f == 'f' && buf.itemsize == 4 && fmt[f == fmt[0] ? 1 : 2] == 0;
    const bool ok_rank = buf.ndim == 2;
    const int64_t rows = ok_rank ? buf.shape[0] : -1, cols = ok_rank ? buf.shape[1] : -1;
    const bool ok_cols = ok_rank && cols >= lo && cols <= hi;
    const bool ok_batch = ok_rank && (*B < 0 || rows == *B);
    if (ok_type && ok_cols && ok_batch) {
      m->data = static_cast<const char*>(buf.buf);
      m->rows = rows; m->cols = cols; m->s0 = buf.strides[0]; m->s1 = buf.strides[1];
      *B = rows;
    }
    std::vector<int64_t> shape(buf.shape, buf.shape + buf.ndim);
    PyBuffer_Release(&buf);  // the caller keeps the object alive for the duration of the call
    if (ok_type && ok_cols && ok_batch) return true;
    if (!strict) return false;
    std::string got = "[";
    for (size_t i = 0; i < shape.size(); ++i) got += (i ? ", " : "") + std::to_string(shape[i]);
    got += "]";
    if (ok_type && ok_cols)
      fail(kOp, std::string("argument '") + name + "' has batch size " + std::to_string(rows) +
                    ", expected " + std::to_string(*B) + " (all inputs share the batch size)");
    std::string dt = py::hasattr(obj, "dtype") ? std::string(py::str(obj.attr("dtype")))
                                               : "format '" + std::string(fmt) + "'";
    std::string want = lo == hi ? std::string(doc) + " = [B, " + std::to_string(lo) + "]"
                                : std::string(doc) + ", num_betas = " + std::to_string(hi);
    fail(kOp, std::string("argument '") + name + "' must be float32 with shape " + want +
                  ", got " + dt + " with shape " + got);
  }

  // Both ops on prepared inputs; joints [B, JR, 3] gets the tips after the vertices.
  void run(int64_t B, const float* betas, const float* pose, const float* transl, float* joints,
           float* verts) {
    if (B == 0) return;
    const int64_t JR = J_ + static_cast<int64_t>(tips_.size());
    Scratch buf(B * (Q_ + J_ * 12));
    float* feat = buf.data();
    float* G = feat + B * Q_;
    const int reverse = B == 1 && alternate_ ? (flip_ ^= 1) : 0;  // under the GIL
    SkinChainOp::Params cp{betas, pose, jt_, js_, par_, transl, joints, feat, G,
                           (int)B, (int)J_, (int)S_, (int)Q_, 1, (int)JR};
    SkinLbsTileOp::Params lp{vtt_, dirs_t_, ti_, tv_, feat, G, transl, verts,
                             (int)B, (int)V_, (int)J_, (int)Q_, (int)KT_, (int)T_,
                             (int)std::min<int64_t>(B, kHandBlock), reverse};
    {
      py::gil_scoped_release nogil;
      launch_cpu<SkinChainOp>(cp, B, B == 1 ? 1 : 0);
      if (B > 1) launch_cpu<SkinLbsTileOp>(lp, B * T_, 0);
      else if (threads_b1 < 2 || !skin_tiles_pair(lp)) launch_cpu<SkinLbsTileOp>(lp, T_, 1);
    }
    for (int64_t b = 0; b < B; ++b)
      for (size_t k = 0; k < tips_.size(); ++k)
        for (int c = 0; c < 3; ++c)
          joints[(b * JR + J_ + k) * 3 + c] = verts[(b * V_ + tips_[k]) * 3 + c];
  }

  std::vector<py::object> keep_;  // the arrays below point into these
  int64_t J_ = 0, V_ = 0, S_ = 0, Q_ = 0, T_ = 0, KT_ = 0, C_ = 0;
  const float *jt_ = nullptr, *js_ = nullptr, *vtt_ = nullptr, *dirs_t_ = nullptr, *tv_ = nullptr;
  const float *off_ = nullptr, *comp_ = nullptr;
  const int32_t *par_ = nullptr, *ti_ = nullptr;
  std::vector<int32_t> tips_;
};
}  // namespace
#endif

void bind_skin_model(py::module_& m) {
#if !HR_BACKEND_CUDA
  m.attr("skin_tile") = kSkinTile;
  m.def("_skin_pair_test_mode", &skin_pair_test_mode, py::arg("mode"),
        "Tests: 1 makes a batch-1 SkinModel.forward leave the helper's half to the helper thread.");
  m.def("_skin_pair_stats", [] {
          py::list out;
          for (int64_t v : skin_pair_stats()) out.append(v);
          return out;
        },
        "[jobs, chunks the helper did, chunks the caller did, chunks taken back] (cpu/skin_pair.h)");
  py::class_<SkinModel>(m, "SkinModel",
                        "A model's skinning arrays (HandModel.derived() layouts), validated once; "
                        "see csrc/bind/skin_model.cpp.")
      .def(py::init<py::object, py::object, py::object, py::object, py::object, py::object,
                    py::object, py::object, py::object, py::object, py::object>(),
           py::arg("j_template"), py::arg("j_shapedirs"), py::arg("parents"), py::arg("v_template"),
           py::arg("v_template_t"), py::arg("dirs_t"), py::arg("t_idx"), py::arg("t_val"),
           py::arg("pose_offset"), py::arg("components"), py::arg("tip_ids"))
      .def("forward",
           [](SkinModel& s, py::handle hp, py::handle b, py::handle go, py::handle tr) {
             return s.forward(hp, b, go, tr, true);
           },
           py::arg("hand_pose") = py::none(), py::arg("betas") = py::none(),
           py::arg("global_orient") = py::none(), py::arg("transl") = py::none())
      .def("try_forward",
           [](SkinModel& s, py::handle hp, py::handle b, py::handle go, py::handle tr) {
             return s.forward(hp, b, go, tr, false);
           })
      .def("skin", &SkinModel::skin, py::arg("betas"), py::arg("pose"), py::arg("transl"),
           py::arg("joints"), py::arg("vertices"))
      .def_readwrite("threads_b1", &SkinModel::threads_b1)
      .def_readwrite("alternate", &SkinModel::alternate_);
#else
  (void)m;
#endif
}

}  // namespace hr
