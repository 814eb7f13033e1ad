// Segment a photo from one click: segment_click BUNDLE IMAGE X Y OUT.pgm
// Links only edgevfm::runtime (find_package(edgevfm) in an app's CMakeLists.txt).
#include <edgevfm/sam.hpp>

#include <cstdio>
#include <fstream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s BUNDLE IMAGE X Y OUT.pgm\n", argv[0]);
    return 2;
  }
  try {
    const auto bundle = edgevfm::Bundle::open(argv[1]);
    const edgevfm::SamPredictor sam(bundle);
    const auto image = edgevfm::load_image(argv[2]);
    const auto embedding = sam.embed(image.view());  // once per image; shareable across threads

    edgevfm::SamPrompt click;
    click.points = {{std::stof(argv[3]), std::stof(argv[4])}};
    click.labels = {1};
    const auto result = sam.predict(embedding, click);

    int best = 0;
    for (int i = 1; i < result.count; ++i) {
      if (result.scores[i] > result.scores[best]) best = i;
    }
    const std::size_t plane = static_cast<std::size_t>(result.width) * result.height;
    std::ofstream out(argv[5], std::ios::binary);
    out << "P5\n" << result.width << " " << result.height << "\n255\n";
    for (std::size_t j = 0; j < plane; ++j) out.put(result.masks[best * plane + j] ? static_cast<char>(255) : 0);
    std::printf("mask %d of %d, predicted IoU %.3f -> %s\n", best, result.count, static_cast<double>(result.scores[best]), argv[5]);
    return out ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
