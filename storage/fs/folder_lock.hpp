// The writer lock of an fs store's folder (<root>/.quire/lock): one lock for every thread of
// every process that has the folder open, a robust process-shared pthread mutex in a shared
// mapping of the file. Uncontended, taking and releasing it costs no system call (a flock on
// the file cost two per write).
//
// Every process holds a shared flock on the file for as long as it has the folder open. One
// that gets the flock exclusively at open is alone, and (re)initialises the mutex: whatever
// the file kept (a mutex left locked by a process of an earlier boot) is reset while no one
// can be using it. This is the scheme of LMDB's lock file. A process that dies holding the
// mutex while others run is covered by its robustness: the next taker is told (EOWNERDEAD),
// marks the mutex consistent and goes on, as it went on when a dead holder's flock was
// released; the store then settles what the dead writer left (journal tail, intents).
//
// Quire binaries before fs schema 6 took flock(LOCK_EX) on this file for each write: while a
// newer process holds its shared flock they wait, and never write beside it.
//
// The first 8 bytes of the file are the MetaCache generation counter (SharedCounter); this
// lock uses bytes 64 to 255.
#pragma once

#include <chrono>
#include <pthread.h>
#include <string>

#include "../fd.hpp"
#include "../store.hpp"

namespace quire::storage::fs {

class FolderLock {
public:
    // Opens (creating) the lock file and joins its users: takes the shared flock, and
    // initialises the mutex first when alone. Blocks while a Quire before schema 6 writes.
    // An error names the file (no space for its page, a file system without flock or shared
    // mappings).
    static Result<FolderLock> open(const std::string& file);
    // The same lock on a file of this process only (fd.hpp, private_file): a read-only store's
    // stand-in, which makes nothing in the folder.
    static Result<FolderLock> open_private();

    FolderLock(FolderLock&& other) noexcept;
    FolderLock& operator=(FolderLock&& other) noexcept;
    FolderLock(const FolderLock&) = delete;
    FolderLock& operator=(const FolderLock&) = delete;
    ~FolderLock();

    // The descriptor of the lock file (its mapping of the counter shares it).
    int fd() const { return fd_.get(); }

    void lock();
    // Takes the lock only when no one holds it; never waits.
    bool try_lock();
    // Takes the lock, waiting for it at most `wait`.
    bool try_lock_for(std::chrono::microseconds wait);
    void unlock();

private:
    static Result<FolderLock> join(UniqueFd fd, const std::string& file);
    FolderLock(UniqueFd fd, void* page, pthread_mutex_t* mutex)
        : fd_(std::move(fd)), page_(page), mutex_(mutex) {}
    // A taker that got EOWNERDEAD (its holder died) makes the mutex usable again.
    void take_over(int rc);

    UniqueFd fd_;                      // holds the shared flock
    void* page_ = nullptr;             // the shared mapping of the file's first bytes
    pthread_mutex_t* mutex_ = nullptr; // in page_
};

} // namespace quire::storage::fs
