# Build options. The training core (core, text, model, train, infer) needs only LibTorch and
# header-only libraries; the data pipeline's system libraries are optional features.
option(NC_WITH_YAML  "YAML configs through yaml-cpp (JSON configs always work)" ON)
option(NC_WITH_TERM  "Terminal traces: libvterm emulation, FreeType rendering, PTY runner" ON)
option(NC_WITH_VIDEO "MP4/GIF/PNG input and output through FFmpeg's libav* and libpng" ON)
option(NC_WITH_GUI   "Desktop recorder through X11/XTest" ON)
option(NC_WITH_OCR   "OCR metrics through Tesseract" ON)
option(NC_WITH_SENTENCEPIECE "SentencePiece tokenizer (load and train)" ON)
option(NC_BUILD_TESTS "Build the GoogleTest suite" ON)
option(NC_USE_CCACHE "Compile through ccache when it is installed" ON)
option(NC_USE_PCH "Precompile the LibTorch headers (see docs/BUILD.md for the measured trade-off)" OFF)

if(NC_USE_CCACHE)
  find_program(NC_CCACHE ccache)
  if(NC_CCACHE)
    set(CMAKE_CXX_COMPILER_LAUNCHER ${NC_CCACHE})
  endif()
endif()

function(nc_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
endfunction()
