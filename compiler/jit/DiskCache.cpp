// Entry file format (all integers little-endian):
//   magic "EINJITK\n" | u32 format | six fields, each u64 length + bytes: version (einjit's and
//   LLVM's), target, key, fingerprint, symbol, object (the kernel's object bundle,
//   ObjectBundle.h) | u64 FNV-1a checksum of all bytes before it.
// A file is used only when the directory and the file pass the ownership checks (DiskCache.h),
// it decodes exactly (no byte missing or left over), its checksum holds and every field but the
// object equals what the caller expects.
#include "jit/DiskCache.h"

#include "jit/ByteFields.h"

#include "einjit/error.h"

#include <llvm/Config/llvm-config.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <functional>
#include <sys/stat.h>
#include <system_error>
#include <thread>
#include <tuple>
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

/// The whole regular file behind `fd` (at most kMaxEntryBytes), or nullopt.
std::optional<std::string> readDescriptor(int fd, const struct stat& status) {
  if (static_cast<std::uintmax_t>(status.st_size) > kMaxEntryBytes)
    return std::nullopt;
  std::string bytes(static_cast<std::size_t>(status.st_size), '\0');
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t count = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (count < 0 && errno == EINTR)
      continue;
    if (count < 0)
      return std::nullopt;
    if (count == 0)
      break; // a file that shrank while being read is caught by decode
    done += static_cast<std::size_t>(count);
  }
  bytes.resize(done);
  return bytes;
}

/// Opens an entry without following a symbolic link; O_NONBLOCK so that a FIFO named as an entry
/// does not block the open (fstat then rejects it).
int openEntry(int directory, const char* name) {
  return ::openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
}

std::string modeText(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

/// Why the opened entry `status` describes is not to be trusted; empty when it is.
std::string entryDistrust(const struct stat& status) {
  if (!S_ISREG(status.st_mode))
    return "is not a regular file";
  if (status.st_uid != ::geteuid())
    return "is owned by uid " + std::to_string(status.st_uid) + ", not by this user (uid " +
           std::to_string(::geteuid()) + ")";
  if ((status.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return "is writable by group or others (mode " + modeText(status.st_mode) + ")";
  return "";
}

/// Why the opened directory `status` describes is not to be trusted; empty when it is.
std::string directoryDistrust(const struct stat& status) {
  if (!S_ISDIR(status.st_mode))
    return "is not a directory";
  if (status.st_uid != ::geteuid())
    return "is owned by uid " + std::to_string(status.st_uid) + ", not by this user (uid " +
           std::to_string(::geteuid()) + ")";
  if ((status.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return "is writable by group or others (mode " + modeText(status.st_mode) +
           "; chmod go-w it to use it)";
  return "";
}

/// Creates `path` and its missing parents, each 0700 (before the umask); errno on failure.
int createDirectories(const fs::path& path) {
  fs::path prefix;
  for (const fs::path& part : path) {
    prefix /= part;
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST)
      return errno;
  }
  return 0;
}

std::int64_t ageSeconds(const struct stat& status) {
  return static_cast<std::int64_t>(::time(nullptr)) - static_cast<std::int64_t>(status.st_mtime);
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

void step(DiskWriteStep reached) {
  if (DiskCache::writeStepHook)
    DiskCache::writeStepHook(reached);
}

/// Writes all of `bytes` to `fd`; false with `problem` set on failure.
bool writeAll(int fd, std::string_view bytes, std::string& problem) {
  std::size_t written = 0;
  while (written < bytes.size()) {
    ssize_t count = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (count < 0 && errno == EINTR)
      continue;
    if (count <= 0) {
      problem = count < 0 ? std::strerror(errno) : "short write";
      return false;
    }
    written += static_cast<std::size_t>(count);
  }
  return true;
}

/// Writes `bytes` to a new file `name` in `directory`, created exclusively (an existing file or
/// symbolic link of that name fails the write) and readable by its owner only; false with
/// `problem` set on any failure.
bool writeNewFile(int directory, const std::string& name, const std::string& bytes,
                  std::string& problem) {
  int fd =
      ::openat(directory, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    problem = std::strerror(errno);
    return false;
  }
  step(DiskWriteStep::TemporaryCreated);
  std::string_view view(bytes);
  bool written = writeAll(fd, view.substr(0, view.size() / 2), problem);
  if (written)
    step(DiskWriteStep::HalfWritten);
  written = written && writeAll(fd, view.substr(view.size() / 2), problem);
  // close() can report a write error (NFS, a quota) that write() did not.
  if (::close(fd) != 0 && written) {
    problem = std::strerror(errno);
    written = false;
  }
  if (written)
    step(DiskWriteStep::Written);
  return written;
}

const char* environment(const char* name) {
  const char* value = std::getenv(name);
  return value && *value ? value : nullptr;
}

} // namespace

DiskCache::DiskCache(std::string directory, std::uint64_t maxBytes, Warn warn)
    : directory_(std::move(directory)), maxBytes_(maxBytes), warn_(std::move(warn)) {}

DiskCache::~DiskCache() {
  if (int fd = directoryFd_.load(); fd >= 0)
    ::close(fd);
}

int DiskCache::directoryDescriptor(bool create) {
  if (int fd = directoryFd_.load(std::memory_order_acquire); fd >= 0)
    return fd;
  std::lock_guard<std::mutex> lock(openMutex_);
  if (int fd = directoryFd_.load(); fd >= 0 || !trusted_)
    return fd;
  // O_DIRECTORY follows a symbolic link: what is judged below is the directory it leads to.
  int fd = ::open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && create) {
    if (int error = createDirectories(directory_); error != 0) {
      warnOnce(std::string("cannot create it (") + std::strerror(error) + ")");
      return -1;
    }
    fd = ::open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }
  if (fd < 0) {
    // A load leaves a missing (or otherwise unopenable) directory to the first store to report.
    if (create)
      warnOnce(std::string(errno == ENOTDIR ? "cannot create it (" : "cannot open it (") +
               std::strerror(errno) + ")");
    return -1;
  }
  struct stat status {};
  std::string problem =
      ::fstat(fd, &status) != 0 ? std::string(std::strerror(errno)) : directoryDistrust(status);
  if (!problem.empty()) {
    ::close(fd);
    distrust(problem);
    return -1;
  }
  directoryFd_.store(fd, std::memory_order_release);
  return fd;
}

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
  if (!enabled() || !trusted_)
    return std::nullopt;
  int directory = directoryDescriptor(false);
  if (directory < 0)
    return std::nullopt;
  std::string name = entryFileName(identity.key);
  int fd = openEntry(directory, name.c_str());
  if (fd < 0) {
    if (errno == ELOOP) {
      ++rejects_;
      distrust("entry " + name + " is a symbolic link");
    }
    return std::nullopt;
  }
  struct stat status {};
  std::optional<std::string> bytes;
  std::string distrusted = ::fstat(fd, &status) != 0 ? "cannot be examined" : entryDistrust(status);
  if (distrusted.empty())
    bytes = readDescriptor(fd, status);
  std::string problem;
  std::optional<DiskEntry> entry;
  if (bytes)
    entry = decode(*bytes, problem);
  const DiskEntryIdentity* found = entry ? &entry->identity : nullptr;
  if (!found || found->version != recordedVersion(identity.version) ||
      found->target != identity.target || found->key != identity.key ||
      found->fingerprint != identity.fingerprint || found->symbol != identity.symbol) {
    ::close(fd);
    ++rejects_;
    if (!distrusted.empty())
      distrust("entry " + name + " " + distrusted);
    return std::nullopt;
  }
  ++hits_;
  // The modification time orders entries for trim(): a used entry is a recent one.
  ::futimens(fd, nullptr);
  ::close(fd);
  return std::move(entry->object);
}

void DiskCache::store(const DiskEntryIdentity& identity, const std::string& object) {
  if (!enabled() || !trusted_ || !writable_)
    return;
  int directory = directoryDescriptor(true);
  if (directory < 0)
    return;
  std::string entryName = entryFileName(identity.key);
  std::string temporary = temporaryName(entryName);
  DiskEntryIdentity recorded = identity;
  recorded.version = recordedVersion(identity.version);
  std::string problem;
  bool written = writeNewFile(directory, temporary, encode(recorded, object), problem);
  // renameat() replaces the old entry (or a symbolic link in its place, never what it points
  // to) in one step: a concurrent reader sees one or the other.
  if (written && ::renameat(directory, temporary.c_str(), directory, entryName.c_str()) != 0) {
    problem = std::strerror(errno);
    written = false;
  }
  if (!written) {
    ::unlinkat(directory, temporary.c_str(), 0);
    warnOnce("cannot write to it (" + problem + ")");
    return;
  }
  step(DiskWriteStep::Renamed);
  ++writes_;
  // Summing the directory costs a stat per entry: do it on the first write, then once per
  // sixteenth of the limit written.
  std::uint64_t bytes = unsummedBytes_ += object.size();
  if (bytes > maxBytes_ / 16) {
    unsummedBytes_ = 0;
    trim(directory);
  }
}

void DiskCache::trim(int directory) {
  struct Sized {
    std::string name;
    std::uint64_t bytes;
    struct timespec used;
  };
  std::vector<Sized> entries;
  std::uint64_t total = 0;
  // A descriptor of its own: readdir's position must not be shared with a concurrent trim.
  int listing = ::openat(directory, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* stream = listing < 0 ? nullptr : ::fdopendir(listing);
  if (!stream) {
    if (listing >= 0)
      ::close(listing);
    return;
  }
  while (const struct dirent* item = ::readdir(stream)) {
    std::string name = item->d_name;
    bool entryName = isEntryName(name);
    if (!entryName && !isTemporaryName(name))
      continue;
    struct stat status {};
    if (::fstatat(directory, name.c_str(), &status, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(status.st_mode))
      continue;
    if (!entryName) {
      // A writer killed mid-write leaves its temporary file; nobody else would delete it.
      if (ageSeconds(status) > kStaleTemporarySeconds)
        ::unlinkat(directory, name.c_str(), 0);
      continue;
    }
    total += static_cast<std::uint64_t>(status.st_size);
    entries.push_back(Sized{name, static_cast<std::uint64_t>(status.st_size), status.st_mtim});
  }
  ::closedir(stream);
  if (total <= maxBytes_)
    return;
  std::sort(entries.begin(), entries.end(), [](const Sized& a, const Sized& b) {
    return std::tie(a.used.tv_sec, a.used.tv_nsec) < std::tie(b.used.tv_sec, b.used.tv_nsec);
  });
  // Another process may be trimming too: a file already gone is simply skipped.
  for (const Sized& entry : entries) {
    if (total <= maxBytes_ / 4 * 3)
      break;
    if (::unlinkat(directory, entry.name.c_str(), 0) == 0)
      total -= entry.bytes;
  }
}

void DiskCache::distrust(const std::string& problem) {
  trusted_ = false;
  warnOnce(problem);
}

void DiskCache::warnOnce(const std::string& problem) {
  writable_ = false;
  if (!warned_.exchange(true) && warn_)
    warn_("kernel cache directory '" + directory_ + "': " + problem +
          "; compiled kernels are kept in memory only");
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
    fs::file_type type = item.symlink_status(fileError).type();
    if (!isEntryName(name) || (type != fs::file_type::regular && type != fs::file_type::symlink))
      continue;
    DiskEntryFile file;
    file.name = name;
    file.fileBytes = item.is_symlink(fileError) ? 0 : item.file_size(fileError);
    auto modified = item.last_write_time(fileError);
    if (!fileError)
      file.ageSeconds = std::max<std::int64_t>(
          0, std::chrono::duration_cast<std::chrono::seconds>(now - modified).count());
    int fd = openEntry(AT_FDCWD, item.path().c_str());
    struct stat status {};
    if (fd < 0)
      file.problem = errno == ELOOP ? "not trusted: a symbolic link" : "cannot be read";
    else if (::fstat(fd, &status) != 0)
      file.problem = "cannot be read";
    else if (std::string distrusted = entryDistrust(status); !distrusted.empty())
      file.problem = "not trusted: " + distrusted;
    else if (std::optional<std::string> bytes = readDescriptor(fd, status))
      file.entry = decode(*bytes, file.problem);
    else
      file.problem = "cannot be read";
    if (fd >= 0)
      ::close(fd);
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
    fs::file_type type = item.symlink_status(fileError).type();
    if ((isEntryName(name) || isTemporaryName(name)) &&
        (type == fs::file_type::regular || type == fs::file_type::symlink))
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
