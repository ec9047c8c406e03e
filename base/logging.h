// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// A small leveled logger (abseil 20220623 has no absl/log): one line per event on stderr,
//   2026-11-23T18:40:01.123456Z I vouchd.cc:42] serving http on 127.0.0.1:8080
// Thread-safe: each line is written with one write(2).
//
//   VLOG_INFO << "appended " << n << " entries";
//   VLOG_ERROR << status;
#ifndef VOUCH_BASE_LOGGING_H_
#define VOUCH_BASE_LOGGING_H_

#include <sstream>
#include <string>

namespace vouch {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Lines below |level| are dropped. Default kInfo; VOUCH_LOG_LEVEL=debug|info|warning|error
// in the environment sets the initial value.
void SetMinLogLevel(LogLevel level);
LogLevel MinLogLevel();
// Parses "debug", "info", "warning", "error"; returns false on anything else.
bool ParseLogLevel(const std::string& text, LogLevel* level);

// Collects one line and writes it when destroyed.
class LogMessage {
 public:
  LogMessage(LogLevel level, const char* file, int line);
  ~LogMessage();
  LogMessage(const LogMessage&) = delete;
  LogMessage& operator=(const LogMessage&) = delete;
  std::ostream& stream() { return stream_; }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};

// Swallows the stream when the level is disabled, without evaluating the operands.
struct LogVoidify {
  void operator&(std::ostream&) {}
};

}  // namespace vouch

#define VOUCH_LOG_(lvl)                             \
  (::vouch::LogLevel::lvl < ::vouch::MinLogLevel()) \
      ? (void)0                                     \
      : ::vouch::LogVoidify() &                     \
            ::vouch::LogMessage(::vouch::LogLevel::lvl, __FILE__, __LINE__).stream()

#define VLOG_DEBUG VOUCH_LOG_(kDebug)
#define VLOG_INFO VOUCH_LOG_(kInfo)
#define VLOG_WARNING VOUCH_LOG_(kWarning)
#define VLOG_ERROR VOUCH_LOG_(kError)

#endif  // VOUCH_BASE_LOGGING_H_
