// Ed25519 through OpenSSL's EVP interface (libcrypto >= 1.1.1).
#include "edgevfm/signing.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "edgevfm/bundle.hpp"
#include "edgevfm/errors.hpp"
#include "edgevfm/sha256.hpp"

namespace edgevfm {

namespace {
constexpr std::size_t kMaxSignatureBytes = 64u << 10;
constexpr std::size_t kMaxKeyBytes = 64u << 10;

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

std::string read_limited(const std::string& path, std::size_t limit, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SignatureError(what + " " + path + " cannot be read");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (ss.str().size() > limit) throw SignatureError(what + " " + path + " is too large");
  return ss.str();
}

std::string raw_public(EVP_PKEY* key) {
  std::size_t n = 32;
  std::string raw(n, '\0');
  if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &n) != 1 || n != 32) {
    throw SignatureError("cannot read the raw Ed25519 public key");
  }
  return raw;
}

std::string id_of(EVP_PKEY* key) {
  const std::string raw = raw_public(key);
  return sha256_hex(raw.data(), raw.size()).substr(0, 16);
}

// A public Ed25519 key from a PEM file holding a public key, or a private key (its public half).
Key load_public(const std::string& path) {
  const std::string pem = read_limited(path, kMaxKeyBytes, "key");
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  const bool priv = pem.find("PRIVATE KEY") != std::string::npos;
  Key key(priv ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
               : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr),
          &EVP_PKEY_free);
  if (!key) throw SignatureError(path + " is not " + (priv ? "an unencrypted PEM private key" : "a PEM public key"));
  if (EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519) throw SignatureError(path + " is not an Ed25519 key");
  const std::string raw = raw_public(key.get());
  Key pub(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(raw.data()),
                                      raw.size()),
          &EVP_PKEY_free);
  if (!pub) throw SignatureError(path + ": cannot derive the Ed25519 public key");
  return pub;
}

std::string base64_decode(const std::string& text, const std::string& field) {
  if (text.empty() || text.size() % 4 != 0) throw SignatureError(field + " is not base64");
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) throw SignatureError(field + " is not base64");
  std::size_t pad = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) ++pad;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

bool verifies(EVP_PKEY* key, const std::string& sig, const std::string& msg) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key) != 1) {
    throw SignatureError("OpenSSL cannot set up Ed25519 verification");
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) == 1;
}
}  // namespace

std::string key_id(const std::string& pem_path) { return id_of(load_public(pem_path).get()); }

std::string verify_signature(const std::string& root, const std::string& manifest_bytes,
                             const std::vector<std::string>& trusted_keys) {
  if (trusted_keys.empty()) throw SignatureError("trusted_keys is empty: give at least one public key, or none to skip the check");
  std::vector<Key> keys;
  keys.reserve(trusted_keys.size());
  for (const auto& k : trusted_keys) keys.push_back(load_public(k));
  std::string path;
  try {
    path = regular_file_inside(root, "manifest.sig", "manifest.sig");
  } catch (const BundleError& e) {
    if (std::string(e.what()).find("is missing") != std::string::npos) {
      throw SignatureError("bundle " + root + " is not signed (manifest.sig is missing) and trusted keys were given; "
                           "sign it with `edgevfm sign " + root + " --key KEY`");
    }
    throw SignatureError(e.what());
  }
  std::string sig, signer;
  try {
    const auto rec = nlohmann::json::parse(read_limited(path, kMaxSignatureBytes, "signature"));
    if (!rec.is_object() || rec.value("algorithm", "") != "ed25519") {
      throw SignatureError("bundle " + root + ": manifest.sig is not an ed25519 signature");
    }
    sig = base64_decode(rec.at("signature").get<std::string>(), "manifest.sig signature");
    signer = rec.value("public_key", "");
  } catch (const nlohmann::json::exception& e) {
    throw SignatureError("bundle " + root + ": manifest.sig is malformed (" + e.what() + ")");
  }
  std::string trusted;
  for (const auto& k : keys) {
    if (verifies(k.get(), sig, manifest_bytes)) return id_of(k.get());
    trusted += (trusted.empty() ? "" : ", ") + id_of(k.get());
  }
  // A valid signature by a key nobody trusted, or a broken one? (the embedded key only explains)
  try {
    const std::string raw = base64_decode(signer, "manifest.sig public_key");
    Key claimed(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                            reinterpret_cast<const unsigned char*>(raw.data()), raw.size()),
                &EVP_PKEY_free);
    if (claimed && verifies(claimed.get(), sig, manifest_bytes)) {
      throw SignatureError("bundle " + root + " is signed by key " + id_of(claimed.get()) +
                           ", which is not trusted (trusted: " + trusted + ")");
    }
  } catch (const SignatureError& e) {
    if (std::string(e.what()).find("which is not trusted") != std::string::npos) throw;
  }
  throw SignatureError("bundle " + root + ": the signature does not match manifest.json (changed after signing, "
                       "or a corrupt manifest.sig); trusted keys: " + trusted);
}

}  // namespace edgevfm
