// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The subject alternative names the CA writes, and the rules a value from an identity token must
// meet before it becomes one. An identity provider is not trusted to hand out well-formed names:
// an e-mail claim "me@example.com\0@evil.com" or a URI with a NUL, a space or user information
// must never reach a certificate, where verifiers that stop at the NUL or parse the name their
// own way would see another identity.
//
//   e-mail (RFC 5321 Mailbox, RFC 6531 for UTF-8, RFC 9598 in certificates):
//     exactly one '@'; a Dot-string local part (atext or non-ASCII characters, dots only
//     between atoms; quoted local parts are refused) of at most 64 bytes; a domain of at least
//     two labels, each an LDH label of 1 to 63 bytes not starting or ending with '-' (the last not
//     all digits), at most 255 bytes; the whole mailbox at most 254 bytes. The domain is written
//     in lower case with non-ASCII labels converted to A-labels (IDNA2008, libidn2, no mapping:
//     a label that is not a valid U-label is refused, as is an "xn--" label that is not a valid
//     A-label). No control characters (C0, DEL, C1), no Unicode white space, no invisible format
//     characters (bidi controls, zero-width characters, the BOM), no noncharacters.
//     An ASCII local part gives an rfc822Name (IA5String); a non-ASCII one an otherName
//     SmtpUTF8Mailbox (1.3.6.1.5.5.7.8.9, UTF8String), as RFC 9598 section 3 requires.
//   URI (RFC 3986): scheme "://" authority [path] ["?" query]; at most 2048 bytes of printable
//     ASCII (non-ASCII must be percent-encoded: the SAN is an IA5String) from RFC 3986's
//     character set; well-formed percent-encoding that encodes no control character; a non-empty
//     host (a registered name of letters, digits, '-', '.', '_', or an IP literal in brackets)
//     and an optional decimal port up to 65535; no user information ('@' in the authority), no
//     fragment, no "." or ".." path segments.
//   SPIFFE ID (https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE-ID.md): a URI as
//     above with scheme "spiffe", a trust domain of [a-z0-9._-], a non-empty path of segments of
//     [a-zA-Z0-9._-] (no empty, "." or ".." segment, no trailing '/'), no port, no query.
//   username (Fulcio 1.3.6.1.4.1.57264.1.7 otherName, UTF8String): 1 to 255 bytes of UTF-8
//     without control characters.
//
// Every refusal is InvalidArgument with a message that says what is wrong and where; the caller
// names the claim. Pure functions; thread-safe.
#ifndef VOUCH_SIGNER_SAN_H_
#define VOUCH_SIGNER_SAN_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vouch::signer {

inline constexpr size_t kMaxEmailLocalPartBytes = 64;  // RFC 5321 4.5.3.1.1
inline constexpr size_t kMaxEmailDomainBytes = 255;    // RFC 5321 4.5.3.1.2
inline constexpr size_t kMaxEmailBytes = 254;          // RFC 5321 4.5.3.1.3 path, less "<>"
inline constexpr size_t kMaxUriSanBytes = 2048;        // SPIFFE's limit, for every URI SAN
inline constexpr size_t kMaxUsernameSanBytes = 255;

// The OIDs of the otherName forms.
inline constexpr char kOidSmtpUtf8Mailbox[] = "1.3.6.1.5.5.7.8.9";     // RFC 9598
inline constexpr char kOidFulcioUsername[] = "1.3.6.1.4.1.57264.1.7";  // Fulcio

// The subjectAltName forms the CA writes (exactly one per certificate).
enum class SanType {
  kEmail,            // rfc822Name (IA5String): a mailbox with an ASCII local part
  kUri,              // uniformResourceIdentifier (IA5String)
  kOtherName,        // otherName kOidFulcioUsername, UTF8String ("sub!domain")
  kSmtpUtf8Mailbox,  // otherName kOidSmtpUtf8Mailbox, UTF8String: a non-ASCII local part
};

struct SubjectAltName {
  SanType type = SanType::kEmail;
  std::string value;
};

// The SAN for e-mail |address| (see the file comment): kEmail or kSmtpUtf8Mailbox, the value
// with its domain in lower-case A-labels ("Me@Bücher.Example" -> "Me@xn--bcher-kva.example"; the
// local part is kept as given: it is case-sensitive). InvalidArgument naming the problem:
// "want exactly one '@', found 2", "control character U+0000 at byte 14", "empty local part",
// "character '<' is not allowed in the local part", "domain label \"b,c\" ...", ...
absl::StatusOr<SubjectAltName> EmailSan(absl::string_view address);

// A URI SAN, split (see the file comment). The parts are substrings of the URI as given.
struct UriSan {
  std::string scheme;  // e.g. "https"
  std::string host;    // reg-name or "[IP literal]"
  std::string port;    // digits, or empty
  std::string path;    // "" or starting with '/'
  std::string query;   // after '?', or empty
};
absl::StatusOr<UriSan> ParseUriSan(absl::string_view uri);

// Checks a SPIFFE ID (see the file comment). InvalidArgument naming the problem.
absl::Status CheckSpiffeId(absl::string_view id);

// Checks a Fulcio username SAN value. InvalidArgument naming the problem.
absl::Status CheckUsernameSan(absl::string_view value);

// Checks text that goes into a certificate as a UTF8String or as raw bytes (the Fulcio issuer and
// CI extensions): valid UTF-8 without control characters (C0, DEL, C1). InvalidArgument.
absl::Status CheckCertificateText(absl::string_view value);

// The CA's last check before signing: |san| is exactly what EmailSan / ParseUriSan /
// CheckUsernameSan accept for its type (an e-mail value must already be normalized, an rfc822Name
// must be ASCII and an SmtpUTF8Mailbox must not be). InvalidArgument naming the problem.
absl::Status CheckSan(const SubjectAltName& san);

// "rfc822Name", "URI", "otherName", "SmtpUTF8Mailbox".
const char* SanTypeName(SanType type);

}  // namespace vouch::signer

#endif  // VOUCH_SIGNER_SAN_H_
