// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Media types, annotation keys and fixed blobs of the OCI image spec, Docker's manifest formats,
// Sigstore bundles in registries and cosign's legacy signature layout. Constants only.
#ifndef VOUCH_OCI_MEDIA_TYPES_H_
#define VOUCH_OCI_MEDIA_TYPES_H_

namespace vouch::oci {

inline constexpr char kOciManifest[] = "application/vnd.oci.image.manifest.v1+json";
inline constexpr char kOciIndex[] = "application/vnd.oci.image.index.v1+json";
inline constexpr char kOciConfig[] = "application/vnd.oci.image.config.v1+json";
inline constexpr char kOciLayerTarGzip[] = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr char kOciEmpty[] = "application/vnd.oci.empty.v1+json";
inline constexpr char kDockerManifest[] = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr char kDockerManifestList[] =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr char kOctetStream[] = "application/octet-stream";

// The Accept header of manifest requests: every manifest kind this library reads.
inline constexpr char kManifestAccept[] =
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

// The OCI empty descriptor's blob: the two bytes "{}".
inline constexpr char kEmptyJson[] = "{}";
inline constexpr char kEmptyJsonDigest[] =
    "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

// Sigstore bundles as OCI 1.1 referrers (cosign v3, actions/attest, @sigstore/oci).
inline constexpr char kSigstoreBundleV03[] = "application/vnd.dev.sigstore.bundle.v0.3+json";
inline constexpr char kAnnotationBundleContent[] = "dev.sigstore.bundle.content";
inline constexpr char kAnnotationBundlePredicateType[] = "dev.sigstore.bundle.predicateType";
inline constexpr char kAnnotationCreated[] = "org.opencontainers.image.created";
inline constexpr char kAnnotationRefName[] = "org.opencontainers.image.ref.name";
inline constexpr char kAnnotationTitle[] = "org.opencontainers.image.title";

// cosign's legacy `sha256-<hex>.sig` / `.att` layout.
inline constexpr char kCosignSimpleSigning[] = "application/vnd.dev.cosign.simplesigning.v1+json";
inline constexpr char kDsseEnvelope[] = "application/vnd.dsse.envelope.v1+json";
inline constexpr char kCosignSignatureAnnotation[] = "dev.cosignproject.cosign/signature";
inline constexpr char kCosignCertificateAnnotation[] = "dev.sigstore.cosign/certificate";
inline constexpr char kCosignChainAnnotation[] = "dev.sigstore.cosign/chain";
inline constexpr char kCosignBundleAnnotation[] = "dev.sigstore.cosign/bundle";
inline constexpr char kCosignTimestampAnnotation[] = "dev.sigstore.cosign/rfc3161timestamp";
inline constexpr char kCosignPredicateTypeAnnotation[] = "predicateType";

}  // namespace vouch::oci

#endif  // VOUCH_OCI_MEDIA_TYPES_H_
