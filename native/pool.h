// A tiny fork-join thread pool: the calling thread plus (threads - 1) workers that spin briefly, then sleep.
// OpenBLAS runs single-threaded inside each chunk, so the pool is the only source of parallelism (no oversubscription).
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hdlm {

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
    for (int t = 1; t < threads_; t++) workers_.emplace_back([this, t] { loop(t); });
  }

  // Runs fn(chunk, nchunks) for chunk in [0, nchunks) with nchunks = threads (chunk 0 on the caller).
  void run(const std::function<void(int, int)>& fn) {
    if (threads_ == 1) {
      fn(0, 1);
      return;
    }
    job_ = &fn;
    pending_.store(threads_ - 1, std::memory_order_release);
    {
      std::lock_guard<std::mutex> lk(m_);
      gen_.fetch_add(1, std::memory_order_acq_rel);
    }
    cv_.notify_all();
    fn(0, threads_);
    // Wait for the workers (spin: chunks are balanced, so they finish at about the same time).
    while (pending_.load(std::memory_order_acquire) != 0) {
#if defined(__x86_64__)
      __builtin_ia32_pause();
#endif
    }
    job_ = nullptr;
  }

 private:
  void loop(int t) {
    uint64_t seen = gen_.load(std::memory_order_acquire);
    for (;;) {
      // Spin a little (ops arrive back to back during training), then sleep on the condition variable.
      int spins = 0;
      while (gen_.load(std::memory_order_acquire) == seen && !quit_.load(std::memory_order_acquire) && spins < 20000) {
#if defined(__x86_64__)
        __builtin_ia32_pause();
#endif
        spins++;
      }
      if (gen_.load(std::memory_order_acquire) == seen && !quit_.load(std::memory_order_acquire)) {
        std::unique_lock<std::mutex> lk(m_);
        cv_.wait(lk, [&] { return gen_.load(std::memory_order_acquire) != seen || quit_.load(std::memory_order_acquire); });
      }
      if (quit_.load(std::memory_order_acquire)) return;
      seen = gen_.load(std::memory_order_acquire);
      (*job_)(t, threads_);
      pending_.fetch_sub(1, std::memory_order_acq_rel);
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
  std::vector<std::thread> workers_;
  std::mutex m_;
  std::condition_variable cv_;
  std::atomic<uint64_t> gen_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> quit_{false};
  const std::function<void(int, int)>* job_ = nullptr;
};

// Splits [0, n) into balanced ranges over the pool when n * costPerItem is large enough to pay for the fork.
inline void parallelFor(Pool& pool, int64_t n, double costPerItem, const std::function<void(int64_t, int64_t)>& fn) {
  const double minWork = 32768.0;
  if (pool.threads() == 1 || n < 2 || n * costPerItem < minWork) {
    if (n > 0) fn(0, n);
    return;
  }
  pool.run([&](int c, int nc) {
    int64_t b = n * c / nc, e = n * (c + 1) / nc;
    if (e > b) fn(b, e);
  });
}

}  // namespace hdlm
