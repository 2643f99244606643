// Entry file format (all integers little-endian):
//   magic "EINJITK\n" | u32 format | six fields, each u64 length + bytes: version (einjit's and
//   LLVM's), target, key, fingerprint, symbol, object (the kernel's object bundle,
//   ObjectBundle.h) | u64 FNV-1a checksum of all bytes before it.
// A file is trusted only when it decodes exactly (no byte missing or left over), its checksum
// holds and every field but the object equals what the caller expects.
#include "jit/DiskCache.h"

#include "jit/ByteFields.h"

#include "einjit/error.h"

#include <llvm/Config/llvm-config.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace einjit::jit {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMagic = "EINJITK\n";
constexpr std::uint32_t kFormatVersion = 1;
constexpr std::string_view kEntryPrefix = "einjit-";
constexpr std::string_view kEntrySuffix = ".kernel";
constexpr std::string_view kTemporaryPrefix = ".einjit-tmp-";
/// No kernel object comes near this; a bigger file is not an entry and is not read whole.
constexpr std::uintmax_t kMaxEntryBytes = std::uintmax_t{1} << 28;

std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char byte : bytes) {
    hash ^= byte;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string hex16(std::uint64_t value) {
  static const char digits[] = "0123456789abcdef";
  std::string text(16, '0');
  for (int i = 15; i >= 0; --i, value >>= 4)
    text[static_cast<std::size_t>(i)] = digits[value & 15];
  return text;
}

std::optional<std::string> readFile(const fs::path& path) {
  std::error_code error;
  std::uintmax_t size = fs::file_size(path, error);
  if (error || size > kMaxEntryBytes)
    return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  // A file that shrank while being read is caught by decode.
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return bytes;
}

bool isEntryName(const std::string& name) {
  if (name.size() != kEntryPrefix.size() + 16 + kEntrySuffix.size() ||
      name.compare(0, kEntryPrefix.size(), kEntryPrefix) != 0 ||
      name.compare(name.size() - kEntrySuffix.size(), kEntrySuffix.size(), kEntrySuffix) != 0)
    return false;
  for (std::size_t i = kEntryPrefix.size(); i < kEntryPrefix.size() + 16; ++i)
    if (!std::isxdigit(static_cast<unsigned char>(name[i])) ||
        std::isupper(static_cast<unsigned char>(name[i])))
      return false;
  return true;
}

bool isTemporaryName(const std::string& name) {
  return name.compare(0, kTemporaryPrefix.size(), kTemporaryPrefix) == 0;
}

/// A name no other writer (process, thread or earlier write of this thread) uses.
std::string temporaryName(const std::string& entryName) {
  static std::atomic<std::uint64_t> counter{0};
  std::size_t thread = std::hash<std::thread::id>{}(std::this_thread::get_id());
  return std::string(kTemporaryPrefix) + entryName + "-" + std::to_string(::getpid()) + "-" +
         hex16(thread) + "-" + std::to_string(counter++);
}

/// Writes `bytes` to a new file at `path`; false with `problem` set on any failure.
bool writeNewFile(const fs::path& path, const std::string& bytes, std::string& problem) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    problem = std::strerror(errno);
    return false;
  }
  std::size_t written = 0;
  while (written < bytes.size()) {
    ssize_t count = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (count < 0 && errno == EINTR)
      continue;
    if (count <= 0) {
      problem = count < 0 ? std::strerror(errno) : "short write";
      ::close(fd);
      return false;
    }
    written += static_cast<std::size_t>(count);
  }
  if (::close(fd) != 0) {
    problem = std::strerror(errno);
    return false;
  }
  return true;
}

const char* environment(const char* name) {
  const char* value = std::getenv(name);
  return value && *value ? value : nullptr;
}

} // namespace

DiskCache::DiskCache(std::string directory, std::uint64_t maxBytes)
    : directory_(std::move(directory)), maxBytes_(maxBytes) {}

std::string DiskCache::defaultDirectory() {
  if (const char* explicitDirectory = environment("EINJIT_CACHE_DIR"))
    return std::string(explicitDirectory) == "off" ? "" : explicitDirectory;
  // The XDG spec ignores a relative XDG_CACHE_HOME.
  if (const char* xdg = environment("XDG_CACHE_HOME"); xdg && xdg[0] == '/')
    return (fs::path(xdg) / "einjit").string();
  if (const char* home = environment("HOME"))
    return (fs::path(home) / ".cache" / "einjit").string();
  return "";
}

std::string DiskCache::entryFileName(std::string_view key) {
  return std::string(kEntryPrefix) + hex16(fnv1a64(key)) + std::string(kEntrySuffix);
}

std::string DiskCache::symbolFor(std::string_view key) {
  return "einjit_kernel_" + hex16(fnv1a64(key));
}

std::string DiskCache::digest(std::string_view text) {
  return hex16(fnv1a64(text));
}

std::string DiskCache::recordedVersion(const std::string& version) {
  return version + " llvm " LLVM_VERSION_STRING;
}

std::string DiskCache::encode(const DiskEntryIdentity& identity, const std::string& object) {
  std::string bytes(kMagic);
  appendInteger(bytes, kFormatVersion, 4);
  for (const std::string* field : {&identity.version, &identity.target, &identity.key,
                                   &identity.fingerprint, &identity.symbol, &object})
    appendField(bytes, *field);
  appendInteger(bytes, fnv1a64(bytes), 8);
  return bytes;
}

std::optional<DiskEntry> DiskCache::decode(std::string_view bytes, std::string& problem) {
  if (bytes.size() < kMagic.size() || bytes.substr(0, kMagic.size()) != kMagic) {
    problem = "not an einjit kernel entry (bad magic)";
    return std::nullopt;
  }
  ByteReader reader(bytes.substr(kMagic.size()));
  std::uint64_t format = 0;
  if (!reader.integer(format, 4)) {
    problem = "truncated";
    return std::nullopt;
  }
  if (format != kFormatVersion) {
    problem = "entry format " + std::to_string(format) + ", not " + std::to_string(kFormatVersion);
    return std::nullopt;
  }
  if (bytes.size() < kMagic.size() + 4 + 8) {
    problem = "truncated";
    return std::nullopt;
  }
  std::string_view body = bytes.substr(0, bytes.size() - 8);
  ByteReader tail(bytes.substr(body.size()));
  std::uint64_t checksum = 0;
  tail.integer(checksum, 8);
  DiskEntry entry;
  DiskEntryIdentity& identity = entry.identity;
  ByteReader fields(body.substr(kMagic.size() + 4));
  bool complete = fields.field(identity.version) && fields.field(identity.target) &&
                  fields.field(identity.key) && fields.field(identity.fingerprint) &&
                  fields.field(identity.symbol) && fields.field(entry.object);
  // A checksum mismatch is the likelier story for a cut or damaged file; say so first.
  if (checksum != fnv1a64(body)) {
    problem = complete && fields.atEnd() ? "checksum mismatch" : "truncated or corrupt";
    return std::nullopt;
  }
  if (!complete || !fields.atEnd()) {
    problem = "malformed fields";
    return std::nullopt;
  }
  return entry;
}

std::optional<std::string> DiskCache::load(const DiskEntryIdentity& identity) {
  if (!enabled())
    return std::nullopt;
  fs::path path = fs::path(directory_) / entryFileName(identity.key);
  std::optional<std::string> bytes = readFile(path);
  if (!bytes)
    return std::nullopt;
  std::string problem;
  std::optional<DiskEntry> entry = decode(*bytes, problem);
  const DiskEntryIdentity* found = entry ? &entry->identity : nullptr;
  if (!found || found->version != recordedVersion(identity.version) ||
      found->target != identity.target || found->key != identity.key ||
      found->fingerprint != identity.fingerprint || found->symbol != identity.symbol) {
    ++rejects_;
    return std::nullopt;
  }
  ++hits_;
  // The modification time orders entries for trim(): a used entry is a recent one.
  std::error_code ignored;
  fs::last_write_time(path, fs::file_time_type::clock::now(), ignored);
  return std::move(entry->object);
}

void DiskCache::store(const DiskEntryIdentity& identity, const std::string& object) {
  if (!enabled() || !writable_)
    return;
  fs::path directory(directory_);
  std::error_code error;
  fs::create_directories(directory, error);
  if (error) {
    warnOnce("cannot create it (" + error.message() + ")");
    return;
  }
  std::string entryName = entryFileName(identity.key);
  fs::path temporary = directory / temporaryName(entryName);
  DiskEntryIdentity recorded = identity;
  recorded.version = recordedVersion(identity.version);
  std::string problem;
  if (!writeNewFile(temporary, encode(recorded, object), problem)) {
    fs::remove(temporary, error);
    warnOnce("cannot write to it (" + problem + ")");
    return;
  }
  // rename() replaces the old entry in one step: a concurrent reader sees one or the other.
  fs::rename(temporary, directory / entryName, error);
  if (error) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    warnOnce("cannot write to it (" + error.message() + ")");
    return;
  }
  ++writes_;
  // Summing the directory costs a stat per entry: do it on the first write, then once per
  // sixteenth of the limit written.
  std::uint64_t bytes = unsummedBytes_ += object.size();
  if (bytes > maxBytes_ / 16) {
    unsummedBytes_ = 0;
    trim();
  }
}

void DiskCache::trim() {
  struct Sized {
    fs::path path;
    std::uintmax_t bytes;
    fs::file_time_type used;
  };
  std::vector<Sized> entries;
  std::uint64_t total = 0;
  std::error_code error;
  for (fs::directory_iterator item(directory_, error), end; !error && item != end;
       item.increment(error)) {
    std::error_code fileError;
    Sized entry{item->path(), item->file_size(fileError), item->last_write_time(fileError)};
    if (fileError || !isEntryName(entry.path.filename().string()))
      continue;
    total += entry.bytes;
    entries.push_back(std::move(entry));
  }
  if (total <= maxBytes_)
    return;
  std::sort(entries.begin(), entries.end(),
            [](const Sized& a, const Sized& b) { return a.used < b.used; });
  // Another process may be trimming too: a file already gone is simply skipped.
  for (const Sized& entry : entries) {
    if (total <= maxBytes_ / 4 * 3)
      break;
    std::error_code ignored;
    if (fs::remove(entry.path, ignored))
      total -= entry.bytes;
  }
}

void DiskCache::warnOnce(const std::string& problem) {
  writable_ = false;
  if (!warned_.exchange(true))
    std::cerr << "einjit: warning: kernel cache directory '" << directory_ << "': " << problem
              << "; compiled kernels are kept in memory only\n";
}

DiskCacheStatistics DiskCache::statistics() const {
  return DiskCacheStatistics{hits_, writes_, rejects_};
}

std::vector<DiskEntryFile> DiskCache::listEntries(const std::string& directory) {
  std::vector<DiskEntryFile> files;
  std::error_code error;
  if (!fs::is_directory(directory, error))
    return files;
  auto now = fs::file_time_type::clock::now();
  for (fs::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
    const fs::directory_entry& item = *it;
    std::string name = item.path().filename().string();
    std::error_code fileError;
    if (!isEntryName(name) || !item.is_regular_file(fileError))
      continue;
    DiskEntryFile file;
    file.name = name;
    file.fileBytes = item.file_size(fileError);
    auto modified = item.last_write_time(fileError);
    if (!fileError)
      file.ageSeconds = std::max<std::int64_t>(
          0, std::chrono::duration_cast<std::chrono::seconds>(now - modified).count());
    std::optional<std::string> bytes = readFile(item.path());
    if (bytes)
      file.entry = decode(*bytes, file.problem);
    else
      file.problem = "cannot be read";
    files.push_back(std::move(file));
  }
  if (error)
    throw Error(ErrorKind::Io,
                "cache: cannot list the directory '" + directory + "': " + error.message());
  std::sort(files.begin(), files.end(),
            [](const DiskEntryFile& a, const DiskEntryFile& b) { return a.name < b.name; });
  return files;
}

std::size_t DiskCache::clear(const std::string& directory) {
  std::error_code error;
  if (!fs::is_directory(directory, error))
    return 0;
  std::vector<fs::path> doomed;
  for (fs::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
    const fs::directory_entry& item = *it;
    std::string name = item.path().filename().string();
    std::error_code fileError;
    if ((isEntryName(name) || isTemporaryName(name)) && item.is_regular_file(fileError))
      doomed.push_back(item.path());
  }
  if (error)
    throw Error(ErrorKind::Io,
                "cache: cannot list the directory '" + directory + "': " + error.message());
  for (const fs::path& path : doomed) {
    fs::remove(path, error);
    if (error)
      throw Error(ErrorKind::Io,
                  "cache: cannot delete '" + path.string() + "': " + error.message());
  }
  return doomed.size();
}

} // namespace einjit::jit
