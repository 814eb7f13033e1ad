#include <gtest/gtest.h>

#include "edgevfm/sam.hpp"

TEST(SamUpscale, ConstantLogitsStayConstantAtOriginalSize) {
  edgevfm::Tensor low(edgevfm::DType::f32, {2, 256, 256});
  for (std::size_t i = 0; i < low.numel(); ++i) low.f32()[i] = i < 256 * 256 ? 1.5f : -2.0f;
  const auto up = edgevfm::sam_upscale(low, 300, 451, 1024);
  ASSERT_EQ(up.shape(), (std::vector<int64_t>{2, 300, 451}));
  EXPECT_NEAR(up.f32()[0], 1.5f, 1e-5);
  EXPECT_NEAR(up.f32()[300 * 451 - 1], 1.5f, 1e-5);
  EXPECT_NEAR(up.f32()[300 * 451 + 77], -2.0f, 1e-5);
}

TEST(SamUpscale, CropsThePaddedRegion) {
  // Logits positive only in the bottom half of the 256² frame: a landscape image (1024x512 resized)
  // occupies the top half, so its upscaled mask must be all negative.
  edgevfm::Tensor low(edgevfm::DType::f32, {1, 256, 256});
  for (int y = 0; y < 256; ++y) {
    for (int x = 0; x < 256; ++x) low.f32()[y * 256 + x] = y >= 160 ? 10.0f : -10.0f;
  }
  const auto up = edgevfm::sam_upscale(low, 200, 400, 1024);
  for (std::size_t i = 0; i < up.numel(); ++i) ASSERT_LT(up.f32()[i], 0.0f) << i;
}
