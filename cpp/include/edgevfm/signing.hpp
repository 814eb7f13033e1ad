// Signed bundles: an Ed25519 signature over the exact bytes of manifest.json (which records every
// file's sha256 and size), kept in manifest.sig; the same format as the Python runtime's signing.py.
#pragma once
#include <string>
#include <vector>

namespace edgevfm {

// The id of the trusted key (PEM files: a public key, or a private key's public half) whose signature
// of `manifest_bytes` root/manifest.sig holds: 16 hex digits of sha256 of the raw public key.
// Throws SignatureError naming the problem (not signed, untrusted signer, changed manifest, bad key).
std::string verify_signature(const std::string& root, const std::string& manifest_bytes,
                             const std::vector<std::string>& trusted_keys);

// The id of the public key in a PEM file (as above).
std::string key_id(const std::string& pem_path);

}  // namespace edgevfm
