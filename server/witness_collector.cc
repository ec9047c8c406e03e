// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/witness_collector.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/logging.h"
#include "httplib.h"

namespace vouch::server {

absl::StatusOr<std::vector<WitnessEndpoint>> ParseWitnessFlag(
    const std::vector<std::string>& values) {
  if (values.size() % 2 != 0) {
    return absl::InvalidArgumentError("--witness: want URL,VKEY pairs");
  }
  std::vector<WitnessEndpoint> out;
  for (size_t i = 0; i < values.size(); i += 2) {
    WitnessEndpoint w;
    w.url = values[i];
    while (!w.url.empty() && w.url.back() == '/') w.url.pop_back();
    if (w.url.rfind("http://", 0) != 0 && w.url.rfind("https://", 0) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--witness: \"", values[i], "\" is not an http(s) URL"));
    }
    auto key = client::ParseVkey(values[i + 1]);
    if (!key.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--witness ", values[i], ": ", key.status().message()));
    }
    w.key = *std::move(key);
    out.push_back(std::move(w));
  }
  return out;
}

WitnessCollector::WitnessCollector(std::vector<WitnessEndpoint> witnesses, LatestFn latest,
                                   ProofFn proof, WitnessCollectorOptions options)
    : witnesses_(std::move(witnesses)),
      latest_(std::move(latest)),
      proof_(std::move(proof)),
      options_(options),
      state_(witnesses_.size()) {
  absl::MutexLock l(&mu_);
  lines_.assign(witnesses_.size(), "");
}

WitnessCollector::~WitnessCollector() { Stop(); }

void WitnessCollector::Start() {
  thread_ = std::thread([this] {
    while (!stop_.WaitForNotificationWithTimeout(options_.interval)) RunOnce();
  });
}

void WitnessCollector::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

std::string WitnessCollector::Cosigned() const {
  absl::MutexLock l(&mu_);
  std::string out;
  bool any = false;
  for (const std::string& line : lines_) {
    out += line;
    any = any || !line.empty();
  }
  return any ? note_ + out : "";
}

void WitnessCollector::RunOnce() {
  const auto [size, note] = latest_();
  if (note.empty()) return;
  std::vector<std::string> lines;
  {
    absl::MutexLock l(&mu_);
    if (note != note_) {
      note_ = note;
      lines_.assign(witnesses_.size(), "");
    }
    lines = lines_;
  }
  for (size_t i = 0; i < witnesses_.size(); ++i) {
    if (!lines[i].empty()) continue;
    std::string line = Submit(i, size, note);
    if (line.empty()) continue;
    absl::MutexLock l(&mu_);
    if (note_ == note) lines_[i] = std::move(line);
  }
}

std::string WitnessCollector::Submit(size_t i, uint64_t size, const std::string& note) {
  const WitnessEndpoint& w = witnesses_[i];
  // "http://host:port/prefix" -> client for "http://host:port", path "/prefix/add-checkpoint".
  const size_t scheme = w.url.find("://") + 3;
  const size_t slash = w.url.find('/', scheme);
  const std::string base = slash == std::string::npos ? w.url : w.url.substr(0, slash);
  const std::string path =
      (slash == std::string::npos ? std::string() : w.url.substr(slash)) + "/add-checkpoint";
  httplib::Client client(base);
  client.set_connection_timeout(absl::ToChronoSeconds(options_.timeout));
  client.set_read_timeout(absl::ToChronoSeconds(options_.timeout));
  client.set_write_timeout(absl::ToChronoSeconds(options_.timeout));
  for (int attempt = 0; attempt < 2; ++attempt) {
    const uint64_t old = state_[i].size;
    if (old > size) {
      VLOG_WARNING << "witness " << w.key.name << " cosigned size " << old
                   << ", larger than the log's " << size;
      return "";
    }
    std::string body = absl::StrCat("old ", old, "\n");
    if (old > 0 && old < size) {
      auto proof = proof_(old, size);
      if (!proof.ok()) {
        VLOG_WARNING << "witness " << w.key.name << ": no consistency proof " << old << " -> "
                     << size << ": " << proof.status().message();
        return "";
      }
      for (const log::Hash& h : *proof)
        absl::StrAppend(&body, absl::Base64Escape(log::HashBytes(h)), "\n");
    }
    absl::StrAppend(&body, "\n", note);
    auto res = client.Post(path.c_str(), body, "text/plain");
    if (!res) {
      VLOG_WARNING << "witness " << w.key.name << ": " << httplib::to_string(res.error());
      return "";
    }
    if (res->status == 409 && res->get_header_value("Content-Type") == "text/x.tlog.size") {
      uint64_t known = 0;
      if (!absl::SimpleAtoi(absl::StripSuffix(res->body, "\n"), &known)) return "";
      state_[i].size = known;
      continue;  // again, from the size the witness has
    }
    if (res->status != 200) {
      VLOG_WARNING << "witness " << w.key.name << " answered " << res->status << ": "
                   << res->body.substr(0, 200);
      return "";
    }
    // Keep only the line of this witness' key, and only if it verifies.
    std::vector<client::WitnessKey> keys = {w.key};
    for (absl::string_view line : absl::StrSplit(res->body, '\n', absl::SkipEmpty())) {
      const std::string l = absl::StrCat(line, "\n");
      auto n = client::CountCosignatures(note + l, keys);
      if (n.ok() && *n == 1) {
        state_[i].size = size;
        return l;
      }
    }
    VLOG_WARNING << "witness " << w.key.name << " returned no valid cosignature";
    return "";
  }
  return "";
}

}  // namespace vouch::server
