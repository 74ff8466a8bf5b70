# Finds every dependency and exposes two interface targets:
#   nc_deps      what the library links (LibTorch, JSON, logging, and the enabled features)
#   nc_cli_deps  what only the binary needs (CLI11)
# The header-only libraries are found as installed packages (Debian) or, on a machine that has
# only a PyTorch wheel, as bare header trees on CMAKE_PREFIX_PATH / CMAKE_INCLUDE_PATH
# (scripts/device_check.sh carries them there).

find_package(Torch REQUIRED)
find_package(Threads REQUIRED)

# An INTERFACE target for a header tree found by one of its headers.
function(nc_header_only target header)
  if(TARGET ${target})
    return()
  endif()
  find_path(_nc_dir_${target} ${header} REQUIRED)
  add_library(${target} INTERFACE IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_nc_dir_${target}}"
                                             INTERFACE_COMPILE_DEFINITIONS "${ARGN}")
endfunction()

find_package(nlohmann_json 3.9 QUIET)
nc_header_only(nlohmann_json::nlohmann_json nlohmann/json.hpp)

find_package(fmt QUIET)
find_package(spdlog QUIET)
if(TARGET spdlog::spdlog AND TARGET fmt::fmt)
  set(NC_LOG_TARGETS spdlog::spdlog fmt::fmt)
else()
  nc_header_only(nc_fmt fmt/format.h FMT_HEADER_ONLY=1)
  nc_header_only(nc_spdlog spdlog/spdlog.h SPDLOG_HEADER_ONLY=1 SPDLOG_FMT_EXTERNAL=1 FMT_HEADER_ONLY=1)
  set(NC_LOG_TARGETS nc_spdlog nc_fmt)
endif()

add_library(nc_deps INTERFACE)
# LibTorch through its imported target: its headers are system headers, warnings stay ours.
target_link_libraries(nc_deps INTERFACE ${TORCH_LIBRARIES} nlohmann_json::nlohmann_json
                      ${NC_LOG_TARGETS} Threads::Threads ${CMAKE_DL_LIBS})

# CUDA builds of LibTorch (a PyTorch wheel) list CUDA libraries; Debian's CPU build does not.
if(TORCH_CUDA_LIBRARIES OR TARGET torch_cuda)
  set(NC_CUDA ON)
  target_compile_definitions(nc_deps INTERFACE NC_CUDA=1)
else()
  set(NC_CUDA OFF)
endif()
message(STATUS "nc: LibTorch ${Torch_VERSION}, CUDA build: ${NC_CUDA}")

if(NC_WITH_YAML)
  find_package(yaml-cpp REQUIRED)
  target_link_libraries(nc_deps INTERFACE yaml-cpp)
  target_compile_definitions(nc_deps INTERFACE NC_WITH_YAML=1)
endif()

if(NC_WITH_VIDEO)
  # FFmpeg's libav* (mp4/gif encode and decode, colour conversion) and libpng (frames as PNG).
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(NC_LIBAV REQUIRED IMPORTED_TARGET libavformat libavcodec libavutil libswscale)
  find_package(PNG REQUIRED)
  target_link_libraries(nc_deps INTERFACE PkgConfig::NC_LIBAV PNG::PNG)
  target_compile_definitions(nc_deps INTERFACE NC_WITH_VIDEO=1)
  message(STATUS "nc: video through libavformat ${NC_LIBAV_libavformat_VERSION}, libpng ${PNG_VERSION_STRING}")
endif()

if(NC_WITH_TERM)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(NC_VTERM REQUIRED IMPORTED_TARGET vterm)
  find_package(Freetype REQUIRED)
  target_link_libraries(nc_deps INTERFACE PkgConfig::NC_VTERM Freetype::Freetype)
  target_compile_definitions(nc_deps INTERFACE NC_WITH_TERM=1)
endif()

if(NC_WITH_GUI)
  # The desktop recorder: Xlib, XTest (synthetic input), MIT-SHM (fast capture, in libXext)
  # and XFixes (the cursor image, drawn into the frames).
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(NC_X11 REQUIRED IMPORTED_TARGET x11 xtst xext xfixes)
  target_link_libraries(nc_deps INTERFACE PkgConfig::NC_X11)
  target_compile_definitions(nc_deps INTERFACE NC_WITH_GUI=1)
  message(STATUS "nc: desktop recorder through X11 ${NC_X11_x11_VERSION}, XTest ${NC_X11_xtst_VERSION}")
endif()

if(NC_WITH_OCR)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(NC_TESSERACT REQUIRED IMPORTED_TARGET tesseract)
  target_link_libraries(nc_deps INTERFACE PkgConfig::NC_TESSERACT)
  target_compile_definitions(nc_deps INTERFACE NC_WITH_OCR=1)
endif()

if(NC_WITH_SENTENCEPIECE)
  # SentencePiece: the processor (load, encode, decode) and the trainer (nc tokenizer train).
  # Debian's .pc file lists both libraries; other installs may list only the processor.
  # Linked only into libnc_sentencepiece, which nc_lib opens at run time with local, deep
  # binding: Debian's libsentencepiece exports a bundled protobuf that collides with the
  # libprotobuf Debian's LibTorch links (src/text/sentencepiece_bridge.h, docs/BUILD.md).
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(NC_SENTENCEPIECE REQUIRED IMPORTED_TARGET sentencepiece)
  find_library(NC_SENTENCEPIECE_TRAIN_LIB sentencepiece_train
               HINTS ${NC_SENTENCEPIECE_LIBRARY_DIRS} REQUIRED)
  add_library(nc_sentencepiece_deps INTERFACE)
  target_link_libraries(nc_sentencepiece_deps INTERFACE PkgConfig::NC_SENTENCEPIECE
                        ${NC_SENTENCEPIECE_TRAIN_LIB})
  target_compile_definitions(nc_deps INTERFACE NC_WITH_SENTENCEPIECE=1)
  message(STATUS "nc: SentencePiece ${NC_SENTENCEPIECE_VERSION}")
endif()

add_library(nc_cli_deps INTERFACE)
find_package(CLI11 QUIET)
nc_header_only(CLI11::CLI11 CLI/CLI.hpp)
target_link_libraries(nc_cli_deps INTERFACE CLI11::CLI11)
