// .npz reading and writing through libzip. An .npz is a plain zip archive whose members are .npy
// files; numpy.savez stores them, numpy.savez_compressed deflates them (zip64 headers included).
#include <zip.h>

#include <cstring>
#include <memory>

#include "common/error.h"
#include "common/file_util.h"
#include "io/npy.h"

namespace csbrnn {

namespace {

constexpr uint64_t kMaxMemberBytes = uint64_t(1) << 37;  // 2^34 elements of 8 bytes
// Deflate cannot expand data by more than ~1032:1; anything beyond is a corrupt or hostile size.
constexpr uint64_t kMaxDeflateRatio = 1100;

std::string zip_error_text(zip_error_t* e) {
  return zip_error_strerror(e);
}

struct ArchiveCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct FileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};

std::string strip_npy(const std::string& name) {
  if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0)
    return name.substr(0, name.size() - 4);
  return name;
}

}  // namespace

std::map<std::string, Tensor> load_npz(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file(path);
  if (bytes.size() < 4 || bytes[0] != 'P' || bytes[1] != 'K')
    fail(path, ": not an .npz (zip) archive (bad magic)");

  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
  if (!src) {
    const std::string msg = zip_error_text(&err);
    zip_error_fini(&err);
    fail(path, ": cannot read archive: ", msg);
  }
  zip_t* raw = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
  if (!raw) {
    zip_source_free(src);
    const std::string msg = zip_error_text(&err);
    zip_error_fini(&err);
    fail(path, ": corrupt .npz archive: ", msg);
  }
  zip_error_fini(&err);
  std::unique_ptr<zip_t, ArchiveCloser> za(raw);

  std::map<std::string, Tensor> out;
  std::map<std::string, std::string> member_of;  // key -> member name, to report duplicates
  const zip_int64_t count = zip_get_num_entries(za.get(), 0);
  if (count < 0) fail(path, ": corrupt .npz archive: cannot list members");
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(za.get(), zip_uint64_t(i), 0, &st) != 0)
      fail(path, ": corrupt .npz archive: member ", i, ": ", zip_strerror(za.get()));
    if (!(st.valid & ZIP_STAT_NAME) || !st.name || !*st.name)
      fail(path, ": corrupt .npz archive: member ", i, " has no name");
    const std::string name = st.name;
    if (name.back() == '/') continue;  // directory entry
    const std::string origin = path + ":" + name;
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
      fail(origin, ": encrypted archive members are not supported");
    if (!(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE) ||
        !(st.valid & ZIP_STAT_COMP_METHOD))
      fail(origin, ": corrupt .npz member (sizes unknown)");
    if (st.comp_method != ZIP_CM_STORE && st.comp_method != ZIP_CM_DEFLATE)
      fail(origin, ": unsupported zip compression method ", st.comp_method,
           " (numpy writes stored or deflated members)");
    if (st.comp_size > bytes.size())
      fail(origin, ": corrupt .npz member (compressed size ", st.comp_size,
           " exceeds the archive size ", bytes.size(), ")");
    const uint64_t bound =
        st.comp_method == ZIP_CM_STORE ? st.comp_size : st.comp_size * kMaxDeflateRatio + 1024;
    if (st.size > bound || st.size > kMaxMemberBytes)
      fail(origin, ": corrupt .npz member (claims ", st.size, " bytes from ", st.comp_size,
           " stored)");

    std::unique_ptr<zip_file_t, FileCloser> f(zip_fopen_index(za.get(), zip_uint64_t(i), 0));
    if (!f) fail(origin, ": cannot open .npz member: ", zip_strerror(za.get()));
    // Grow as data actually arrives, so a lying size never drives a large allocation.
    std::vector<uint8_t> data;
    data.reserve(static_cast<size_t>(std::min<uint64_t>(st.size, uint64_t(1) << 24)));
    uint8_t buf[1 << 16];
    while (true) {
      const zip_int64_t n = zip_fread(f.get(), buf, sizeof buf);
      if (n < 0) fail(origin, ": corrupt .npz member: ", zip_file_strerror(f.get()));
      if (n == 0) break;
      if (data.size() + size_t(n) > st.size)
        fail(origin, ": corrupt .npz member (more data than its declared ", st.size, " bytes)");
      data.insert(data.end(), buf, buf + n);
    }
    if (data.size() != st.size)
      fail(origin, ": corrupt .npz member (", data.size(), " of ", st.size, " bytes readable)");

    const std::string key = strip_npy(name);
    if (member_of.count(key))
      fail(path, ": members '", member_of[key], "' and '", name, "' both define array '", key, "'");
    member_of[key] = name;
    out[key] = parse_npy(data.data(), data.size(), origin);
  }
  return out;
}

void save_npz(const std::string& path, const std::map<std::string, Tensor>& arrays, bool compress) {
  // Encode every member first (their buffers must outlive zip_close).
  std::vector<std::vector<uint8_t>> encoded;
  encoded.reserve(arrays.size());
  for (const auto& [name, t] : arrays) {
    if (name.empty() || name.back() == '/') fail(path, ": invalid array name '", name, "'");
    try {
      encoded.push_back(encode_npy(t));
    } catch (const Error& e) {
      fail(path, ":", name, ": ", e.what());
    }
  }

  if (arrays.empty()) {
    // libzip removes an archive left without members; numpy.savez() writes just the
    // end-of-central-directory record, and so do we.
    std::vector<uint8_t> eocd(22, 0);
    eocd[0] = 'P';
    eocd[1] = 'K';
    eocd[2] = 5;
    eocd[3] = 6;
    write_file_atomic(path, eocd);
    return;
  }
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* mem = zip_source_buffer_create(nullptr, 0, 0, &err);
  if (!mem) {
    const std::string msg = zip_error_text(&err);
    zip_error_fini(&err);
    fail(path, ": cannot create archive: ", msg);
  }
  zip_source_keep(mem);  // we read the finished archive back from it after zip_close
  struct SourceFree {
    void operator()(zip_source_t* s) const { zip_source_free(s); }
  };
  std::unique_ptr<zip_source_t, SourceFree> mem_owner(mem);
  zip_t* za = zip_open_from_source(mem, ZIP_TRUNCATE, &err);
  if (!za) {
    const std::string msg = zip_error_text(&err);
    zip_error_fini(&err);
    fail(path, ": cannot create archive: ", msg);
  }
  zip_error_fini(&err);
  std::unique_ptr<zip_t, ArchiveCloser> za_owner(za);

  size_t k = 0;
  for (const auto& kv : arrays) {
    const auto& bytes = encoded[k++];
    zip_source_t* s = zip_source_buffer(za, bytes.data(), bytes.size(), 0);
    if (!s) fail(path, ": cannot add '", kv.first, "': ", zip_strerror(za));
    const zip_int64_t idx =
        zip_file_add(za, (kv.first + ".npy").c_str(), s, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
    if (idx < 0) {
      zip_source_free(s);
      fail(path, ": cannot add '", kv.first, "': ", zip_strerror(za));
    }
    if (zip_set_file_compression(za, zip_uint64_t(idx), compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE,
                                 0) != 0)
      fail(path, ": cannot set compression: ", zip_strerror(za));
    // Fixed timestamp (1980-01-01 00:00) so the same arrays always give the same bytes.
    zip_file_set_dostime(za, zip_uint64_t(idx), 0, (0 << 9) | (1 << 5) | 1, 0);
  }
  if (zip_close(za) != 0) fail(path, ": cannot build archive: ", zip_strerror(za));
  za_owner.release();

  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_source_stat(mem, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
    fail(path, ": cannot read back the built archive");
  std::vector<uint8_t> out(static_cast<size_t>(st.size));
  if (zip_source_open(mem) != 0) fail(path, ": cannot read back the built archive");
  zip_int64_t got = out.empty() ? 0 : zip_source_read(mem, out.data(), out.size());
  zip_source_close(mem);
  if (got < 0 || zip_uint64_t(got) != st.size) fail(path, ": cannot read back the built archive");
  write_file_atomic(path, out);
}

}  // namespace csbrnn
