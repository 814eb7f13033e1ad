// Typed errors, mirroring the Python runtime's (edgevfm_runtime/errors.py).
#pragma once
#include <stdexcept>
#include <string>

namespace edgevfm {

// Base of every error the runtime throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The bundle is malformed, tampered with, or not what the caller expects.
class BundleError : public Error {
 public:
  using Error::Error;
};

// A signature check failed: unsigned bundle, untrusted signer, manifest changed after signing, bad key.
class SignatureError : public BundleError {
 public:
  using BundleError::BundleError;
};

// The caller passed an invalid image, prompt or argument.
class InputError : public Error {
 public:
  using Error::Error;
};

// An inference engine is missing (not built) or failed.
class EngineError : public Error {
 public:
  using Error::Error;
};

}  // namespace edgevfm
