#include <gtest/gtest.h>

#include <string>

#include "edgevfm/engine.hpp"
#include "edgevfm/errors.hpp"

TEST(Engines, NotBuiltEngineNamesItsCMakeOption) {
  try {
    edgevfm::open_session("tensorrt", "/nonexistent.engine", {});
    FAIL() << "no error";
  } catch (const edgevfm::EngineError& e) {
    EXPECT_NE(std::string(e.what()).find("EDGEVFM_WITH_TENSORRT"), std::string::npos) << e.what();
  }
  EXPECT_THROW(edgevfm::open_session("nosuchengine", "x", {}), edgevfm::EngineError);
}

TEST(Engines, ListsEveryEngineWithItsOption) {
  const auto all = edgevfm::engines();
  ASSERT_GE(all.size(), 4u);
  for (const auto& e : all) EXPECT_EQ(e.cmake_option.rfind("EDGEVFM_WITH_", 0), 0u) << e.name;
}
