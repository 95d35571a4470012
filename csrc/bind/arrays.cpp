// arrays.cpp: reading caller arrays (buffer protocol on CPU, __cuda_array_interface__ on
// CUDA) and the uniform argument checks. See arrays.h.
#include "bind/arrays.h"

#include <sstream>
#include <stdexcept>

namespace hr {

[[noreturn]] void fail(const char* op, const std::string& msg) {
  throw py::value_error(std::string("handraster.") + op + ": " + msg);
}

static std::string shape_str(const std::vector<int64_t>& s) {
  std::ostringstream o;
  o << "[";
  for (size_t i = 0; i < s.size(); ++i) o << (i ? ", " : "") << s[i];
  o << "]";
  return o.str();
}

static DType dtype_from(char kind, int64_t itemsize, std::string* name) {
  if (kind == 'f' && itemsize == 4) { *name = "float32"; return DType::f32; }
  if (kind == 'i' && itemsize == 4) { *name = "int32"; return DType::i32; }
  if (kind == 'i' && itemsize == 8) { *name = "int64"; return DType::i64; }
  if (kind == 'u' && itemsize == 1) { *name = "uint8"; return DType::u8; }
  std::ostringstream o;
  o << kind << itemsize * 8;
  *name = (kind == 'f' ? "float" : kind == 'i' ? "int" : kind == 'u' ? "uint" : kind == 'b' ? "bool" : "dtype ") +
          std::to_string(itemsize * 8);
  return DType::other;
}

static const char* dtype_name(DType d) {
  switch (d) {
    case DType::f32: return "float32";
    case DType::i32: return "int32";
    case DType::i64: return "int64";
    case DType::u8: return "uint8";
    default: return "?";
  }
}

#if !HR_BACKEND_CUDA
ArrayView view_array(py::handle obj, const char* op, const char* arg) {
  Py_buffer buf;
  if (PyObject_GetBuffer(obj.ptr(), &buf, PyBUF_RECORDS_RO) != 0) {
    PyErr_Clear();
    std::string tname = py::str(py::type::handle_of(obj).attr("__name__"));
    bool cuda = py::hasattr(obj, "__cuda_array_interface__");
    fail(op, std::string("argument '") + arg + "' must be a CPU array (numpy), got " + tname +
                 (cuda ? " on a CUDA device; the CPU module cannot read device memory" : ""));
  }
  ArrayView v;
  v.data = buf.buf;
  v.readonly = buf.readonly != 0;
  v.shape.assign(buf.shape, buf.shape + buf.ndim);
  std::string fmt = buf.format ? buf.format : "B";
  char kind = '?';
  char c = fmt.empty() ? '?' : fmt.back();
  if (c == 'f' || c == 'd' || c == 'e') kind = 'f';
  else if (c == 'i' || c == 'l' || c == 'q' || c == 'h' || c == 'b') kind = 'i';
  else if (c == 'I' || c == 'L' || c == 'Q' || c == 'H' || c == 'B') kind = 'u';
  else if (c == '?') kind = 'b';
  v.dtype = dtype_from(kind, buf.itemsize, &v.dtype_name);
  // C-contiguity: strides equal the packed ones (size-1 axes may have any stride).
  v.contiguous = true;
  int64_t expect = buf.itemsize;
  for (int i = buf.ndim - 1; i >= 0; --i) {
    if (buf.shape[i] != 1 && buf.strides[i] != expect) v.contiguous = false;
    expect *= buf.shape[i];
  }
  PyBuffer_Release(&buf);  // the caller keeps the object alive for the duration of the call
  return v;
}
#else
ArrayView view_array(py::handle obj, const char* op, const char* arg) {
  if (!py::hasattr(obj, "__cuda_array_interface__")) {
    std::string tname = py::str(py::type::handle_of(obj).attr("__name__"));
    fail(op, std::string("argument '") + arg +
                 "' must be a CUDA array (torch CUDA tensor or cupy array), got " + tname);
  }
  py::dict cai = obj.attr("__cuda_array_interface__");
  ArrayView v;
  v.on_cuda = true;
  py::tuple data = cai["data"];
  v.data = reinterpret_cast<void*>(data[0].cast<std::uintptr_t>());
  v.readonly = data[1].cast<bool>();
  for (auto s : cai["shape"].cast<py::tuple>()) v.shape.push_back(s.cast<int64_t>());
  std::string ts = cai["typestr"].cast<std::string>();  // e.g. "<f4"
  v.dtype = dtype_from(ts.size() > 1 ? ts[1] : '?', ts.size() > 2 ? std::stoll(ts.substr(2)) : 0,
                       &v.dtype_name);
  v.contiguous = true;
  if (cai.contains("strides") && !cai["strides"].is_none()) {
    int64_t expect = ts.size() > 2 ? std::stoll(ts.substr(2)) : 1;
    py::tuple st = cai["strides"];
    for (int i = static_cast<int>(v.shape.size()) - 1; i >= 0; --i) {
      if (v.shape[i] != 1 && st[i].cast<int64_t>() != expect) v.contiguous = false;
      expect *= v.shape[i];
    }
  }
  return v;
}
#endif

void check_array(const ArrayView& a, const char* op, const char* arg, DType dtype,
                 const std::vector<int64_t>& shape, const char* dims_doc, bool output) {
  bool shape_ok = a.shape.size() == shape.size();
  for (size_t i = 0; shape_ok && i < shape.size(); ++i)
    if (shape[i] >= 0 && shape[i] != a.shape[i]) shape_ok = false;
  if (a.dtype != dtype || !shape_ok) {
    std::vector<int64_t> want = shape;
    std::ostringstream o;
    o << "argument '" << arg << "' must be " << dtype_name(dtype) << " with shape " << dims_doc;
    bool concrete = false;
    for (auto s : want) concrete |= s >= 0;
    if (concrete) {
      o << " = [";
      for (size_t i = 0; i < want.size(); ++i)
        o << (i ? ", " : "") << (want[i] >= 0 ? std::to_string(want[i]) : std::string("*"));
      o << "]";
    }
    o << ", got " << a.dtype_name << " with shape " << shape_str(a.shape);
    fail(op, o.str());
  }
  if (!a.contiguous)
    fail(op, std::string("argument '") + arg + "' must be C-contiguous (call .contiguous() / np.ascontiguousarray)");
  if (output && a.readonly) fail(op, std::string("output '") + arg + "' is read-only");
}

ArrayView arg_array(py::handle obj, const char* op, const char* arg, DType dtype,
                    const std::vector<int64_t>& shape, const char* dims_doc, bool output) {
  ArrayView v = view_array(obj, op, arg);
  check_array(v, op, arg, dtype, shape, dims_doc, output);
  return v;
}

ArrayView opt_array(py::handle obj, const char* op, const char* arg, DType dtype,
                    const std::vector<int64_t>& shape, const char* dims_doc) {
  if (obj.is_none()) return ArrayView{};
  return arg_array(obj, op, arg, dtype, shape, dims_doc, false);
}

void check_indices(const ArrayView& idx, int64_t lo, int64_t hi, const char* op, const char* arg) {
  int64_t n = idx.numel();
  if (n == 0) return;
  std::vector<int32_t> host;
  const int32_t* p = idx.ptr<const int32_t>();
  if (idx.on_cuda) {
    host.resize(n);
    copy_to_host(host.data(), idx.data, n * sizeof(int32_t));
    p = host.data();
  }
  for (int64_t i = 0; i < n; ++i) {
    if (p[i] < lo || p[i] >= hi) {
      std::ostringstream o;
      o << "argument '" << arg << "' has value " << p[i] << " at flat position " << i
        << "; every value must lie in [" << lo << ", " << hi << ")";
      fail(op, o.str());
    }
  }
}

void check_parents(const ArrayView& pa, const char* op, const char* arg) {
  const int64_t J = pa.numel();
  std::vector<int32_t> par(J);
  copy_to_host(par.data(), pa.data, J * sizeof(int32_t));
  const std::string a(arg);
  if (J > 0 && par[0] != -1)
    fail(op, a + "[0] must be -1 (joint 0 is the root), got " + std::to_string(par[0]));
  for (int64_t j = 1; j < J; ++j)
    if (par[j] < 0 || par[j] >= j)
      fail(op, a + "[" + std::to_string(j) + "] = " + std::to_string(par[j]) +
                   "; every joint's parent must come before it (0 <= parent < index)");
}

}  // namespace hr
