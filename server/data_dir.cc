// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/data_dir.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include <cstring>
#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "base/logging.h"
#include "base/status.h"
#include "log/postgres_storage.h"
#include "log/sqlite_storage.h"
#include "signer/openssl_crypto.h"

namespace vouch::server {
namespace {

// Size of |path|, or std::nullopt if it does not exist.
absl::StatusOr<std::optional<off_t>> FileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return std::optional<off_t>(st.st_size);
  if (errno == ENOENT) return std::optional<off_t>();
  return absl::FailedPreconditionError(absl::StrCat(path, ": ", std::strerror(errno)));
}

// The size of the log in |db| if it opens and holds one.
std::optional<uint64_t> ReadableLogSize(const std::string& db) {
  auto storage = log::SqliteStorage::OpenReadOnly(db);
  if (!storage.ok()) return std::nullopt;
  std::optional<log::TreeState> state;
  absl::Status s = (*storage)->ReadTx([&](log::LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(state, r.ReadTreeState());
    return absl::OkStatus();
  });
  if (!s.ok() || !state.has_value()) return std::nullopt;
  return state->size;
}

}  // namespace

LogFiles LogFiles::In(const std::string& data_dir) {
  return LogFiles{data_dir + "/vouch.db", data_dir + "/log_key.pem",
                  data_dir + "/published_checkpoint", kLogFilesAdvice};
}

LogFiles LogFiles::Ct(const std::string& data_dir) {
  return LogFiles{data_dir + "/ct.db", data_dir + "/ct_key.pem",
                  data_dir + "/ct_published_checkpoint", kCtLogFilesAdvice};
}

absl::StatusOr<bool> PrepareLogFiles(const std::string& data_dir, bool new_log, absl::Time now) {
  return PrepareLogFiles(LogFiles::In(data_dir), new_log, now);
}

absl::StatusOr<bool> PrepareLogFiles(const LogFiles& f, bool new_log, absl::Time now) {
  if (new_log) {
    if (std::optional<uint64_t> size = ReadableLogSize(f.db)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--new-log: ", f.db, " holds a log of ", *size,
          " entries; refusing to set it aside (move it away yourself if you mean to retire that "
          "log, and keep its key)"));
    }
    const std::string suffix =
        absl::StrCat(".retired-", absl::FormatTime("%Y%m%dT%H%M%SZ", now, absl::UTCTimeZone()));
    for (const std::string& path :
         {f.key, f.published_checkpoint, f.db, f.db + "-wal", f.db + "-shm"}) {
      VOUCH_ASSIGN_OR_RETURN(std::optional<off_t> size, FileSize(path));
      if (!size.has_value()) continue;
      const std::string to = path + suffix;
      if (::rename(path.c_str(), to.c_str()) != 0) {
        return absl::FailedPreconditionError(
            absl::StrCat("--new-log: cannot move ", path, " to ", to, ": ", std::strerror(errno)));
      }
      VLOG_WARNING << "--new-log: moved " << path << " to " << to;
    }
  }
  VOUCH_ASSIGN_OR_RETURN(std::optional<off_t> key, FileSize(f.key));
  if (!key.has_value()) return true;
  VOUCH_ASSIGN_OR_RETURN(std::optional<off_t> db, FileSize(f.db));
  if (!db.has_value() || *db == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        f.key, " exists but ", f.db, db.has_value() ? " is empty" : " is missing",
        ": the log this key signed is gone, and a new log under the same key would contradict "
        "every checkpoint it signed; ",
        f.advice));
  }
  return false;
}

absl::StatusOr<std::string> RetireCtLog(const std::string& data_dir, absl::Time now) {
  const LogFiles f = LogFiles::Ct(data_dir);
  absl::StatusOr<std::string> pem = ReadSmallFile(f.key);
  if (!pem.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("--rotate-ct-key: no CT log key to retire (", pem.status().message(), ")"));
  }
  auto key = signer::OpenSslSigner::FromPem(*pem);
  if (!key.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("--rotate-ct-key: ", f.key, ": ", key.status().message()));
  }
  const std::string retired_dir = data_dir + "/retired";
  if (::mkdir(retired_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::FailedPreconditionError(
        absl::StrCat("--rotate-ct-key: cannot create ", retired_dir, ": ", std::strerror(errno)));
  }
  const std::string retired =
      absl::StrCat(retired_dir, "/ct_key.", absl::ToUnixSeconds(now), ".pem");
  VOUCH_ASSIGN_OR_RETURN(std::optional<off_t> existing, FileSize(retired));
  if (existing.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("--rotate-ct-key: ", retired, " already exists; try again in a second"));
  }
  // The public half first: should moving the files fail, the old key is still listed.
  VOUCH_RETURN_IF_ERROR(
      WriteFileAtomically(retired, signer::PublicKeyDerToPem((*key)->PublicKeyDer()), 0644));
  const std::string suffix =
      absl::StrCat(".retired-", absl::FormatTime("%Y%m%dT%H%M%SZ", now, absl::UTCTimeZone()));
  for (const std::string& path :
       {f.key, f.published_checkpoint, f.db, f.db + "-wal", f.db + "-shm"}) {
    VOUCH_ASSIGN_OR_RETURN(std::optional<off_t> size, FileSize(path));
    if (!size.has_value()) continue;
    const std::string to = path + suffix;
    if (::rename(path.c_str(), to.c_str()) != 0) {
      return absl::FailedPreconditionError(absl::StrCat("--rotate-ct-key: cannot move ", path,
                                                        " to ", to, ": ", std::strerror(errno)));
    }
    VLOG_WARNING << "--rotate-ct-key: moved " << path << " to " << to;
  }
  VLOG_WARNING << "--rotate-ct-key: the retired CT log key is listed from " << retired;
  return retired;
}

absl::StatusOr<log::LogIdentity> LogIdentityFor(const std::optional<log::LogIdentity>& stored,
                                                const std::string& log_name,
                                                const std::string& log_origin,
                                                const std::string& http_host,
                                                const std::string& key_der, const std::string& db) {
  if (stored.has_value()) {
    if (!log_name.empty() && log_name != stored->signer_name) {
      return absl::FailedPreconditionError(
          absl::StrCat("--log-name=", log_name, " contradicts the log's signer name \"",
                       stored->signer_name, "\", fixed when it was created (", db,
                       "); omit --log-name or pass --log-name=", stored->signer_name));
    }
    if (!log_origin.empty() && log_origin != stored->origin) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--log-origin=\"", log_origin, "\" contradicts the log's origin \"", stored->origin,
          "\", fixed when it was created (", db, "); omit --log-origin or pass that value"));
    }
    return *stored;
  }
  log::LogIdentity id;
  id.signer_name = log_name.empty() ? http_host : log_name;
  if (id.signer_name.empty() || id.signer_name.find_first_of(" +\t\n") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("--log-name=\"", id.signer_name,
                                                   "\": must be non-empty without spaces or '+'"));
  }
  id.origin = log_origin;
  if (id.origin.empty()) {
    id.origin = absl::StrCat(id.signer_name, " - ",
                             absl::BytesToHexString(signer::Sha256(key_der)).substr(0, 16));
  }
  return id;
}

absl::StatusOr<log::IntegrityReport> VerifyDataDir(const std::string& data_dir, size_t max_problems,
                                                   const std::string& storage_url) {
  return VerifyDataDir(LogFiles::In(data_dir), max_problems, storage_url);
}

absl::StatusOr<log::IntegrityReport> VerifyDataDir(const LogFiles& f, size_t max_problems,
                                                   const std::string& storage_url,
                                                   const std::string& postgres_schema) {
  std::unique_ptr<log::LogStorage> storage;
  if (storage_url.empty()) {
    VOUCH_ASSIGN_OR_RETURN(storage, log::SqliteStorage::OpenReadOnly(f.db));
  } else if (log::IsPostgresUrl(storage_url)) {
    log::PostgresOptions po;
    po.schema = postgres_schema;
    VOUCH_ASSIGN_OR_RETURN(storage, log::PostgresStorage::OpenReadOnly(storage_url, po));
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--storage=\"", storage_url, "\": want a postgres:// or postgresql:// URL"));
  }
  absl::StatusOr<std::string> pem = ReadSmallFile(f.key);
  if (!pem.ok()) return absl::FailedPreconditionError(pem.status().message());
  auto key = signer::OpenSslSigner::FromPem(*pem);
  if (!key.ok()) return Annotate(key.status(), f.key);
  VOUCH_ASSIGN_OR_RETURN(auto verifier, signer::OpenSslVerifier::FromDer((*key)->PublicKeyDer()));
  log::IntegrityOptions options;
  options.max_problems = max_problems;
  options.threads = 0;  // Every core.
  return log::VerifyStorage(storage.get(), *verifier, f.published_checkpoint, options);
}

}  // namespace vouch::server
