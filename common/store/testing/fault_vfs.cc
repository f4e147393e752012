#include "common/store/testing/fault_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace unemployment::store::testing {
namespace {

// The shim's file: our header, then the wrapped VFS's file object.
struct ShimFile {
  sqlite3_file base;
  const char* path;  // valid until xClose (SQLite's guarantee for xOpen's zName); may be null
  bool faultable;    // main database, WAL or rollback journal
  sqlite3_file* real;
};

constexpr size_t kRealOffset = (sizeof(ShimFile) + 15) & ~size_t{15};

sqlite3_vfs* Base(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }
sqlite3_file* Real(sqlite3_file* file) { return reinterpret_cast<ShimFile*>(file)->real; }

// --- power-loss mode ----------------------------------------------------------------------------
//
// What the "page cache" holds of one file between two syncs: the smallest size it was truncated
// to (applied to the real file first), the bytes written since (non-overlapping extents, the newest
// bytes winning), and the size the file has for its readers. Flushing applies them in that order
// and then sets the size, which gives the same file as applying every operation in order.
struct Unsynced {
  int64_t size = 0;
  std::optional<int64_t> truncated_to;
  std::map<int64_t, std::string> extents;  // offset -> bytes
  int64_t bytes = 0;
};

std::atomic<bool> power_loss_on{false};

class PageCache {
 public:
  // Serialises every operation on the files it holds (tests only: simplicity over speed).
  absl::Mutex mu;
  std::unordered_map<std::string, Unsynced> files ABSL_GUARDED_BY(mu);
  int64_t bytes ABSL_GUARDED_BY(mu) = 0;
};

PageCache& Cache() {
  static PageCache* cache = new PageCache();
  return *cache;
}

bool HeldInMemory(sqlite3_file* file) {
  auto* shim = reinterpret_cast<ShimFile*>(file);
  return shim->faultable && shim->path != nullptr &&
         power_loss_on.load(std::memory_order_acquire);
}

// The file's entry, created from the real file's size on first use.
Unsynced* Entry(PageCache& cache, sqlite3_file* file, int* rc)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(cache.mu) {
  auto* shim = reinterpret_cast<ShimFile*>(file);
  auto it = cache.files.find(shim->path);
  if (it != cache.files.end()) return &it->second;
  sqlite3_int64 size = 0;
  *rc = Real(file)->pMethods->xFileSize(Real(file), &size);
  if (*rc != SQLITE_OK) return nullptr;
  Unsynced& entry = cache.files[shim->path];
  entry.size = size;
  return &entry;
}

// Removes from `u` every byte in [from, to) (to < 0: to the end).
void Erase(PageCache& cache, Unsynced& u, int64_t from, int64_t to)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(cache.mu) {
  auto it = u.extents.upper_bound(from);
  if (it != u.extents.begin()) --it;
  while (it != u.extents.end() && (to < 0 || it->first < to)) {
    int64_t start = it->first;
    int64_t end = start + static_cast<int64_t>(it->second.size());
    if (end <= from) {
      ++it;
      continue;
    }
    std::string data = std::move(it->second);
    it = u.extents.erase(it);
    u.bytes -= static_cast<int64_t>(data.size());
    cache.bytes -= static_cast<int64_t>(data.size());
    if (start < from) {
      u.extents[start] = data.substr(0, static_cast<size_t>(from - start));
      u.bytes += from - start;
      cache.bytes += from - start;
    }
    if (to >= 0 && end > to) {
      u.extents[to] = data.substr(static_cast<size_t>(to - start));
      u.bytes += end - to;
      cache.bytes += end - to;
      break;
    }
  }
}

int PowerLossRead(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset) {
  PageCache& cache = Cache();
  absl::MutexLock lock(&cache.mu);
  auto it = cache.files.find(reinterpret_cast<ShimFile*>(file)->path);
  if (it == cache.files.end()) return Real(file)->pMethods->xRead(Real(file), buffer, amount, offset);
  const Unsynced& u = it->second;
  auto* out = static_cast<char*>(buffer);
  std::memset(out, 0, static_cast<size_t>(amount));
  int64_t real_end = u.truncated_to.value_or(INT64_MAX);
  if (offset < real_end) {
    int n = static_cast<int>(std::min<int64_t>(amount, real_end - offset));
    int rc = Real(file)->pMethods->xRead(Real(file), out, n, offset);
    if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) return rc;
  }
  int64_t end = offset + amount;
  auto e = u.extents.upper_bound(offset);
  if (e != u.extents.begin()) --e;
  for (; e != u.extents.end() && e->first < end; ++e) {
    int64_t from = std::max<int64_t>(offset, e->first);
    int64_t to = std::min<int64_t>(end, e->first + static_cast<int64_t>(e->second.size()));
    if (from >= to) continue;
    std::memcpy(out + (from - offset), e->second.data() + (from - e->first),
                static_cast<size_t>(to - from));
  }
  if (end > u.size) {
    if (u.size > offset) {
      std::memset(out + (u.size - offset), 0, static_cast<size_t>(end - u.size));
    } else {
      std::memset(out, 0, static_cast<size_t>(amount));
    }
    return SQLITE_IOERR_SHORT_READ;
  }
  return SQLITE_OK;
}

int PowerLossWrite(sqlite3_file* file, const void* buffer, int amount, sqlite3_int64 offset) {
  PageCache& cache = Cache();
  absl::MutexLock lock(&cache.mu);
  int rc = SQLITE_OK;
  Unsynced* u = Entry(cache, file, &rc);
  if (u == nullptr) return rc;
  Erase(cache, *u, offset, offset + amount);
  u->extents[offset].assign(static_cast<const char*>(buffer), static_cast<size_t>(amount));
  u->bytes += amount;
  cache.bytes += amount;
  u->size = std::max<int64_t>(u->size, offset + amount);
  return SQLITE_OK;
}

int PowerLossTruncate(sqlite3_file* file, sqlite3_int64 size) {
  PageCache& cache = Cache();
  absl::MutexLock lock(&cache.mu);
  int rc = SQLITE_OK;
  Unsynced* u = Entry(cache, file, &rc);
  if (u == nullptr) return rc;
  Erase(cache, *u, size, -1);
  u->truncated_to = std::min<int64_t>(u->truncated_to.value_or(INT64_MAX), size);
  u->size = size;
  return SQLITE_OK;
}

int PowerLossFileSize(sqlite3_file* file, sqlite3_int64* size) {
  PageCache& cache = Cache();
  absl::MutexLock lock(&cache.mu);
  auto it = cache.files.find(reinterpret_cast<ShimFile*>(file)->path);
  if (it == cache.files.end()) return Real(file)->pMethods->xFileSize(Real(file), size);
  *size = it->second.size;
  return SQLITE_OK;
}

// Hands the file's unsynced operations to the real file (then the caller syncs it).
int PowerLossFlush(sqlite3_file* file) {
  PageCache& cache = Cache();
  absl::MutexLock lock(&cache.mu);
  auto it = cache.files.find(reinterpret_cast<ShimFile*>(file)->path);
  if (it == cache.files.end()) return SQLITE_OK;
  Unsynced& u = it->second;
  sqlite3_file* real = Real(file);
  int rc = SQLITE_OK;
  if (u.truncated_to.has_value()) rc = real->pMethods->xTruncate(real, *u.truncated_to);
  for (const auto& [offset, data] : u.extents) {
    if (rc != SQLITE_OK) break;
    rc = real->pMethods->xWrite(real, data.data(), static_cast<int>(data.size()), offset);
  }
  sqlite3_int64 real_size = 0;
  if (rc == SQLITE_OK) rc = real->pMethods->xFileSize(real, &real_size);
  if (rc == SQLITE_OK && real_size != u.size) rc = real->pMethods->xTruncate(real, u.size);
  // Kept on failure: the data stays readable, and the next sync tries again.
  if (rc != SQLITE_OK) return rc;
  cache.bytes -= u.bytes;
  cache.files.erase(it);
  return SQLITE_OK;
}

void PowerLossForget(const char* path) {
  if (path == nullptr) return;
  PageCache& cache = Cache();
  absl::MutexLock lock(&cache.mu);
  auto it = cache.files.find(path);
  if (it == cache.files.end()) return;
  cache.bytes -= it->second.bytes;
  cache.files.erase(it);
}

int Check(sqlite3_file* file, bool is_sync, int io_error) {
  auto* shim = reinterpret_cast<ShimFile*>(file);
  if (!shim->faultable) return SQLITE_OK;
  return FaultVfs::Install().OnOperation(shim->path, is_sync, io_error);
}

int ShimClose(sqlite3_file* file) {
  sqlite3_file* real = Real(file);
  int rc = real->pMethods != nullptr ? real->pMethods->xClose(real) : SQLITE_OK;
  file->pMethods = nullptr;
  return rc;
}
int ShimRead(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset) {
  if (HeldInMemory(file)) return PowerLossRead(file, buffer, amount, offset);
  return Real(file)->pMethods->xRead(Real(file), buffer, amount, offset);
}
int ShimWrite(sqlite3_file* file, const void* buffer, int amount, sqlite3_int64 offset) {
  int rc = Check(file, /*is_sync=*/false, SQLITE_IOERR_WRITE);
  if (rc != SQLITE_OK) return rc;
  if (HeldInMemory(file)) return PowerLossWrite(file, buffer, amount, offset);
  return Real(file)->pMethods->xWrite(Real(file), buffer, amount, offset);
}
int ShimTruncate(sqlite3_file* file, sqlite3_int64 size) {
  int rc = Check(file, /*is_sync=*/false, SQLITE_IOERR_TRUNCATE);
  if (rc != SQLITE_OK) return rc;
  if (HeldInMemory(file)) return PowerLossTruncate(file, size);
  return Real(file)->pMethods->xTruncate(Real(file), size);
}
int ShimSync(sqlite3_file* file, int flags) {
  int rc = Check(file, /*is_sync=*/true, SQLITE_IOERR_FSYNC);
  if (rc != SQLITE_OK) return rc;
  if (HeldInMemory(file)) {
    rc = PowerLossFlush(file);
    if (rc != SQLITE_OK) return rc;
  }
  return Real(file)->pMethods->xSync(Real(file), flags);
}
int ShimFileSize(sqlite3_file* file, sqlite3_int64* size) {
  if (HeldInMemory(file)) return PowerLossFileSize(file, size);
  return Real(file)->pMethods->xFileSize(Real(file), size);
}
int ShimLock(sqlite3_file* file, int lock) { return Real(file)->pMethods->xLock(Real(file), lock); }
int ShimUnlock(sqlite3_file* file, int lock) {
  return Real(file)->pMethods->xUnlock(Real(file), lock);
}
int ShimCheckReservedLock(sqlite3_file* file, int* out) {
  return Real(file)->pMethods->xCheckReservedLock(Real(file), out);
}
int ShimFileControl(sqlite3_file* file, int op, void* arg) {
  // A size hint would grow the real file behind the held writes' back; it is only a hint.
  if (op == SQLITE_FCNTL_SIZE_HINT && HeldInMemory(file)) return SQLITE_OK;
  return Real(file)->pMethods->xFileControl(Real(file), op, arg);
}
int ShimSectorSize(sqlite3_file* file) { return Real(file)->pMethods->xSectorSize(Real(file)); }
int ShimDeviceCharacteristics(sqlite3_file* file) {
  return Real(file)->pMethods->xDeviceCharacteristics(Real(file));
}
int ShimShmMap(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  sqlite3_file* real = Real(file);
  if (real->pMethods->iVersion < 2) return SQLITE_IOERR_SHMMAP;
  return real->pMethods->xShmMap(real, region, size, extend, out);
}
int ShimShmLock(sqlite3_file* file, int offset, int n, int flags) {
  sqlite3_file* real = Real(file);
  if (real->pMethods->iVersion < 2) return SQLITE_IOERR_SHMLOCK;
  return real->pMethods->xShmLock(real, offset, n, flags);
}
void ShimShmBarrier(sqlite3_file* file) {
  sqlite3_file* real = Real(file);
  if (real->pMethods->iVersion >= 2) real->pMethods->xShmBarrier(real);
}
int ShimShmUnmap(sqlite3_file* file, int delete_flag) {
  sqlite3_file* real = Real(file);
  if (real->pMethods->iVersion < 2) return SQLITE_OK;
  return real->pMethods->xShmUnmap(real, delete_flag);
}
int ShimFetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  sqlite3_file* real = Real(file);
  // Memory-mapped pages would bypass the held writes: SQLite falls back to xRead.
  if (real->pMethods->iVersion < 3 || HeldInMemory(file)) {
    *out = nullptr;
    return SQLITE_OK;
  }
  return real->pMethods->xFetch(real, offset, amount, out);
}
int ShimUnfetch(sqlite3_file* file, sqlite3_int64 offset, void* pointer) {
  sqlite3_file* real = Real(file);
  if (real->pMethods->iVersion < 3) return SQLITE_OK;
  return real->pMethods->xUnfetch(real, offset, pointer);
}

const sqlite3_io_methods kShimMethods = {
    3,
    ShimClose,
    ShimRead,
    ShimWrite,
    ShimTruncate,
    ShimSync,
    ShimFileSize,
    ShimLock,
    ShimUnlock,
    ShimCheckReservedLock,
    ShimFileControl,
    ShimSectorSize,
    ShimDeviceCharacteristics,
    ShimShmMap,
    ShimShmLock,
    ShimShmBarrier,
    ShimShmUnmap,
    ShimFetch,
    ShimUnfetch,
};

int VfsOpen(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  auto* shim = reinterpret_cast<ShimFile*>(file);
  shim->base.pMethods = nullptr;
  shim->path = name;
  shim->faultable = name != nullptr && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL |
                                                 SQLITE_OPEN_MAIN_JOURNAL)) != 0;
  shim->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kRealOffset);
  shim->real->pMethods = nullptr;
  int rc = Base(vfs)->xOpen(Base(vfs), name, shim->real, flags, out_flags);
  if (shim->real->pMethods != nullptr) shim->base.pMethods = &kShimMethods;
  return rc;
}
int VfsDelete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  if (power_loss_on.load(std::memory_order_acquire)) PowerLossForget(name);
  return Base(vfs)->xDelete(Base(vfs), name, sync_dir);
}
int VfsAccess(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return Base(vfs)->xAccess(Base(vfs), name, flags, out);
}
int VfsFullPathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
  return Base(vfs)->xFullPathname(Base(vfs), name, size, out);
}
void* VfsDlOpen(sqlite3_vfs* vfs, const char* name) { return Base(vfs)->xDlOpen(Base(vfs), name); }
void VfsDlError(sqlite3_vfs* vfs, int size, char* out) {
  Base(vfs)->xDlError(Base(vfs), size, out);
}
void (*VfsDlSym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return Base(vfs)->xDlSym(Base(vfs), handle, symbol);
}
void VfsDlClose(sqlite3_vfs* vfs, void* handle) { Base(vfs)->xDlClose(Base(vfs), handle); }
int VfsRandomness(sqlite3_vfs* vfs, int size, char* out) {
  return Base(vfs)->xRandomness(Base(vfs), size, out);
}
int VfsSleep(sqlite3_vfs* vfs, int microseconds) {
  return Base(vfs)->xSleep(Base(vfs), microseconds);
}
int VfsCurrentTime(sqlite3_vfs* vfs, double* out) {
  return Base(vfs)->xCurrentTime(Base(vfs), out);
}
int VfsGetLastError(sqlite3_vfs* vfs, int size, char* out) {
  return Base(vfs)->xGetLastError(Base(vfs), size, out);
}
int VfsCurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return Base(vfs)->xCurrentTimeInt64(Base(vfs), out);
}
int VfsSetSystemCall(sqlite3_vfs* vfs, const char* name, sqlite3_syscall_ptr call) {
  return Base(vfs)->xSetSystemCall(Base(vfs), name, call);
}
sqlite3_syscall_ptr VfsGetSystemCall(sqlite3_vfs* vfs, const char* name) {
  return Base(vfs)->xGetSystemCall(Base(vfs), name);
}
const char* VfsNextSystemCall(sqlite3_vfs* vfs, const char* name) {
  return Base(vfs)->xNextSystemCall(Base(vfs), name);
}

sqlite3_vfs* MakeShimVfs() {
  sqlite3_initialize();
  sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
  if (base == nullptr) std::abort();
  auto* vfs = new sqlite3_vfs();
  std::memset(vfs, 0, sizeof(*vfs));
  vfs->iVersion = base->iVersion < 3 ? base->iVersion : 3;
  vfs->szOsFile = static_cast<int>(kRealOffset) + base->szOsFile;
  vfs->mxPathname = base->mxPathname;
  vfs->zName = "ue_fault";
  vfs->pAppData = base;
  vfs->xOpen = VfsOpen;
  vfs->xDelete = VfsDelete;
  vfs->xAccess = VfsAccess;
  vfs->xFullPathname = VfsFullPathname;
  vfs->xDlOpen = VfsDlOpen;
  vfs->xDlError = VfsDlError;
  vfs->xDlSym = VfsDlSym;
  vfs->xDlClose = VfsDlClose;
  vfs->xRandomness = VfsRandomness;
  vfs->xSleep = VfsSleep;
  vfs->xCurrentTime = VfsCurrentTime;
  vfs->xGetLastError = VfsGetLastError;
  if (vfs->iVersion >= 2) vfs->xCurrentTimeInt64 = VfsCurrentTimeInt64;
  if (vfs->iVersion >= 3) {
    vfs->xSetSystemCall = VfsSetSystemCall;
    vfs->xGetSystemCall = VfsGetSystemCall;
    vfs->xNextSystemCall = VfsNextSystemCall;
  }
  if (sqlite3_vfs_register(vfs, /*makeDflt=*/1) != SQLITE_OK) std::abort();
  return vfs;
}

}  // namespace

FaultVfs& FaultVfs::Install() {
  static FaultVfs* instance = [] {
    MakeShimVfs();
    return new FaultVfs();
  }();
  return *instance;
}

void FaultVfs::EnablePowerLoss() { power_loss_on.store(true, std::memory_order_release); }

bool FaultVfs::power_loss() const { return power_loss_on.load(std::memory_order_acquire); }

void FaultVfs::CutPower() {
  PageCache& cache = Cache();
  absl::MutexLock lock(&cache.mu);
  cache.files.clear();
  cache.bytes = 0;
}

int64_t FaultVfs::unsynced_bytes() const {
  PageCache& cache = Cache();
  absl::MutexLock lock(&cache.mu);
  return cache.bytes;
}

void FaultVfs::SetPathPrefix(std::string prefix) {
  absl::MutexLock lock(&mu_);
  prefix_ = std::move(prefix);
}

void FaultVfs::Arm(const FaultPlan& plan) {
  absl::MutexLock lock(&mu_);
  plan_ = plan;
  armed_ = true;
  operations_ = 0;
  faults_ = 0;
}

void FaultVfs::Clear() {
  absl::MutexLock lock(&mu_);
  armed_ = false;
  // Disarmed, every write-class operation counts again (a cleared syncs-only plan used to leave
  // operations() counting syncs only, so a test measuring a request's writes saw 1).
  plan_ = FaultPlan();
  operations_ = 0;
  faults_ = 0;
}

int64_t FaultVfs::operations() const {
  absl::MutexLock lock(&mu_);
  return operations_;
}

int64_t FaultVfs::faults() const {
  absl::MutexLock lock(&mu_);
  return faults_;
}

void FaultVfs::ResetCounters() {
  absl::MutexLock lock(&mu_);
  operations_ = 0;
  faults_ = 0;
}

int FaultVfs::OnOperation(const char* path, bool is_sync, int io_error) {
  absl::MutexLock lock(&mu_);
  if (path == nullptr || std::strncmp(path, prefix_.data(), prefix_.size()) != 0) {
    return SQLITE_OK;
  }
  if (plan_.target == FaultTarget::kSyncsOnly && !is_sync) return SQLITE_OK;
  int64_t index = operations_++;
  if (!armed_ || index < plan_.skip) return SQLITE_OK;
  if (!plan_.sticky && faults_ > 0) return SQLITE_OK;
  ++faults_;
  // What sqlite3_system_errno reports, as the unix VFS would have left it.
  if (plan_.fault == Fault::kDiskFull) {
    errno = ENOSPC;
    return SQLITE_FULL;
  }
  errno = EIO;
  return io_error;
}

}  // namespace unemployment::store::testing
