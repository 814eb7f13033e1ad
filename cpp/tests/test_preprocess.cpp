#include <gtest/gtest.h>

#include <vector>

#include "edgevfm/errors.hpp"
#include "edgevfm/preprocess.hpp"
#include "edgevfm/resample.hpp"

namespace {
edgevfm::RgbImage gradient(int w, int h) {
  edgevfm::RgbImage img(w, h);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t* p = img.data() + (static_cast<std::size_t>(y) * w + x) * 3;
      p[0] = static_cast<uint8_t>(x * 255 / std::max(w - 1, 1));
      p[1] = static_cast<uint8_t>(y * 255 / std::max(h - 1, 1));
      p[2] = static_cast<uint8_t>((x + y) % 256);
    }
  }
  return img;
}
}  // namespace

TEST(Resample, ConstantImageStaysConstant) {
  edgevfm::RgbImage img(37, 23);
  std::fill(img.data(), img.data() + 37 * 23 * 3, uint8_t{77});
  for (auto interp : {edgevfm::Interp::bilinear, edgevfm::Interp::bicubic}) {
    for (auto [w, h] : {std::pair{10, 7}, std::pair{80, 50}}) {
      const auto out = edgevfm::pillow_resize(img.view(), w, h, interp);
      ASSERT_EQ(out.width(), w);
      for (int i = 0; i < w * h * 3; ++i) ASSERT_EQ(out.data()[i], 77) << i;
    }
  }
}

TEST(Resample, SameSizeIsIdentityAndStrideIsHonoured) {
  const auto img = gradient(9, 5);
  std::vector<uint8_t> padded(5 * 40, 0xEE);  // rows 40 bytes apart
  for (int y = 0; y < 5; ++y) std::copy_n(img.data() + y * 27, 27, &padded[static_cast<std::size_t>(y) * 40]);
  const edgevfm::ImageView strided{padded.data(), 9, 5, 40};
  const auto out = edgevfm::pillow_resize(strided, 9, 5, edgevfm::Interp::bicubic);
  EXPECT_TRUE(std::equal(out.data(), out.data() + 9 * 5 * 3, img.data()));
}

TEST(Preprocess, ShorterSideCropNormalizeGivesNchw) {
  using Op = edgevfm::PreStep::Op;
  edgevfm::PreStep shorter, crop, norm;
  shorter.op = Op::resize_shorter;
  shorter.size = 8;
  shorter.interp = edgevfm::Interp::bicubic;
  crop.op = Op::center_crop;
  crop.hw = {8, 8};
  norm.op = Op::normalize;
  norm.divide = true;
  norm.divisor = 255.0f;
  norm.mean = {0.5f, 0.5f, 0.5f};
  norm.std = {0.5f, 0.5f, 0.5f};
  const auto img = gradient(30, 16);
  const auto r = edgevfm::run_preprocess(img.view(), {shorter, crop, norm});
  EXPECT_EQ(r.input.shape(), (std::vector<int64_t>{1, 3, 8, 8}));
  EXPECT_EQ(r.resized_h, 8);
  EXPECT_EQ(r.resized_w, 15);  // int(8 * 30 / 16)
  for (std::size_t i = 0; i < r.input.numel(); ++i) {
    ASSERT_GE(r.input.f32()[i], -1.0f);
    ASSERT_LE(r.input.f32()[i], 1.0f);
  }
}

TEST(Preprocess, LongestSidePadAndErrors) {
  using Op = edgevfm::PreStep::Op;
  edgevfm::PreStep longest, norm, pad;
  longest.op = Op::resize_longest;
  longest.size = 64;
  norm.op = Op::normalize;
  pad.op = Op::pad;
  pad.hw = {64, 64};
  pad.value = -7.0f;
  const auto img = gradient(40, 10);
  const auto r = edgevfm::run_preprocess(img.view(), {longest, norm, pad});
  EXPECT_EQ(r.resized_h, 16);
  EXPECT_EQ(r.resized_w, 64);
  EXPECT_FLOAT_EQ(r.input.f32()[63 * 64 + 5], -7.0f);  // channel 0, padded row 63
  EXPECT_THROW(edgevfm::run_preprocess(img.view(), {longest}), edgevfm::BundleError);  // no normalize
  EXPECT_THROW(edgevfm::run_preprocess(edgevfm::ImageView{nullptr, 3, 3, 0}, {longest, norm}), edgevfm::InputError);
  EXPECT_THROW(edgevfm::run_preprocess(edgevfm::ImageView{img.data(), 40, 10, 20}, {longest, norm}), edgevfm::InputError);
  EXPECT_THROW(edgevfm::run_preprocess(img.view(), {norm, longest}), edgevfm::BundleError);  // resize after normalize
}
