#include "net/otlp_exporter.hpp"

#include <stdexcept>

#include "net/http_post.hpp"

namespace boocode::net {

namespace {

parsed_url traces_url(const std::string& endpoint) {
  auto url = parse_url(endpoint);
  if (!url)
    throw std::invalid_argument("--otlp-endpoint: not an http(s) URL: " + endpoint);
  if (!url->path.ends_with("/v1/traces"))
    url->path += "/v1/traces";
  return *url;
}

} // namespace

otlp_exporter::otlp_exporter(otlp_options opts)
  : opts_(std::move(opts)), url_(traces_url(opts_.endpoint)) {
  thread_ = std::thread([this] { run(); });
}

otlp_exporter::~otlp_exporter() {
  {
    std::lock_guard guard{mtx_};
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void otlp_exporter::observe(const trace::trace_record& r) {
  if (r.start && r.start->otel)
    push(trace::call_span_of(r));
}

void otlp_exporter::add_turn(trace::turn_span t) {
  if (t.trace)
    push(std::move(t));
}

void otlp_exporter::push(trace::export_span s) {
  bool wake = false;
  {
    std::lock_guard guard{mtx_};
    if (stopping_ || queue_.size() >= opts_.capacity) {
      opts_.dropped.inc();
      return;
    }
    queue_.push_back(std::move(s));
    wake = queue_.size() == opts_.batch;
  }
  if (wake)
    wake_.notify_one();
}

size_t otlp_exporter::pending() const {
  std::lock_guard guard{mtx_};
  return queue_.size() + sending_;
}

void otlp_exporter::run() {
  std::unique_lock lock{mtx_};
  for (;;) {
    wake_.wait_for(lock, opts_.interval,
                   [this] { return stopping_ || queue_.size() >= opts_.batch; });
    if (queue_.empty()) {
      if (stopping_)
        return;
      continue;
    }
    auto n = std::min(queue_.size(), opts_.batch);
    std::vector<trace::export_span> batch;
    batch.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    sending_ = n;
    bool last = stopping_;
    lock.unlock();
    bool sent = send(batch);
    lock.lock();
    sending_ = 0;
    (sent ? opts_.exported : opts_.dropped).inc(static_cast<double>(n));
    // Stopping: what is left goes batch by batch, never retried; once the
    // collector fails, the rest is dropped rather than waited for.
    if (last && (!sent || queue_.empty())) {
      opts_.dropped.inc(static_cast<double>(queue_.size()));
      queue_.clear();
      return;
    }
  }
}

bool otlp_exporter::send(const std::vector<trace::export_span>& batch) {
  auto body = trace::otlp_request(opts_.resource, batch, opts_.provider_of).dump();
  auto wait = std::chrono::seconds(1);
  int attempts = std::max(1, opts_.attempts);
  for (int attempt = 1;; ++attempt) {
    auto r = http_post(url_, "application/json", body, opts_.headers, opts_.timeout);
    if (r.status >= 200 && r.status < 300)
      return true;
    opts_.failures.inc();
    // 4xx but 429: the collector will not take these spans, whatever the retry.
    bool retryable = r.status == 0 || r.status == 429 || r.status >= 500;
    if (opts_.log)
      opts_.log->warn(
        "OTLP export of {} span(s) to {} failed (attempt {} of {}): {}", batch.size(),
        opts_.endpoint, attempt, attempts,
        r.status == 0 ? r.error : "HTTP " + std::to_string(r.status) + " " + r.body.substr(0, 200));
    if (!retryable || attempt >= attempts)
      return false;
    std::unique_lock lock{mtx_};
    if (wake_.wait_for(lock, wait, [this] { return stopping_; }))
      return false; // stopping: no more waiting
    wait *= 2;
  }
}

} // namespace boocode::net
