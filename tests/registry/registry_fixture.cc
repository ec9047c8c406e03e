// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "tests/registry/registry_fixture.h"

#include <crypt.h>
#include <fcntl.h>
#include <httplib.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "signer/jwt.h"
#include "signer/openssl_crypto.h"

namespace vouch::testing {
namespace {

using json = nlohmann::json;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

absl::Status WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

std::string Sha256Hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  return absl::BytesToHexString(std::string(reinterpret_cast<char*>(md), n));
}

absl::Status Run(const std::vector<std::string>& argv) {
  std::string output;
  const int rc = RunCommand(argv, &output);
  if (rc != 0) {
    return absl::InternalError(
        absl::StrCat(absl::StrJoin(argv, " "), " exited ", rc, ": ", output.substr(0, 2000)));
  }
  return absl::OkStatus();
}

// A bcrypt hash (cost 4: the minimum, fast) that distribution's htpasswd accepts.
absl::StatusOr<std::string> Bcrypt(const std::string& password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2b$", 4, nullptr, 0, salt, sizeof(salt)) == nullptr) {
    return absl::InternalError("crypt_gensalt_rn($2b$) failed");
  }
  struct crypt_data data = {};
  const char* hash = crypt_r(password.c_str(), salt, &data);
  if (hash == nullptr || hash[0] == '*') return absl::InternalError("crypt_r(bcrypt) failed");
  return std::string(hash);
}

void StopPid(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return;
    absl::SleepFor(absl::Milliseconds(50));
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
}

}  // namespace

int RunCommand(const std::vector<std::string>& argv, std::string* output) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) output->append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TempDir::TempDir() {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string templ = absl::StrCat(base != nullptr ? base : "/tmp", "/vouch-oci-XXXXXX");
  char* made = mkdtemp(templ.data());
  path_ = made != nullptr ? made : "";
}

TempDir::~TempDir() {
  if (!path_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
}

// ---------------------------------------------------------------------------- token server

class TokenServer {
 public:
  static absl::StatusOr<std::unique_ptr<TokenServer>> Start(const std::string& dir,
                                                            const RegistryConfig& config) {
    auto ts = std::unique_ptr<TokenServer>(new TokenServer());
    ts->config_ = config;
    ts->cert_file_ = dir + "/token.pem";
    const std::string key_file = dir + "/token.key";
    absl::Status s = Run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                          "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key_file, "-out",
                          ts->cert_file_, "-subj", "/CN=vouch test token issuer", "-days", "2"});
    if (!s.ok()) return s;
    auto signer = signer::OpenSslSigner::FromPem(ReadFile(key_file));
    if (!signer.ok()) return signer.status();
    ts->signer_ = *std::move(signer);
    const std::string pem = ReadFile(ts->cert_file_);
    auto der = signer::PemToDer(pem, "CERTIFICATE");
    if (!der.ok()) return der.status();
    ts->cert_b64_ = absl::Base64Escape(*der);
    ts->server_ = std::make_unique<httplib::Server>();
    TokenServer* self = ts.get();
    ts->server_->Get("/token", [self](const httplib::Request& req, httplib::Response& res) {
      self->Handle(req, res);
    });
    ts->port_ = ts->server_->bind_to_any_port("127.0.0.1");
    if (ts->port_ <= 0) return absl::InternalError("token server: cannot bind");
    ts->thread_ = std::thread([self] { self->server_->listen_after_bind(); });
    return ts;
  }

  ~TokenServer() {
    server_->stop();
    if (thread_.joinable()) thread_.join();
  }

  std::string realm() const { return absl::StrCat("http://127.0.0.1:", port_, "/token"); }
  const std::string& cert_file() const { return cert_file_; }
  std::vector<std::string> scopes() const {
    absl::MutexLock lock(&mu_);
    return scopes_;
  }

 private:
  TokenServer() = default;

  void Handle(const httplib::Request& req, httplib::Response& res) {
    std::vector<std::string> scopes;
    for (size_t i = 0; i < req.get_param_value_count("scope"); ++i) {
      scopes.push_back(req.get_param_value("scope", i));
    }
    {
      absl::MutexLock lock(&mu_);
      scopes_.push_back(absl::StrJoin(scopes, " "));
    }
    const std::string want = absl::StrCat(
        "Basic ", absl::Base64Escape(absl::StrCat(config_.username, ":", config_.password)));
    if (req.get_header_value("Authorization") != want) {
      res.status = 401;
      res.set_content(
          R"({"errors":[{"code":"UNAUTHORIZED","message":"token server: wrong or no credentials"}]})",
          "application/json");
      return;
    }
    json access = json::array();
    for (const std::string& scope : scopes) {
      std::vector<std::string> parts = absl::StrSplit(scope, ':');
      if (parts.size() != 3) continue;
      access.push_back(
          {{"type", parts[0]}, {"name", parts[1]}, {"actions", absl::StrSplit(parts[2], ',')}});
    }
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    json claims = {{"iss", "vouch-test-issuer"},
                   {"sub", config_.username},
                   {"aud", "vouch-test-registry"},
                   {"exp", now + 300},
                   {"nbf", now - 10},
                   {"iat", now},
                   {"jti", absl::StrCat(now, "-", counter_++)},
                   {"access", access}};
    json header = {{"alg", "ES256"}, {"typ", "JWT"}, {"x5c", {cert_b64_}}};
    const std::string input = absl::StrCat(signer::Base64UrlEncode(header.dump()), ".",
                                           signer::Base64UrlEncode(claims.dump()));
    auto der = signer_->Sign(input);
    auto raw = der.ok() ? signer::EcdsaDerToRaw(*der, 32) : der;
    if (!raw.ok()) {
      res.status = 500;
      return;
    }
    const std::string token = absl::StrCat(input, ".", signer::Base64UrlEncode(*raw));
    res.set_content(json({{"token", token}, {"access_token", token}, {"expires_in", 300}}).dump(),
                    "application/json");
  }

  RegistryConfig config_;
  std::string cert_file_;
  std::string cert_b64_;
  std::unique_ptr<signer::OpenSslSigner> signer_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> counter_{0};
  mutable absl::Mutex mu_;
  std::vector<std::string> scopes_ ABSL_GUARDED_BY(mu_);
};

// ---------------------------------------------------------------------------- registry

absl::StatusOr<std::unique_ptr<TestRegistry>> TestRegistry::Start(const RegistryConfig& config) {
  auto r = std::unique_ptr<TestRegistry>(new TestRegistry());
  r->config_ = config;
  const std::string dir = r->dir_.path();
  if (dir.empty()) return absl::InternalError("mkdtemp failed");
  std::string yaml = absl::StrCat(
      "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: true\n"
      "storage:\n  filesystem:\n    rootdirectory: ",
      dir,
      "/data\n  delete:\n    enabled: true\n"
      "http:\n  addr: 127.0.0.1:0\n  secret: vouch-test-secret\n");
  if (config.tls) {
    r->cert_dir_ = dir + "/certs";
    std::filesystem::create_directories(r->cert_dir_);
    r->ca_file_ = r->cert_dir_ + "/ca.crt";
    const std::string ca_key = dir + "/ca.key";
    const std::string key = dir + "/server.key";
    const std::string cert = dir + "/server.crt";
    for (const auto& argv : std::vector<std::vector<std::string>>{
             {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
              "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", ca_key, "-out", r->ca_file_,
              "-subj", "/CN=vouch test registry CA", "-days", "2"},
             {"openssl",
              "req",
              "-x509",
              "-newkey",
              "ec",
              "-pkeyopt",
              "ec_paramgen_curve:prime256v1",
              "-nodes",
              "-keyout",
              key,
              "-out",
              cert,
              "-subj",
              "/CN=127.0.0.1",
              "-days",
              "2",
              "-CA",
              r->ca_file_,
              "-CAkey",
              ca_key,
              "-addext",
              "subjectAltName=IP:127.0.0.1,DNS:localhost",
              "-addext",
              "basicConstraints=critical,CA:FALSE"}}) {
      absl::Status s = Run(argv);
      if (!s.ok()) return s;
    }
    absl::StrAppend(&yaml, "  tls:\n    certificate: ", cert, "\n    key: ", key, "\n");
  }
  if (config.auth == RegistryConfig::Auth::kBasic) {
    auto hash = Bcrypt(config.password);
    if (!hash.ok()) return hash.status();
    absl::Status s = WriteFile(dir + "/htpasswd", absl::StrCat(config.username, ":", *hash, "\n"));
    if (!s.ok()) return s;
    absl::StrAppend(&yaml, "auth:\n  htpasswd:\n    realm: vouch-test-realm\n    path: ", dir,
                    "/htpasswd\n");
  } else if (config.auth == RegistryConfig::Auth::kToken) {
    auto ts = TokenServer::Start(dir, config);
    if (!ts.ok()) return ts.status();
    r->token_server_ = *std::move(ts);
    absl::StrAppend(&yaml, "auth:\n  token:\n    realm: ", r->token_server_->realm(),
                    "\n    service: vouch-test-registry\n    issuer: vouch-test-issuer\n"
                    "    rootcertbundle: ",
                    r->token_server_->cert_file(), "\n");
  }
  absl::Status s = WriteFile(dir + "/config.yml", yaml);
  if (!s.ok()) return s;
  const std::string log = dir + "/registry.log";
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 1);
    dup2(fd, 2);
    const std::string config_path = dir + "/config.yml";
    execlp("docker-registry", "docker-registry", "serve", config_path.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  r->pid_ = pid;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    const std::string text = ReadFile(log);
    const size_t at = text.find("listening on 127.0.0.1:");
    if (at != std::string::npos) {
      const size_t start = at + strlen("listening on ");
      const size_t end = text.find_first_of(", \"\n", start);
      if (end != std::string::npos) {
        r->host_ = text.substr(start, end - start);
        return r;
      }
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      r->pid_ = -1;
      return absl::InternalError(absl::StrCat("docker-registry exited: ", text.substr(0, 2000)));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("docker-registry did not start: ", ReadFile(log).substr(0, 2000)));
}

TestRegistry::~TestRegistry() {
  StopPid(pid_);
  token_server_.reset();
}

std::string TestRegistry::token_realm() const {
  return token_server_ ? token_server_->realm() : "";
}

std::vector<std::string> TestRegistry::token_scopes() const {
  return token_server_ ? token_server_->scopes() : std::vector<std::string>();
}

std::vector<std::string> TestRegistry::SkopeoFlags(bool dest) const {
  const std::string side = dest ? "--dest-" : "--src-";
  std::vector<std::string> flags;
  if (config_.tls) {
    flags.push_back(side + "cert-dir=" + cert_dir_);
  } else {
    flags.push_back(side + "tls-verify=false");
  }
  if (config_.auth != RegistryConfig::Auth::kNone) {
    flags.push_back(side + "creds=" + config_.username + ":" + config_.password);
  }
  return flags;
}

absl::Status TestRegistry::PushLayout(const std::string& layout, const std::string& tag,
                                      const std::string& repo, const std::string& dest_tag,
                                      bool all) {
  std::vector<std::string> argv = {"skopeo", "--insecure-policy", "copy", "--quiet"};
  if (all) argv.push_back("--all");
  for (const std::string& f : SkopeoFlags(true)) argv.push_back(f);
  argv.push_back(absl::StrCat("oci:", layout, ":", tag));
  argv.push_back(absl::StrCat("docker://", host_, "/", repo, ":", dest_tag));
  return Run(argv);
}

absl::Status TestRegistry::PullToLayout(const std::string& repo, const std::string& tag,
                                        const std::string& layout, const std::string& dest_tag) {
  std::vector<std::string> argv = {"skopeo", "--insecure-policy", "copy", "--quiet"};
  for (const std::string& f : SkopeoFlags(false)) argv.push_back(f);
  argv.push_back(absl::StrCat("docker://", host_, "/", repo, ":", tag));
  argv.push_back(absl::StrCat("oci:", layout, ":", dest_tag));
  return Run(argv);
}

// ---------------------------------------------------------------------------- images

absl::StatusOr<std::string> UmociImage(const std::string& layout, const std::string& tag,
                                       const std::string& content) {
  if (!std::filesystem::exists(layout + "/oci-layout")) {
    absl::Status s = Run({"umoci", "init", "--layout", layout});
    if (!s.ok()) return s;
  }
  const std::string image = layout + ":" + tag;
  const std::string bundle = layout + ".bundle-" + tag;
  for (const auto& argv : std::vector<std::vector<std::string>>{
           {"umoci", "new", "--image", image},
           {"umoci", "unpack", "--rootless", "--image", image, bundle}}) {
    absl::Status s = Run(argv);
    if (!s.ok()) return s;
  }
  absl::Status s = WriteFile(bundle + "/rootfs/hello.txt", content);
  if (!s.ok()) return s;
  s = Run({"umoci", "repack", "--image", image, bundle});
  if (!s.ok()) return s;
  std::error_code ec;
  std::filesystem::remove_all(bundle, ec);
  json index = json::parse(ReadFile(layout + "/index.json"), nullptr, false);
  if (!index.is_object()) return absl::InternalError("umoci wrote no index.json");
  for (const json& m : index["manifests"]) {
    if (m.contains("annotations") &&
        m["annotations"].value("org.opencontainers.image.ref.name", "") == tag) {
      return m["digest"].get<std::string>();
    }
  }
  return absl::InternalError("umoci: tag not in index.json");
}

absl::StatusOr<std::string> WriteMultiArchLayout(const std::string& layout, const std::string& tag,
                                                 const std::vector<std::string>& platforms) {
  const std::string blobs = layout + "/blobs/sha256";
  std::filesystem::create_directories(blobs);
  const auto put = [&](const std::string& data) {
    const std::string hex = Sha256Hex(data);
    (void)WriteFile(blobs + "/" + hex, data);
    return json{{"digest", "sha256:" + hex}, {"size", data.size()}};
  };
  json manifests = json::array();
  for (const std::string& platform : platforms) {
    std::vector<std::string> p = absl::StrSplit(platform, '/');
    const std::string layer = absl::StrCat("layer for ", platform, " (not really a tar)");
    json layer_desc = put(layer);
    layer_desc["mediaType"] = "application/vnd.oci.image.layer.v1.tar";
    json config = {{"architecture", p.size() > 1 ? p[1] : "amd64"},
                   {"os", p[0]},
                   {"rootfs", {{"type", "layers"}, {"diff_ids", {layer_desc["digest"]}}}},
                   {"config", json::object()}};
    json config_desc = put(config.dump());
    config_desc["mediaType"] = "application/vnd.oci.image.config.v1+json";
    json manifest = {{"schemaVersion", 2},
                     {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                     {"config", config_desc},
                     {"layers", {layer_desc}}};
    json desc = put(manifest.dump());
    desc["mediaType"] = "application/vnd.oci.image.manifest.v1+json";
    desc["platform"] = {{"architecture", config["architecture"]}, {"os", p[0]}};
    manifests.push_back(desc);
  }
  json index = {{"schemaVersion", 2},
                {"mediaType", "application/vnd.oci.image.index.v1+json"},
                {"manifests", manifests}};
  json index_desc = put(index.dump());
  index_desc["mediaType"] = "application/vnd.oci.image.index.v1+json";
  index_desc["annotations"] = {{"org.opencontainers.image.ref.name", tag}};
  json top = {{"schemaVersion", 2}, {"manifests", {index_desc}}};
  absl::Status s = WriteFile(layout + "/index.json", top.dump());
  if (!s.ok()) return s;
  s = WriteFile(layout + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  if (!s.ok()) return s;
  return index_desc["digest"].get<std::string>();
}

// ---------------------------------------------------------------------------- proxy

absl::StatusOr<std::unique_ptr<RegistryProxy>> RegistryProxy::Start(
    const std::string& upstream_host, Options options) {
  auto p = std::unique_ptr<RegistryProxy>(new RegistryProxy());
  p->upstream_ = upstream_host;
  p->options_ = std::move(options);
  p->server_ = std::make_unique<httplib::Server>();
  RegistryProxy* self = p.get();
  const auto handler = [self](const httplib::Request& req, httplib::Response& res) {
    const std::string path = req.path;
    {
      absl::MutexLock lock(&self->mu_);
      self->requests_.push_back(absl::StrCat(req.method, " ", path));
    }
    if (!self->options_.stall_path.empty() && absl::StrContains(path, self->options_.stall_path)) {
      while (!self->stopping_.load()) absl::SleepFor(absl::Milliseconds(20));
      return;
    }
    if (self->failed_.load() < self->options_.fail_first) {
      self->failed_++;
      res.status = self->options_.fail_status;
      if (!self->options_.retry_after.empty()) {
        res.set_header("Retry-After", self->options_.retry_after);
      }
      res.set_content(R"({"errors":[{"code":"TOOMANYREQUESTS","message":"injected failure"}]})",
                      "application/json");
      return;
    }
    const size_t ref_at = path.find("/referrers/");
    if (self->options_.referrers_api && req.method == "GET" && ref_at != std::string::npos) {
      const std::string repo = path.substr(4, ref_at - 4);
      const std::string subject = path.substr(ref_at + strlen("/referrers/"));
      const std::string filter = req.get_param_value("artifactType");
      json manifests = json::array();
      {
        absl::MutexLock lock(&self->mu_);
        for (const std::string& d : self->referrers_[repo + "@" + subject]) {
          json desc = json::parse(d);
          if (!filter.empty() && desc.value("artifactType", "") != filter) continue;
          manifests.push_back(desc);
        }
      }
      if (!filter.empty()) res.set_header("OCI-Filters-Applied", "artifactType");
      res.set_content(json({{"schemaVersion", 2},
                            {"mediaType", "application/vnd.oci.image.index.v1+json"},
                            {"manifests", manifests}})
                          .dump(),
                      "application/vnd.oci.image.index.v1+json");
      return;
    }
    httplib::Client cli("127.0.0.1",
                        std::stoi(self->upstream_.substr(self->upstream_.find(':') + 1)));
    cli.set_read_timeout(30, 0);
    httplib::Headers headers;
    for (const auto& [k, v] : req.headers) {
      if (absl::EqualsIgnoreCase(k, "Host") || absl::EqualsIgnoreCase(k, "Content-Length") ||
          absl::EqualsIgnoreCase(k, "Connection") || absl::EqualsIgnoreCase(k, "REMOTE_ADDR") ||
          absl::EqualsIgnoreCase(k, "REMOTE_PORT") || absl::EqualsIgnoreCase(k, "LOCAL_ADDR") ||
          absl::EqualsIgnoreCase(k, "LOCAL_PORT")) {
        continue;
      }
      headers.emplace(k, v);
    }
    const std::string content_type = req.get_header_value("Content-Type");
    const auto send = [&]() -> httplib::Result {
      if (req.method == "PUT") {
        return cli.Put(req.target.c_str(), headers, req.body, content_type.c_str());
      }
      if (req.method == "POST") {
        return cli.Post(req.target.c_str(), headers, req.body, content_type.c_str());
      }
      if (req.method == "PATCH") {
        return cli.Patch(req.target.c_str(), headers, req.body, content_type.c_str());
      }
      if (req.method == "DELETE") return cli.Delete(req.target.c_str(), headers);
      return cli.Get(req.target.c_str(), headers);  // GET, and HEAD (httplib drops the body)
    };
    const bool manifest_put = req.method == "PUT" && absl::StrContains(path, "/manifests/");
    const std::string if_match = req.get_header_value("If-Match");
    const std::string if_none_match = req.get_header_value("If-None-Match");
    const bool conditional = !if_match.empty() || !if_none_match.empty();
    std::unique_ptr<absl::MutexLock> put_lock;
    if (manifest_put && self->options_.honour_conditions) {
      put_lock = std::make_unique<absl::MutexLock>(&self->put_mu_);
    }
    const auto record_put = [&](int status) {
      if (!manifest_put) return;
      absl::MutexLock lock(&self->mu_);
      self->manifest_puts_.push_back(absl::StrCat(
          "PUT ", path, " If-Match=", if_match, " If-None-Match=", if_none_match, " -> ", status));
    };
    const auto precondition_failed = [&]() {
      res.status = 412;
      res.set_content(R"({"errors":[{"code":"PRECONDITION_FAILED","message":"condition failed"}]})",
                      "application/json");
      record_put(412);
    };
    if (manifest_put && conditional && self->rejected_.load() < self->options_.reject_conditional) {
      self->rejected_++;
      precondition_failed();
      return;
    }
    if (manifest_put && conditional && self->options_.honour_conditions) {
      httplib::Headers head = headers;
      head.erase("Content-Type");
      head.emplace("Accept",
                   "application/vnd.oci.image.index.v1+json, "
                   "application/vnd.oci.image.manifest.v1+json, "
                   "application/vnd.docker.distribution.manifest.v2+json, "
                   "application/vnd.docker.distribution.manifest.list.v2+json");
      httplib::Result now = cli.Head(req.target.c_str(), head);
      if (!now) {
        res.status = 502;
        return;
      }
      const bool exists = now->status == 200;
      const std::string etag =
          absl::StrCat("\"", now->get_header_value("Docker-Content-Digest"), "\"");
      if ((!if_none_match.empty() && exists) ||
          (!if_match.empty() && (!exists || (if_match != "*" && if_match != etag)))) {
        precondition_failed();
        return;
      }
    }
    httplib::Result r = send();
    if (!r) {
      res.status = 502;
      return;
    }
    record_put(r->status);
    res.status = r->status;
    std::string out_type;
    for (const auto& [k, v] : r->headers) {
      if (absl::EqualsIgnoreCase(k, "Content-Length") ||
          absl::EqualsIgnoreCase(k, "Transfer-Encoding") ||
          absl::EqualsIgnoreCase(k, "Connection")) {
        continue;
      }
      if (absl::EqualsIgnoreCase(k, "Content-Type")) {
        out_type = v;
        continue;
      }
      std::string value = v;
      if (absl::EqualsIgnoreCase(k, "Location")) {
        value = absl::StrReplaceAll(value, {{self->upstream_, self->host_}});
      }
      res.set_header(k, value);
    }
    std::string body = r->body;
    if (req.method == "GET" && r->status == 200 && self->options_.rewrite) {
      self->options_.rewrite(path, &body);
    }
    if (self->options_.referrers_api && req.method == "PUT" && r->status == 201 &&
        absl::StrContains(path, "/manifests/")) {
      json m = json::parse(req.body, nullptr, false);
      if (m.is_object() && m.contains("subject") && m["subject"].is_object()) {
        json desc = {{"mediaType", m.value("mediaType", "")},
                     {"digest", r->get_header_value("Docker-Content-Digest")},
                     {"size", req.body.size()}};
        std::string artifact_type = m.value("artifactType", "");
        if (artifact_type.empty() && m.contains("config")) {
          artifact_type = m["config"].value("mediaType", "");
        }
        desc["artifactType"] = artifact_type;
        if (m.contains("annotations")) desc["annotations"] = m["annotations"];
        const std::string repo = path.substr(4, path.find("/manifests/") - 4);
        const std::string subject = m["subject"].value("digest", "");
        absl::MutexLock lock(&self->mu_);
        auto& list = self->referrers_[repo + "@" + subject];
        const std::string text = desc.dump();
        if (std::find(list.begin(), list.end(), text) == list.end()) list.push_back(text);
        res.set_header("OCI-Subject", subject);
      }
    }
    res.set_content(body, out_type.c_str());
  };
  p->server_->Get(".*", handler);
  p->server_->Put(".*", handler);
  p->server_->Post(".*", handler);
  p->server_->Patch(".*", handler);
  p->server_->Delete(".*", handler);
  const int port = p->server_->bind_to_any_port("127.0.0.1");
  if (port <= 0) return absl::InternalError("proxy: cannot bind");
  p->host_ = absl::StrCat("127.0.0.1:", port);
  p->thread_ = std::thread([self] { self->server_->listen_after_bind(); });
  return p;
}

RegistryProxy::~RegistryProxy() {
  stopping_ = true;
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::vector<std::string> RegistryProxy::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

void RegistryProxy::ClearRequests() {
  absl::MutexLock lock(&mu_);
  requests_.clear();
}

std::vector<std::string> RegistryProxy::manifest_puts() const {
  absl::MutexLock lock(&mu_);
  return manifest_puts_;
}

}  // namespace vouch::testing
