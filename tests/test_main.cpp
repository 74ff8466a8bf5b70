// The tests' main: the process set up as nc's main sets it up, then GoogleTest.
#include <gtest/gtest.h>

#include "nc/core/process_setup.h"

int main(int argc, char** argv) {
  nc::keep_freed_memory_for_reuse();
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
