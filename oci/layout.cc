// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "oci/layout.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "oci/media_types.h"

namespace vouch::oci {
namespace {

using ordered_json = nlohmann::ordered_json;

constexpr size_t kChunk = 64 << 10;

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

absl::Status WriteAll(int fd, absl::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("write", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// Writes |data| to |path| through a temporary file in the same directory, fsync and rename.
absl::Status AtomicWrite(const std::string& path, absl::string_view data) {
  std::string temp = path + ".tmp-XXXXXX";
  const int fd = mkstemp(temp.data());
  if (fd < 0) return Errno("create", temp);
  Fd closer(fd);
  absl::Status s = WriteAll(fd, data, temp);
  if (s.ok() && fsync(fd) != 0) s = Errno("fsync", temp);
  if (s.ok() && rename(temp.c_str(), path.c_str()) != 0) s = Errno("rename", temp);
  if (!s.ok()) unlink(temp.c_str());
  return s;
}

absl::StatusOr<std::string> ReadSmallFile(const std::string& path, uint64_t limit) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    return Errno("open", path);
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Errno("stat", path);
  if (static_cast<uint64_t>(st.st_size) > limit) {
    return absl::ResourceExhaustedError(
        absl::StrCat(path, ": ", st.st_size, " bytes, more than the limit of ", limit));
  }
  std::string out(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = read(fd.get(), out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Errno("read", path);
    got += static_cast<size_t>(n);
  }
  return out;
}

// Entry of index.json for |d|, with ref.name |tag| when not empty.
ordered_json Entry(const Descriptor& d, absl::string_view tag) {
  Descriptor copy = d;
  if (!tag.empty()) copy.annotations[kAnnotationRefName] = std::string(tag);
  return copy.ToJson();
}

std::string RefName(const ordered_json& entry) {
  if (!entry.is_object() || !entry.contains("annotations") || !entry["annotations"].is_object()) {
    return "";
  }
  const auto& a = entry["annotations"];
  auto it = a.find(kAnnotationRefName);
  return it != a.end() && it->is_string() ? it->get<std::string>() : "";
}

// index.json with |entry| placed: replaces entries carrying the same ref.name (a tag moves), and
// is unchanged when an identical untagged entry exists.
std::string PlaceEntry(const std::string& text, const ordered_json& entry) {
  ordered_json index = ordered_json::parse(text, nullptr, false);
  ordered_json manifests = ordered_json::array();
  const std::string tag = RefName(entry);
  for (const auto& e : index["manifests"]) {
    if (!tag.empty() && RefName(e) == tag) continue;
    if (tag.empty() && RefName(e).empty() && e.value("digest", "") == entry["digest"]) {
      return text;
    }
    manifests.push_back(e);
  }
  manifests.push_back(entry);
  index["manifests"] = manifests;
  return index.dump();
}

}  // namespace

absl::StatusOr<std::unique_ptr<LayoutTarget>> LayoutTarget::Open(const std::string& path,
                                                                 bool create,
                                                                 const RegistryLimits& limits) {
  if (path.empty()) return absl::InvalidArgumentError("layout: empty path");
  std::unique_ptr<LayoutTarget> layout(new LayoutTarget(path, limits));
  const std::string marker = path + "/oci-layout";
  if (create) {
    std::error_code ec;
    std::filesystem::create_directories(path + "/blobs/sha256", ec);
    if (ec) return absl::InternalError(absl::StrCat("layout ", path, ": ", ec.message()));
    if (!std::filesystem::exists(marker)) {
      absl::Status s = AtomicWrite(marker, R"({"imageLayoutVersion":"1.0.0"})");
      if (!s.ok()) return s;
    }
    if (!std::filesystem::exists(path + "/index.json")) {
      absl::Status s = layout->EditIndex([](std::string text) { return text; });
      if (!s.ok()) return s;
    }
  }
  auto text = ReadSmallFile(marker, 4096);
  if (!text.ok()) {
    return absl::NotFoundError(
        absl::StrCat("layout ", path, ": no oci-layout file (", text.status().message(), ")"));
  }
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object() || !j.contains("imageLayoutVersion") || !j["imageLayoutVersion"].is_string() ||
      j["imageLayoutVersion"].get<std::string>().rfind("1.", 0) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("layout ", path, ": oci-layout: want imageLayoutVersion 1.x"));
  }
  auto entries = layout->IndexEntries();
  if (!entries.ok()) return entries.status();
  return layout;
}

std::string LayoutTarget::BlobPath(const Digest& digest) const {
  return absl::StrCat(path_, "/blobs/", digest.algorithm(), "/", digest.hex());
}

absl::StatusOr<std::string> LayoutTarget::ReadIndexJson() const {
  return ReadSmallFile(path_ + "/index.json", limits_.max_manifest_bytes);
}

absl::StatusOr<std::vector<Descriptor>> LayoutTarget::IndexEntries() {
  auto text = ReadIndexJson();
  if (!text.ok()) return text.status();
  // index.json's mediaType is optional; ParseImageIndex accepts it absent.
  auto index = ParseImageIndex(*text, ParseLimits{limits_.max_index_entries});
  if (!index.ok()) {
    return absl::Status(index.status().code(),
                        absl::StrCat("layout ", path_, ": index.json: ", index.status().message()));
  }
  return index->manifests;
}

absl::Status LayoutTarget::EditIndex(
    const std::function<absl::StatusOr<std::string>(std::string)>& edit) {
  const std::string lock_path = path_ + "/index.json.lock";
  Fd lock(open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (lock.get() < 0) return Errno("open", lock_path);
  while (flock(lock.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return Errno("flock", lock_path);
  }
  std::string text;
  auto current = ReadIndexJson();
  if (current.ok()) {
    text = *current;
    auto parsed = ParseImageIndex(text, ParseLimits{limits_.max_index_entries});
    if (!parsed.ok()) {
      return absl::Status(
          parsed.status().code(),
          absl::StrCat("layout ", path_, ": index.json: ", parsed.status().message()));
    }
  } else if (current.status().code() == absl::StatusCode::kNotFound) {
    text = absl::StrCat(R"({"schemaVersion":2,"mediaType":")", kOciIndex, R"(","manifests":[]})");
  } else {
    return current.status();
  }
  const std::string before = current.ok() ? text : "";
  auto next = edit(text);
  if (!next.ok()) return next.status();
  if (*next == before) return absl::OkStatus();
  return AtomicWrite(path_ + "/index.json", *next);
}

absl::StatusOr<Descriptor> LayoutTarget::Resolve(absl::string_view reference) {
  auto entries = IndexEntries();
  if (!entries.ok()) return entries.status();
  auto digest = Digest::Parse(reference);
  for (auto it = entries->rbegin(); it != entries->rend(); ++it) {
    if (digest.ok() ? it->digest == *digest
                    : (it->annotations.count(kAnnotationRefName) > 0 &&
                       it->annotations.at(kAnnotationRefName) == reference)) {
      Descriptor d = *it;
      d.annotations.erase(kAnnotationRefName);
      return d;
    }
  }
  if (digest.ok()) {
    // A manifest stored as a blob but not listed (e.g. a platform image of an index).
    auto m = FetchManifest(reference);
    if (m.ok()) return m->descriptor;
    return m.status();
  }
  return absl::NotFoundError(
      absl::StrCat(Name(), ": no manifest tagged \"", reference.substr(0, 200), "\""));
}

absl::StatusOr<FetchedManifest> LayoutTarget::FetchManifest(absl::string_view reference) {
  auto digest = Digest::Parse(reference);
  std::string media_type;
  Digest want;
  if (digest.ok()) {
    want = *digest;
  } else {
    auto d = Resolve(reference);
    if (!d.ok()) return d.status();
    want = d->digest;
    media_type = d->media_type;
  }
  auto bytes = ReadSmallFile(BlobPath(want), limits_.max_manifest_bytes);
  if (!bytes.ok()) {
    if (bytes.status().code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError(absl::StrCat(Name(), ": no manifest ", want.ToString()));
    }
    return bytes.status();
  }
  const Digest actual =
      want.algorithm() == "sha512" ? Digest::Sha512(*bytes) : Digest::Sha256(*bytes);
  if (actual != want) {
    return absl::DataLossError(absl::StrCat(Name(), ": manifest blob ", want.ToString(),
                                            " hashes to ", actual.ToString(), " (refusing it)"));
  }
  auto kind = DetectManifestKind(*bytes, media_type);
  if (!kind.ok()) return kind.status();
  if (!IsManifestMediaType(media_type)) {
    nlohmann::json j = nlohmann::json::parse(*bytes, nullptr, false);
    media_type = j.is_object() && j.contains("mediaType") && j["mediaType"].is_string()
                     ? j["mediaType"].get<std::string>()
                     : (*kind == ManifestKind::kIndex ? kOciIndex : kOciManifest);
  }
  FetchedManifest out;
  out.descriptor = MakeDescriptor(media_type, want, static_cast<int64_t>(bytes->size()));
  out.bytes = *std::move(bytes);
  return out;
}

absl::StatusOr<std::string> LayoutTarget::FetchBlob(const Descriptor& descriptor) {
  if (static_cast<uint64_t>(descriptor.size) > limits_.max_blob_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat(Name(), ": blob ", descriptor.digest.ToString(), " has ", descriptor.size,
                     " bytes, more than the limit of ", limits_.max_blob_bytes));
  }
  std::string out;
  absl::Status s = ReadBlob(descriptor, [&](absl::string_view chunk) {
    out.append(chunk.data(), chunk.size());
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::Status LayoutTarget::ReadBlob(const Descriptor& descriptor, const BodyConsumer& consumer) {
  const std::string path = BlobPath(descriptor.digest);
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat(Name(), ": no blob ", descriptor.digest.ToString()));
    }
    return Errno("open", path);
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Errno("stat", path);
  if (st.st_size != descriptor.size) {
    return absl::DataLossError(absl::StrCat(Name(), ": blob ", descriptor.digest.ToString(),
                                            " has ", st.st_size, " bytes, the descriptor says ",
                                            descriptor.size));
  }
  DigestVerifier verifier(descriptor.digest);
  std::string buf(kChunk, '\0');
  while (true) {
    const ssize_t n = read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("read", path);
    if (n == 0) break;
    const absl::string_view chunk(buf.data(), static_cast<size_t>(n));
    verifier.Update(chunk);
    if (verifier.bytes() > static_cast<uint64_t>(descriptor.size)) {
      return absl::DataLossError(
          absl::StrCat(Name(), ": blob ", descriptor.digest.ToString(), " grew while being read"));
    }
    absl::Status s = consumer(chunk);
    if (!s.ok()) return s;
  }
  return verifier.Finish(absl::StrCat(Name(), ": blob ", descriptor.digest.ToString()));
}

absl::StatusOr<bool> LayoutTarget::HasBlob(const Digest& digest) {
  struct stat st;
  return stat(BlobPath(digest).c_str(), &st) == 0;
}

absl::Status LayoutTarget::WriteBlobLocked(const Descriptor& descriptor, absl::string_view data) {
  const Digest actual =
      descriptor.digest.algorithm() == "sha512" ? Digest::Sha512(data) : Digest::Sha256(data);
  if (actual != descriptor.digest || static_cast<int64_t>(data.size()) != descriptor.size) {
    return absl::InvalidArgumentError(
        absl::StrCat("blob for ", descriptor.digest.ToString(), " hashes to ", actual.ToString()));
  }
  auto has = HasBlob(descriptor.digest);
  if (has.ok() && *has) return absl::OkStatus();
  std::error_code ec;
  std::filesystem::create_directories(path_ + "/blobs/" + descriptor.digest.algorithm(), ec);
  return AtomicWrite(BlobPath(descriptor.digest), data);
}

absl::Status LayoutTarget::PushBlob(const Descriptor& descriptor, absl::string_view data) {
  return WriteBlobLocked(descriptor, data);
}

absl::Status LayoutTarget::PushBlobFromFile(const Descriptor& descriptor, const std::string& path) {
  auto has = HasBlob(descriptor.digest);
  if (has.ok() && *has) return absl::OkStatus();
  Fd in(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return Errno("open", path);
  std::error_code ec;
  std::filesystem::create_directories(path_ + "/blobs/" + descriptor.digest.algorithm(), ec);
  const std::string dest = BlobPath(descriptor.digest);
  std::string temp = dest + ".tmp-XXXXXX";
  const int fd = mkstemp(temp.data());
  if (fd < 0) return Errno("create", temp);
  Fd out(fd);
  DigestVerifier verifier(descriptor.digest);
  std::string buf(kChunk, '\0');
  absl::Status s;
  while (s.ok()) {
    const ssize_t n = read(in.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      s = Errno("read", path);
      break;
    }
    if (n == 0) break;
    verifier.Update(absl::string_view(buf.data(), static_cast<size_t>(n)));
    s = WriteAll(fd, absl::string_view(buf.data(), static_cast<size_t>(n)), temp);
  }
  if (s.ok() && verifier.bytes() != static_cast<uint64_t>(descriptor.size)) {
    s = absl::DataLossError(
        absl::StrCat(path, ": ", verifier.bytes(), " bytes, want ", descriptor.size));
  }
  if (s.ok()) s = verifier.Finish(path);
  if (s.ok() && fsync(fd) != 0) s = Errno("fsync", temp);
  if (s.ok() && rename(temp.c_str(), dest.c_str()) != 0) s = Errno("rename", temp);
  if (!s.ok()) unlink(temp.c_str());
  return s;
}

absl::StatusOr<Descriptor> LayoutTarget::PushManifest(absl::string_view bytes,
                                                      absl::string_view media_type,
                                                      absl::string_view tag) {
  if (bytes.size() > limits_.max_manifest_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "manifest of ", bytes.size(), " bytes is over the limit of ", limits_.max_manifest_bytes));
  }
  const Descriptor d = DescriptorOf(std::string(media_type), bytes);
  absl::Status s = WriteBlobLocked(d, bytes);
  if (!s.ok()) return s;
  s = EditIndex([&](std::string text) -> absl::StatusOr<std::string> {
    return PlaceEntry(text, Entry(d, tag));
  });
  if (!s.ok()) return s;
  return d;
}

absl::StatusOr<std::vector<std::string>> LayoutTarget::ListTags() {
  auto entries = IndexEntries();
  if (!entries.ok()) return entries.status();
  std::vector<std::string> out;
  for (const Descriptor& d : *entries) {
    auto it = d.annotations.find(kAnnotationRefName);
    if (it != d.annotations.end()) out.push_back(it->second);
  }
  return out;
}

absl::Status LayoutTarget::AttachReferrer(absl::string_view manifest, const Descriptor& descriptor,
                                          const Digest& subject) {
  absl::Status s = WriteBlobLocked(descriptor, manifest);
  if (!s.ok()) return s;
  const std::string index_tag = subject.TagName();
  return EditIndex([&](std::string text) -> absl::StatusOr<std::string> {
    // The referrer itself, untagged, with its artifactType and annotations.
    text = PlaceEntry(text, Entry(descriptor, ""));
    // The referrers tag schema index.
    std::string existing;
    ordered_json index = ordered_json::parse(text, nullptr, false);
    for (const auto& e : index["manifests"]) {
      if (RefName(e) != index_tag) continue;
      auto d = Descriptor::FromJson(nlohmann::json::parse(e.dump()), "index.json entry");
      if (!d.ok()) return d.status();
      auto bytes = ReadSmallFile(BlobPath(d->digest), limits_.max_manifest_bytes);
      if (!bytes.ok()) return bytes.status();
      if (Digest::Sha256(*bytes) != d->digest) {
        return absl::DataLossError(absl::StrCat(Name(), ": ", index_tag, " index is corrupt"));
      }
      existing = *bytes;
    }
    bool changed = false;
    auto next = AddToReferrersIndex(existing, descriptor, &changed);
    if (!next.ok()) return next.status();
    if (!changed) return text;
    const Descriptor next_desc = DescriptorOf(kOciIndex, *next);
    absl::Status w = WriteBlobLocked(next_desc, *next);
    if (!w.ok()) return w;
    return PlaceEntry(text, Entry(next_desc, index_tag));
  });
}

absl::StatusOr<std::vector<Descriptor>> LayoutTarget::Referrers(const Digest& subject,
                                                                absl::string_view artifact_type) {
  auto entries = IndexEntries();
  if (!entries.ok()) return entries.status();
  std::vector<Descriptor> out;
  std::set<Digest> seen;
  const auto add = [&](Descriptor d) {
    d.annotations.erase(kAnnotationRefName);
    if (!artifact_type.empty() && d.artifact_type != artifact_type) return;
    if (seen.insert(d.digest).second) out.push_back(std::move(d));
  };
  for (const Descriptor& e : *entries) {
    auto ref = e.annotations.find(kAnnotationRefName);
    if (ref != e.annotations.end() && ref->second == subject.TagName() &&
        IsIndexMediaType(e.media_type)) {
      auto index = FetchManifest(e.digest.ToString());
      if (!index.ok()) return index.status();
      auto parsed = ParseImageIndex(index->bytes, ParseLimits{limits_.max_index_entries});
      if (!parsed.ok()) return parsed.status();
      for (const Descriptor& d : parsed->manifests) add(d);
      continue;
    }
    if (e.media_type != kOciManifest || ref != e.annotations.end()) continue;
    auto m = FetchManifest(e.digest.ToString());
    if (!m.ok()) return m.status();
    auto parsed = ParseImageManifest(m->bytes);
    if (!parsed.ok() || !parsed->subject.has_value() || parsed->subject->digest != subject) {
      continue;
    }
    Descriptor d = e;
    if (d.artifact_type.empty()) {
      d.artifact_type =
          parsed->artifact_type.empty() ? parsed->config.media_type : parsed->artifact_type;
    }
    if (d.annotations.empty()) d.annotations = parsed->annotations;
    add(d);
  }
  return out;
}

}  // namespace vouch::oci
