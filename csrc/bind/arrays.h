// arrays.h: views of caller-owned arrays and the argument checks. Validation lives here and
// only here: kernels trust their Params.
//
// The CPU module (_C) takes anything with the buffer protocol (numpy; torch CPU tensors are
// passed as .numpy() views by handraster/_native.py). The CUDA module (_C_cuda) takes anything
// with __cuda_array_interface__ (torch CUDA tensors, cupy). Outputs are allocated by the
// caller, so the extension never links an array library.
#pragma once
#include <pybind11/pybind11.h>
#include <cstdint>
#include <string>
#include <vector>
#include "common/launch.h"

namespace hr {
namespace py = pybind11;

enum class DType { f32, i32, u8, i64, other };

struct ArrayView {
  void* data = nullptr;
  std::vector<int64_t> shape;
  DType dtype = DType::other;
  std::string dtype_name;   // as the caller would spell it, for messages
  bool contiguous = false;  // C-contiguous
  bool readonly = false;
  bool on_cuda = false;
  int64_t numel() const {
    int64_t n = 1;
    for (auto s : shape) n *= s;
    return n;
  }
  int ndim() const { return static_cast<int>(shape.size()); }
  template <class T> T* ptr() const { return static_cast<T*>(data); }
};

// Reads `obj` for argument `arg` of op `op`. Raises ValueError naming both when the object is
// not an array this module can read (e.g. a CUDA tensor passed to the CPU module).
ArrayView view_array(py::handle obj, const char* op, const char* arg);

// Shape spec: -1 = any size. Checks dtype, rank, sizes, C-contiguity and (for outputs)
// writability; the message names the op, the argument, the expected and received values.
// `dims_doc` is the symbolic shape for the message, e.g. "[B, V, 3]".
void check_array(const ArrayView& a, const char* op, const char* arg, DType dtype,
                 const std::vector<int64_t>& shape, const char* dims_doc, bool output = false);

// View + check in one call; returns the view.
ArrayView arg_array(py::handle obj, const char* op, const char* arg, DType dtype,
                    const std::vector<int64_t>& shape, const char* dims_doc, bool output = false);

// Optional argument: None -> view with data == nullptr.
ArrayView opt_array(py::handle obj, const char* op, const char* arg, DType dtype,
                    const std::vector<int64_t>& shape, const char* dims_doc);

// Raise ValueError "handraster.<op>: <msg>".
[[noreturn]] void fail(const char* op, const std::string& msg);

// True when this module is the CUDA one (compiled with HR_BACKEND_CUDA=1).
constexpr bool kCudaModule = HR_BACKEND_CUDA != 0;

// Every index in idx[0..n) must lie in [lo, hi). Host-side check for CPU arrays; the CUDA
// module checks on the device through a copy (see bind/arrays.cpp).
void check_indices(const ArrayView& idx, int64_t lo, int64_t hi, const char* op, const char* arg);

// A kinematic tree: parents[0] == -1 and 0 <= parents[j] < j for j > 0 (int32 [J]).
void check_parents(const ArrayView& parents, const char* op, const char* arg);

}  // namespace hr
