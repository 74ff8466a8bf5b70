// eval: the OCR scores of PAPER.md §3.1 Exp 4 against hand-computed values.
#include <gtest/gtest.h>

#include "nc/eval/ocr_metrics.h"

namespace nc::eval {
namespace {

TEST(OcrMetrics, NormalisationStripsCollapsesAndDropsEmptyLines) {
  EXPECT_EQ(normalize_lines("  $ ls   -la \n\n\tfoo  Bar!  \n   \n"),
            (std::vector<std::string>{"$ ls -la", "foo Bar!"}));
}

TEST(OcrMetrics, CharAccuracyIsOneMinusNormalisedLevenshtein) {
  EXPECT_DOUBLE_EQ(char_accuracy({}, {}), 1.0);
  EXPECT_DOUBLE_EQ(char_accuracy({}, {"x"}), 0.0);
  EXPECT_DOUBLE_EQ(char_accuracy({"abcd"}, {"abcd"}), 1.0);
  // "kitten" -> "sitting": distance 3 over 6 reference characters.
  EXPECT_DOUBLE_EQ(char_accuracy({"kitten"}, {"sitting"}), 0.5);
  // Lines are concatenated before the distance: "abcdef" vs "abXdef".
  EXPECT_DOUBLE_EQ(char_accuracy({"abc", "def"}, {"abXdef"}), 1.0 - 1.0 / 6);
  // Never below zero.
  EXPECT_DOUBLE_EQ(char_accuracy({"ab"}, {"wxyz12"}), 0.0);
  // Code points, not bytes: one substitution in a 3-character reference.
  EXPECT_DOUBLE_EQ(char_accuracy({"h\xc3\xa9y"}, {"hey"}), 1.0 - 1.0 / 3);
}

TEST(OcrMetrics, ExactLineAccuracyComparesByPosition) {
  EXPECT_DOUBLE_EQ(exact_line_accuracy({}, {}), 1.0);
  EXPECT_DOUBLE_EQ(exact_line_accuracy({}, {"a"}), 0.0);
  EXPECT_DOUBLE_EQ(exact_line_accuracy({"a", "b", "c", "d"}, {"a", "x", "c"}), 0.5);
  EXPECT_DOUBLE_EQ(exact_line_accuracy({"a"}, {}), 0.0);
}

TEST(OcrMetrics, KEvenlySpacedFrames) {
  EXPECT_EQ(evenly_spaced_frames(3, 5), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(evenly_spaced_frames(77, 5), (std::vector<int>{0, 19, 38, 57, 76}));
  EXPECT_EQ(evenly_spaced_frames(6, 5), (std::vector<int>{0, 1, 3, 4, 5}));
  EXPECT_EQ(evenly_spaced_frames(0, 5), (std::vector<int>{}));
}

}  // namespace
}  // namespace nc::eval
