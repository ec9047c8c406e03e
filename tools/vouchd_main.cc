// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// vouchd: the Vouch server. `vouchd --help` lists the flags; README.md explains them.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/flags.h"
#include "base/logging.h"
#include "server/data_dir.h"
#include "server/vouchd.h"

ABSL_FLAG(std::string, data_dir, "",
          "Directory for the key files and the SQLite database (created if absent).");
ABSL_FLAG(std::string, storage, "",
          "Where the log and the CA's records live: empty for SQLite in DATA_DIR/vouch.db, or a "
          "PostgreSQL URL postgres://USER[:PASSWORD]@HOST:PORT/DB[?options] (schema created and "
          "migrated by vouchd; the password may also come from $PGPASSWORD or ~/.pgpass).");
ABSL_FLAG(std::string, http_addr, "127.0.0.1:8080",
          "HTTP listen address HOST:PORT (port 0 = any free port).");
ABSL_FLAG(std::string, grpc_addr, "127.0.0.1:8081",
          "gRPC listen address HOST:PORT (port 0 = any free port).");
ABSL_FLAG(std::string, ready_file, "", "Once serving, write the actual addresses here as JSON.");
ABSL_FLAG(int64_t, max_body_bytes, 4 << 20, "Largest accepted request body in bytes (413 above).");
ABSL_FLAG(int64_t, max_connections, 20000,
          "Most open HTTP connections; beyond: new ones get 503 and are closed.");
ABSL_FLAG(absl::Duration, http_idle_timeout, absl::Seconds(60),
          "An idle keep-alive HTTP connection is closed after this long.");
ABSL_FLAG(absl::Duration, http_head_timeout, absl::Seconds(10),
          "Time allowed for a whole HTTP request head (408 and close after).");
ABSL_FLAG(absl::Duration, http_body_timeout, absl::Seconds(30),
          "Time allowed for a whole HTTP request body (408 and close after).");
ABSL_FLAG(int, http_io_threads, 1, "HTTP event-loop threads.");
ABSL_FLAG(int, http_worker_threads, 32,
          "Threads for HTTP handlers that may block (CA, reads, admission).");
ABSL_FLAG(std::string, admission_policy, "",
          "Serve the Kubernetes admission webhook with the image policies in this file or "
          "directory (docs/policy.md). SIGHUP reloads the policies, the namespace labels and the "
          "TLS certificate and key.");
ABSL_FLAG(std::string, admission_addr, "127.0.0.1:8443",
          "HTTPS listen address of the admission webhook.");
ABSL_FLAG(std::string, admission_tls_cert, "", "Admission webhook TLS certificate chain (PEM).");
ABSL_FLAG(std::string, admission_tls_key, "", "Admission webhook TLS private key (PEM).");
ABSL_FLAG(std::string, admission_trusted_root, "",
          "Trusted root for policies that name none (default: this vouchd's own).");
ABSL_FLAG(std::string, admission_audit_log, "",
          "Append one JSON line per admission decision to this file.");
ABSL_FLAG(std::string, admission_namespace_labels, "",
          "YAML/JSON map namespace -> {label: value} for policies' namespace selectors; a "
          "namespace it does not list has unknown labels (label-selected policies apply).");
ABSL_FLAG(int, grpc_max_threads, 512,
          "Most gRPC request threads (idle ones are kept for reuse); beyond: RESOURCE_EXHAUSTED.");
ABSL_FLAG(std::string, log_origin, "",
          "Checkpoint origin line of a new log (default: \"<log name> - <log id prefix>\"); fixed "
          "when the log is created, a different value later is an error.");
ABSL_FLAG(std::string, log_name, "",
          "Checkpoint signer name of a new log, e.g. its host name (default: the HTTP host); fixed "
          "when the log is created, a different value later is an error.");
ABSL_FLAG(bool, new_log, false,
          "Start a new log although the log key exists (its vouch.db being gone, empty or "
          "unreadable): moves the old key, database remains and published checkpoint aside.");
ABSL_FLAG(bool, verify_storage, false,
          "Check every entry, SET, tile and checkpoint in --data-dir, print a report and exit (0 "
          "clean, 1 with the problems found). Can run next to a serving vouchd.");
ABSL_FLAG(int64_t, verify_problems, 20, "Problems named by --verify-storage (all are counted).");
ABSL_FLAG(double, verify_rate, 1000,
          "Entries per second the background verifier checks while serving; 0 = off.");
ABSL_FLAG(std::string, log_key_type, "ecdsa-p256",
          "Log key generated on first start: ecdsa-p256 or ed25519.");
ABSL_FLAG(int64_t, batch_size, 1024, "Most entries committed in one group commit.");
ABSL_FLAG(int64_t, max_pending_appends, 65536,
          "Most appends waiting to be sequenced; more are refused at once (gRPC "
          "RESOURCE_EXHAUSTED, HTTP 429).");
ABSL_FLAG(absl::Duration, sequencer_lease, absl::Seconds(3),
          "With --storage postgres://...: front ends sharing the database take turns to sequence "
          "under a lease of this length, renewed every third of it; after a sequencer dies another "
          "front end takes over once it expires (docs/operations.md). 1s to 60s.");
ABSL_FLAG(absl::Duration, batch_linger, absl::ZeroDuration(),
          "How long a group commit waits for more entries (e.g. 2ms).");
ABSL_FLAG(bool, ca, true, "Serve the CA, timestamp authority and trust-root endpoints.");
ABSL_FLAG(bool, ct, true,
          "With the CA: run its RFC 6962 certificate transparency log (/ct/v1/, DATA_DIR/ct.db, "
          "ct_key.pem): every certificate carries an SCT and the trusted root lists the log.");
ABSL_FLAG(bool, rotate_ct_key, false,
          "Once, at a start: retire the CT log key (its public half to DATA_DIR/retired/"
          "ct_key.<now>.pem, listed in the trusted root until now; ct.db and ct_key.pem moved "
          "aside) and start a new CT log under a new key.");
ABSL_FLAG(std::string, issuers_config, "", "OIDC issuer configuration file (docs/ca.md).");
ABSL_FLAG(std::vector<std::string>, oidc_issuer, {},
          "Extra trusted OIDC issuer URLs (comma-separated; discovery, email identities).");
ABSL_FLAG(std::string, public_url, "",
          "How clients reach this server (default http://<HTTP address>).");
ABSL_FLAG(std::string, pkcs11_module, "", "PKCS#11 module for the CA key (default SoftHSM2's).");
ABSL_FLAG(
    std::string, pkcs11_key_uri, "",
    "PKCS#11 URI of the CA key (e.g. pkcs11:token=vouch;object=ca); PIN from $VOUCH_PKCS11_PIN.");
ABSL_FLAG(std::vector<std::string>, witness, {},
          "C2SP tlog-witnesses as URL,VKEY pairs (URL1,VKEY1,URL2,VKEY2,...): new checkpoints are "
          "sent to them and the cosigned one is served at /checkpoint/witnessed.");
ABSL_FLAG(bool, tuf, true, "Serve the TUF mirror at /tuf/ (docs/trust.md).");
ABSL_FLAG(std::string, tuf_dir, "",
          "TUF repository directory written by vouch-tuf (default DATA_DIR/tuf). Not with "
          "--storage postgres://...: then the TUF metadata is in the database (schema "
          "vouch_tuf), published with vouch-tuf publish --storage.");
ABSL_FLAG(std::string, publish_dir, "",
          "Publish the checkpoint, tiles and entry bundles to this directory for a plain web "
          "server (static reads, docs/operations.md).");
ABSL_FLAG(std::string, log_level, "info", "Log level: debug, info, warning or error.");

int main(int argc, char** argv) {
  // Debian's abseil is built without NDEBUG, which turns on absl::Mutex deadlock detection: a
  // global graph updated on every lock (measured in the append path's profile). The unit tests
  // keep it; the server does not pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::vector<std::string> rest = vouch::ParseFlags(
      argc, argv,
      "Vouch transparency-log signing server.\n\n"
      "usage: vouchd --data-dir DIR [--http-addr HOST:PORT] [--grpc-addr HOST:PORT] "
      "[--ready-file FILE]\n(flag names may be written with - or _)",
      "tools/vouchd_main.cc");
  if (rest.size() > 1) {
    std::fprintf(stderr, "vouchd: unexpected argument '%s' (see --help)\n", rest[1].c_str());
    return 2;
  }
  vouch::LogLevel level;
  if (!vouch::ParseLogLevel(absl::GetFlag(FLAGS_log_level), &level)) {
    std::fprintf(stderr, "vouchd: --log-level must be debug, info, warning or error\n");
    return 2;
  }
  vouch::SetMinLogLevel(level);

  if (absl::GetFlag(FLAGS_verify_storage)) {
    const int64_t max_problems = absl::GetFlag(FLAGS_verify_problems);
    if (max_problems < 1) {
      std::fprintf(stderr, "vouchd: --verify-problems must be positive\n");
      return 2;
    }
    const std::string dir = absl::GetFlag(FLAGS_data_dir);
    if (dir.empty()) {
      std::fprintf(stderr, "vouchd: --verify-storage needs --data-dir\n");
      return 2;
    }
    auto report = vouch::server::VerifyDataDir(dir, static_cast<size_t>(max_problems),
                                               absl::GetFlag(FLAGS_storage));
    if (!report.ok()) {
      std::fprintf(stderr, "vouchd: --verify-storage: %s\n",
                   std::string(report.status().message()).c_str());
      return 1;
    }
    std::printf("vouchd --verify-storage %s: %s", dir.c_str(), report->ToString().c_str());
    bool ok = report->ok();
    // The certificate transparency log, when there is one.
    const vouch::server::LogFiles ct = vouch::server::LogFiles::Ct(dir);
    const std::string storage = absl::GetFlag(FLAGS_storage);
    if (::access(ct.key.c_str(), F_OK) == 0 ||
        (storage.empty() && ::access(ct.db.c_str(), F_OK) == 0)) {
      // With PostgreSQL the CT log is in the same database, schema vouch_ct.
      auto ct_report =
          vouch::server::VerifyDataDir(ct, static_cast<size_t>(max_problems), storage, "vouch_ct");
      if (!ct_report.ok()) {
        std::fprintf(stderr, "vouchd: --verify-storage (CT log): %s\n",
                     std::string(ct_report.status().message()).c_str());
        return 1;
      }
      std::printf("vouchd --verify-storage %s (CT log): %s", dir.c_str(),
                  ct_report->ToString().c_str());
      ok = ok && ct_report->ok();
    }
    return ok ? 0 : 1;
  }

  // Block the stop signals and SIGHUP (reload) in every thread; main waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // A file size limit (ulimit -f) reached by the database is an I/O error the log reports
  // (appends 503, health NOT_SERVING), not a signal that kills the server.
  signal(SIGXFSZ, SIG_IGN);

  vouch::server::Options options;
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.storage = absl::GetFlag(FLAGS_storage);
  options.http_addr = absl::GetFlag(FLAGS_http_addr);
  options.grpc_addr = absl::GetFlag(FLAGS_grpc_addr);
  options.ready_file = absl::GetFlag(FLAGS_ready_file);
  const int64_t max_body = absl::GetFlag(FLAGS_max_body_bytes);
  if (max_body <= 0) {
    std::fprintf(stderr, "vouchd: --max-body-bytes must be positive\n");
    return 2;
  }
  options.http.max_body_bytes = static_cast<size_t>(max_body);
  const int64_t max_connections = absl::GetFlag(FLAGS_max_connections);
  if (max_connections < 1 || max_connections > 10000000) {
    std::fprintf(stderr, "vouchd: --max-connections must be 1..10000000\n");
    return 2;
  }
  options.http.max_connections = static_cast<size_t>(max_connections);
  options.http.idle_timeout = absl::GetFlag(FLAGS_http_idle_timeout);
  options.http.head_timeout = absl::GetFlag(FLAGS_http_head_timeout);
  options.http.body_timeout = absl::GetFlag(FLAGS_http_body_timeout);
  for (absl::Duration d :
       {options.http.idle_timeout, options.http.head_timeout, options.http.body_timeout}) {
    if (d <= absl::ZeroDuration() || d > absl::Hours(1)) {
      std::fprintf(stderr, "vouchd: --http-*-timeout must be more than 0 and at most 1h\n");
      return 2;
    }
  }
  options.http.io_threads = absl::GetFlag(FLAGS_http_io_threads);
  options.http.worker_threads = absl::GetFlag(FLAGS_http_worker_threads);
  if (options.http.io_threads < 1 || options.http.io_threads > 64 ||
      options.http.worker_threads < 1 || options.http.worker_threads > 4096) {
    std::fprintf(stderr,
                 "vouchd: --http-io-threads must be 1..64, --http-worker-threads 1..4096\n");
    return 2;
  }
  // Each connection is a file descriptor: use all the process may have.
  struct rlimit nofile;
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
  }

  options.grpc_max_threads = absl::GetFlag(FLAGS_grpc_max_threads);
  if (options.grpc_max_threads < 4 || options.grpc_max_threads > 65536) {
    std::fprintf(stderr, "vouchd: --grpc-max-threads must be 4..65536\n");
    return 2;
  }
  options.log_origin = absl::GetFlag(FLAGS_log_origin);
  options.log_name = absl::GetFlag(FLAGS_log_name);
  options.new_log = absl::GetFlag(FLAGS_new_log);
  options.verify_rate = absl::GetFlag(FLAGS_verify_rate);
  if (!(options.verify_rate >= 0) || options.verify_rate > 1e9) {
    std::fprintf(stderr, "vouchd: --verify-rate must be 0..1e9 entries per second\n");
    return 2;
  }
  const std::string key_type = absl::GetFlag(FLAGS_log_key_type);
  if (key_type == "ecdsa-p256") {
    options.log_key_type = vouch::signer::KeyType::kEcdsaP256;
  } else if (key_type == "ed25519") {
    options.log_key_type = vouch::signer::KeyType::kEd25519;
  } else {
    std::fprintf(stderr, "vouchd: --log-key-type must be ecdsa-p256 or ed25519\n");
    return 2;
  }
  const int64_t batch = absl::GetFlag(FLAGS_batch_size);
  if (batch < 1 || batch > 100000) {
    std::fprintf(stderr, "vouchd: --batch-size must be 1..100000\n");
    return 2;
  }
  options.log_max_batch = static_cast<size_t>(batch);
  const int64_t pending = absl::GetFlag(FLAGS_max_pending_appends);
  if (pending < 1 || pending > 10000000) {
    std::fprintf(stderr, "vouchd: --max-pending-appends must be 1..10000000\n");
    return 2;
  }
  options.log_max_pending = static_cast<size_t>(pending);
  options.log_linger = absl::GetFlag(FLAGS_batch_linger);
  options.sequencer_lease = absl::GetFlag(FLAGS_sequencer_lease);
  if (options.sequencer_lease < absl::Seconds(1) || options.sequencer_lease > absl::Seconds(60)) {
    std::fprintf(stderr, "vouchd: --sequencer-lease must be 1s to 60s\n");
    return 2;
  }
  if (options.log_linger < absl::ZeroDuration() || options.log_linger > absl::Seconds(1)) {
    std::fprintf(stderr, "vouchd: --batch-linger must be 0..1s\n");
    return 2;
  }

  options.enable_ca = absl::GetFlag(FLAGS_ca);
  options.witnesses = absl::GetFlag(FLAGS_witness);
  options.enable_ct = absl::GetFlag(FLAGS_ct);
  options.rotate_ct_key = absl::GetFlag(FLAGS_rotate_ct_key);
  if (options.rotate_ct_key && !(options.enable_ca && options.enable_ct)) {
    std::fprintf(stderr, "vouchd: --rotate-ct-key needs the CA and its CT log (--ca --ct)\n");
    return 2;
  }
  options.issuers_config = absl::GetFlag(FLAGS_issuers_config);
  options.oidc_issuers = absl::GetFlag(FLAGS_oidc_issuer);
  options.public_url = absl::GetFlag(FLAGS_public_url);
  options.enable_tuf = absl::GetFlag(FLAGS_tuf);
  options.tuf_dir = absl::GetFlag(FLAGS_tuf_dir);
  options.publish_dir = absl::GetFlag(FLAGS_publish_dir);
  options.pkcs11_module = absl::GetFlag(FLAGS_pkcs11_module);
  options.pkcs11_key_uri = absl::GetFlag(FLAGS_pkcs11_key_uri);
  if (const char* pin = std::getenv("VOUCH_PKCS11_PIN")) options.pkcs11_pin = pin;
  options.admission_policy = absl::GetFlag(FLAGS_admission_policy);
  options.admission_addr = absl::GetFlag(FLAGS_admission_addr);
  options.admission_tls_cert = absl::GetFlag(FLAGS_admission_tls_cert);
  options.admission_tls_key = absl::GetFlag(FLAGS_admission_tls_key);
  options.admission_trusted_root = absl::GetFlag(FLAGS_admission_trusted_root);
  options.admission_audit_log = absl::GetFlag(FLAGS_admission_audit_log);
  options.admission_namespace_labels = absl::GetFlag(FLAGS_admission_namespace_labels);

  auto server = vouch::server::Vouchd::New(options);
  if (!server.ok()) {
    std::fprintf(stderr, "vouchd: %s\n", std::string(server.status().message()).c_str());
    return 1;
  }
  absl::Status started = (*server)->Start();
  if (!started.ok()) {
    std::fprintf(stderr, "vouchd: %s\n", std::string(started.message()).c_str());
    return 1;
  }
  int sig = 0;
  for (;;) {
    sigwait(&stop_signals, &sig);
    if (sig != SIGHUP) break;
    // Reload: the admission policies, namespace labels and TLS certificate (each kept as it was
    // when its new version is refused; Reload logs and counts why).
    VLOG_INFO << "received SIGHUP, reloading";
    absl::Status reloaded = (*server)->Reload();
    if (reloaded.ok()) VLOG_INFO << "reloaded";
  }
  VLOG_INFO << "received " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping";
  (*server)->Stop();
  server->reset();
  VLOG_INFO << "stopped";
  return 0;
}
