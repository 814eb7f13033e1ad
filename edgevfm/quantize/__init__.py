"""Quantization: calibration data, per-engine quantizers (ORT QDQ, NNCF), float fallback by sensitivity."""
