// A tiny fork-join pool with dynamic chunk claiming: the caller plus (threads - 1) workers take chunks from a shared
// ticket, so a worker that is slow to wake (a busy, shared machine) costs nothing: the caller just does more chunks.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hdlm {

inline void cpuRelax() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#endif
}

class Pool {
 public:
  explicit Pool(int threads) { resize(threads); }
  ~Pool() { stop(); }

  int threads() const { return threads_; }

  void resize(int threads) {
    if (threads < 1) threads = 1;
    if (threads > 64) threads = 64;
    stop();
    threads_ = threads;
    quit_ = false;
    // Each worker starts from the generation current now: a job posted before the thread first runs is not missed.
    const uint64_t start = gen_.load(std::memory_order_acquire);
    for (int t = 1; t < threads_; t++) workers_.emplace_back([this, start] { loop(start); });
  }

  // Runs fn(chunk, nChunks) for every chunk in [0, nChunks), on the caller and any worker that joins in time.
  void run(int64_t nChunks, const std::function<void(int64_t, int64_t)>& fn) {
    if (threads_ == 1 || nChunks <= 1) {
      for (int64_t c = 0; c < nChunks; c++) fn(c, nChunks);
      return;
    }
    const uint64_t g = ++posted_;
    job_.store(&fn, std::memory_order_relaxed);
    nChunks_.store(nChunks, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    ticket_.store(g << 32, std::memory_order_release);
    {
      std::lock_guard<std::mutex> lk(m_);
      gen_.store(g, std::memory_order_release);
    }
    cv_.notify_all();
    work(g);
    while (done_.load(std::memory_order_acquire) < nChunks) cpuRelax();
  }

 private:
  // Claims chunks of job generation g until none are left (or a newer job replaced it).
  void work(uint64_t g) {
    uint64_t v = ticket_.load(std::memory_order_acquire);
    for (;;) {
      if ((v >> 32) != g) return;
      const int64_t i = static_cast<int64_t>(v & 0xffffffffu);
      const int64_t n = nChunks_.load(std::memory_order_relaxed);
      if (i >= n) return;
      if (ticket_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
        // The claim succeeded, so the caller is still inside run(g): job_ and nChunks_ belong to g.
        (*job_.load(std::memory_order_relaxed))(i, n);
        done_.fetch_add(1, std::memory_order_acq_rel);
        v = ticket_.load(std::memory_order_acquire);
      }
    }
  }

  void loop(uint64_t seen) {
    for (;;) {
      // Spin a little (ops arrive back to back during training), then sleep on the condition variable.
      int spins = 0;
      while (gen_.load(std::memory_order_acquire) == seen && !quit_.load(std::memory_order_acquire) && spins < 4000) {
        cpuRelax();
        spins++;
      }
      if (gen_.load(std::memory_order_acquire) == seen && !quit_.load(std::memory_order_acquire)) {
        std::unique_lock<std::mutex> lk(m_);
        cv_.wait(lk, [&] { return gen_.load(std::memory_order_acquire) != seen || quit_.load(std::memory_order_acquire); });
      }
      if (quit_.load(std::memory_order_acquire)) return;
      seen = gen_.load(std::memory_order_acquire);
      work(seen);
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lk(m_);
      quit_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  int threads_ = 1;
  uint64_t posted_ = 0;
  std::vector<std::thread> workers_;
  std::mutex m_;
  std::condition_variable cv_;
  std::atomic<uint64_t> gen_{0};
  std::atomic<uint64_t> ticket_{0};
  std::atomic<int64_t> done_{0};
  std::atomic<bool> quit_{false};
  std::atomic<int64_t> nChunks_{0};
  std::atomic<const std::function<void(int64_t, int64_t)>*> job_{nullptr};
};

// Splits [0, n) into ranges claimed dynamically by the pool when n * costPerItem is large enough to pay for the fork.
inline void parallelFor(Pool& pool, int64_t n, double costPerItem, const std::function<void(int64_t, int64_t)>& fn, int chunksPerThread = 4) {
  const double minWork = 32768.0;
  if (pool.threads() == 1 || n < 2 || n * costPerItem < minWork) {
    if (n > 0) fn(0, n);
    return;
  }
  const int64_t chunks = std::min<int64_t>(n, static_cast<int64_t>(pool.threads()) * chunksPerThread);
  pool.run(chunks, [&](int64_t c, int64_t nc) {
    int64_t b = n * c / nc, e = n * (c + 1) / nc;
    if (e > b) fn(b, e);
  });
}

}  // namespace hdlm
