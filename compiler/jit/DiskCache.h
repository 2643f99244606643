// The persistent kernel cache (docs/kernel-cache.md): compiled object files in a directory, one
// file per kernel key, shared by every process that uses the directory. An entry is used only
// when its directory and file belong to this user alone and every field it records matches what
// the caller is about to compile; writes are atomic.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace einjit::jit {

/// What an entry records besides its object file; all of it must match for the entry to be used.
struct DiskEntryIdentity {
  std::string version;     ///< einjit's version; entries record LLVM's too (recordedVersion)
  std::string target;      ///< TargetDesc::key(): triple, CPU and features
  std::string key;         ///< the in-memory cache key, in full
  std::string fingerprint; ///< of the code before optimization: a codegen change changes it
  std::string symbol;      ///< the kernel's entry point in the object
};

/// One decoded entry file.
struct DiskEntry {
  DiskEntryIdentity identity; ///< as recorded: `version` holds LLVM's version too
  std::string object;
};

/// An entry file as `einjit cache list` shows it.
struct DiskEntryFile {
  std::string name;
  std::uint64_t fileBytes = 0;
  std::int64_t ageSeconds = 0;
  std::optional<DiskEntry> entry; ///< empty when the file does not decode
  std::string problem;            ///< why it does not decode
};

struct DiskCacheStatistics {
  std::uint64_t hits = 0;    ///< kernels loaded from an entry instead of compiled
  std::uint64_t writes = 0;  ///< entries written
  std::uint64_t rejects = 0; ///< entries found but not used (corrupt, stale, foreign)
};

/// The steps of DiskCache::store(), for the fault tests' hook.
enum class DiskWriteStep {
  TemporaryCreated, ///< the temporary file exists, empty
  HalfWritten,      ///< the first half of the entry's bytes are in the temporary file
  Written,          ///< all of them, the file closed; not yet renamed
  Renamed,          ///< the entry is in place
};

/// Trust (the directory and the entry files are checked as ssh checks ~/.ssh):
/// - the directory is created 0700 (missing parents too); an existing one is used only when it
///   is a directory owned by this process's effective user and not writable by group or others.
///   A symbolic link to a directory is followed and the directory it leads to is judged: the
///   directory is opened once and every later access goes through that descriptor, so renaming
///   or relinking the path afterwards cannot swap in another directory.
/// - an entry is read only through a descriptor opened without following a symbolic link, and
///   used only when that descriptor is a regular file owned by the user and not writable by group
///   or others (checked with fstat on the open file: no window between the check and the read).
/// - anything else costs one warning (to the `warn` callback), and the cache goes memory-only: no
/// entry of it
///   is loaded or written again by this DiskCache.
/// - temporary files are created with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600, and renamed over the
///   entry; those of writers killed mid-write are deleted by a later write once ten minutes old.
class DiskCache {
public:
  /// Entry bytes a directory holds before the least recently used entries are deleted.
  static constexpr std::uint64_t kDefaultMaxBytes = std::uint64_t{512} << 20;
  /// A temporary file this old belongs to a writer that died (a write takes milliseconds).
  static constexpr std::int64_t kStaleTemporarySeconds = 600;

  /// Receives the cache's one warning ("kernel cache directory 'D': PROBLEM; compiled kernels
  /// are kept in memory only"), from the thread that met the problem. Empty: no warning.
  using Warn = std::function<void(const std::string&)>;

  /// A cache in `directory`, created on the first write; an empty directory turns it off. When
  /// its entries pass `maxBytes`, a write deletes the least recently used (loaded or written)
  /// down to three quarters of it.
  explicit DiskCache(std::string directory, std::uint64_t maxBytes = kDefaultMaxBytes,
                     Warn warn = {});
  ~DiskCache();
  DiskCache(const DiskCache&) = delete;
  DiskCache& operator=(const DiskCache&) = delete;

  /// The directory the environment chooses: $EINJIT_CACHE_DIR ("off": none), else
  /// $XDG_CACHE_HOME/einjit (when absolute), else $HOME/.cache/einjit, else none (""). Empty
  /// variables count as unset.
  static std::string defaultDirectory();

  bool enabled() const { return !directory_.empty(); }
  const std::string& directory() const { return directory_; }

  /// The object file of the entry for `identity.key`, when the entry exists and every recorded
  /// field matches `identity`; an entry that does not (or does not decode) counts as rejected
  /// and is overwritten by the next store. An untrusted directory or entry (see the class
  /// comment) counts as rejected too, warns once and turns the cache memory-only. Never throws
  /// for what it finds on disk.
  std::optional<std::string> load(const DiskEntryIdentity& identity);
  /// Writes the entry for `identity.key` through a temporary file and a rename, so readers see
  /// the old entry or the new one, never part of one (a process killed at any point leaves at
  /// most a temporary file). When the directory cannot be created, trusted or written (a full
  /// disk), warns once and stops writing (loads of trusted entries go on). Never throws.
  void store(const DiskEntryIdentity& identity, const std::string& object);
  /// Counts an entry load() returned but whose object the JIT could not link as rejected
  /// rather than as a hit.
  void linkFailed() {
    --hits_;
    ++rejects_;
  }
  DiskCacheStatistics statistics() const;

  /// The file that holds `key`'s entry: "einjit-<16 hex digits>.kernel".
  static std::string entryFileName(std::string_view key);
  /// The kernel symbol of `key`: the same in every process, so an object links anywhere.
  static std::string symbolFor(std::string_view key);
  /// A short hex digest of `text` (for DiskEntryIdentity::fingerprint).
  static std::string digest(std::string_view text);

  /// The bytes of an entry file recording `identity` as it is (store() records
  /// recordedVersion(identity.version)).
  static std::string encode(const DiskEntryIdentity& identity, const std::string& object);
  /// An entry file's fields, or nullopt with `problem` saying what is wrong (bad magic, format
  /// version, checksum, truncation).
  static std::optional<DiskEntry> decode(std::string_view bytes, std::string& problem);
  /// The version an entry of this build records: einjit's `version` and LLVM's.
  static std::string recordedVersion(const std::string& version);

  /// The entry files of `directory` (valid or not; a symbolic link or a file of another user
  /// shows as invalid, never read), by name; none when it does not exist. Throws Error(Io) when
  /// it cannot be listed.
  static std::vector<DiskEntryFile> listEntries(const std::string& directory);
  /// Deletes the entry files of `directory` (symbolic links named as entries too) and temporary
  /// files left by interrupted writes; nothing else. Returns how many were deleted; throws
  /// Error(Io) when one cannot be.
  static std::size_t clear(const std::string& directory);

  /// Fault tests only: called at each step of store(), in the writing thread; null otherwise.
  static inline void (*writeStepHook)(DiskWriteStep) = nullptr;

private:
  /// The directory's descriptor, opened and checked once; -1 when it does not exist (and
  /// `create` is false) or is not usable (then warned about).
  int directoryDescriptor(bool create);
  /// An untrusted directory or entry: warns once and stops every load and store.
  void distrust(const std::string& problem);
  void warnOnce(const std::string& problem);
  /// Deletes the least recently used entries while the directory holds more than maxBytes_,
  /// and temporary files older than kStaleTemporarySeconds.
  void trim(int directory);

  std::string directory_;
  std::uint64_t maxBytes_;
  Warn warn_;
  std::mutex openMutex_;
  std::atomic<int> directoryFd_{-1};
  /// Bytes written since the directory's size was last summed; the first write sums it.
  std::atomic<std::uint64_t> unsummedBytes_{~std::uint64_t{0} >> 1};
  std::atomic<bool> trusted_{true};
  std::atomic<bool> writable_{true};
  std::atomic<bool> warned_{false};
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> writes_{0};
  std::atomic<std::uint64_t> rejects_{0};
};

} // namespace einjit::jit
