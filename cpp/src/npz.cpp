#include "edgevfm/npz.hpp"

#include <zip.h>

#include <cstring>
#include <memory>

#include "edgevfm/errors.hpp"

namespace edgevfm {

namespace {
// Value of 'key' in the .npy header dict ("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }").
std::string header_value(const std::string& header, const std::string& key, const std::string& what) {
  const auto k = header.find("'" + key + "'");
  if (k == std::string::npos) throw BundleError(what + ": .npy header has no '" + key + "'");
  auto p = header.find(':', k);
  if (p == std::string::npos) throw BundleError(what + ": malformed .npy header");
  ++p;
  while (p < header.size() && header[p] == ' ') ++p;
  if (p >= header.size()) throw BundleError(what + ": malformed .npy header");
  if (header[p] == '\'') {
    const auto e = header.find('\'', p + 1);
    if (e == std::string::npos) throw BundleError(what + ": malformed .npy header");
    return header.substr(p + 1, e - p - 1);
  }
  if (header[p] == '(') {
    const auto e = header.find(')', p);
    if (e == std::string::npos) throw BundleError(what + ": malformed .npy header");
    return header.substr(p + 1, e - p - 1);
  }
  const auto e = header.find_first_of(",}", p);
  return header.substr(p, e - p);
}

DType npy_dtype(const std::string& descr, const std::string& what) {
  static const std::pair<const char*, DType> table[] = {
      {"<f4", DType::f32}, {"<f8", DType::f64}, {"<f2", DType::f16}, {"<i8", DType::i64}, {"<i4", DType::i32},
      {"|i1", DType::i8},  {"|u1", DType::u8},  {"|b1", DType::boolean}};
  for (const auto& [name, d] : table) {
    if (descr == name) return d;
  }
  throw BundleError(what + ": unsupported .npy dtype '" + descr + "'");
}
}  // namespace

Tensor parse_npy(const void* data, std::size_t len, const std::string& what) {
  const auto* p = static_cast<const uint8_t*>(data);
  if (len < 10 || std::memcmp(p, "\x93NUMPY", 6) != 0) throw BundleError(what + ": not a .npy array");
  const int major = p[6];
  std::size_t hlen = 0, off = 0;
  if (major == 1) {
    hlen = p[8] | (std::size_t{p[9]} << 8);
    off = 10;
  } else if (major == 2 || major == 3) {
    if (len < 12) throw BundleError(what + ": truncated .npy header");
    hlen = p[8] | (std::size_t{p[9]} << 8) | (std::size_t{p[10]} << 16) | (std::size_t{p[11]} << 24);
    off = 12;
  } else {
    throw BundleError(what + ": unsupported .npy version " + std::to_string(major));
  }
  if (off + hlen > len) throw BundleError(what + ": truncated .npy header");
  const std::string header(reinterpret_cast<const char*>(p + off), hlen);
  const DType dtype = npy_dtype(header_value(header, "descr", what), what);
  if (header_value(header, "fortran_order", what).find("True") != std::string::npos) {
    throw BundleError(what + ": Fortran-ordered .npy arrays are not supported");
  }
  std::vector<int64_t> shape;
  const std::string dims = header_value(header, "shape", what);
  std::size_t i = 0;
  while (i < dims.size()) {
    while (i < dims.size() && (dims[i] == ' ' || dims[i] == ',')) ++i;
    if (i >= dims.size()) break;
    std::size_t used = 0;
    shape.push_back(std::stoll(dims.substr(i), &used));
    i += used;
  }
  Tensor t(dtype, shape);
  if (off + hlen + t.nbytes() != len) {
    throw BundleError(what + ": .npy data size does not match its header " + t.describe());
  }
  if (t.nbytes()) std::memcpy(t.data(), p + off + hlen, t.nbytes());
  return t;
}

NamedTensors read_npz(const std::string& path) {
  int err = 0;
  std::unique_ptr<zip_t, int (*)(zip_t*)> zip(zip_open(path.c_str(), ZIP_RDONLY, &err), zip_close);
  if (!zip) throw BundleError(path + " is not a readable .npz archive (libzip error " + std::to_string(err) + ")");
  NamedTensors out;
  const zip_int64_t n = zip_get_num_entries(zip.get(), 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    if (zip_stat_index(zip.get(), static_cast<zip_uint64_t>(i), 0, &st) != 0) {
      throw BundleError(path + ": cannot stat entry " + std::to_string(i));
    }
    std::string name = st.name;
    if (name.size() < 4 || name.compare(name.size() - 4, 4, ".npy") != 0) continue;
    std::vector<uint8_t> buf(static_cast<std::size_t>(st.size));
    std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> f(zip_fopen_index(zip.get(), static_cast<zip_uint64_t>(i), 0),
                                                         zip_fclose);
    if (!f) throw BundleError(path + ": cannot open entry " + name);
    if (zip_fread(f.get(), buf.data(), buf.size()) != static_cast<zip_int64_t>(buf.size())) {
      throw BundleError(path + ": truncated entry " + name);
    }
    name.resize(name.size() - 4);
    out.emplace_back(name, parse_npy(buf.data(), buf.size(), path + ":" + name));
  }
  return out;
}

const Tensor* find_tensor(const NamedTensors& all, const std::string& name) {
  for (const auto& [k, v] : all) {
    if (k == name) return &v;
  }
  return nullptr;
}

}  // namespace edgevfm
