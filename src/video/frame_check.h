// Private to the video module: the shape check every encoder runs on an incoming Image.
#pragma once

#include <cstddef>
#include <string>

#include "nc/core/error.h"
#include "nc/core/image.h"

namespace nc::video::detail {

// Throws unless `image` is non-empty and its buffer holds exactly width * height * 3 bytes.
inline void check_image(const Image& image, const std::string& where) {
  check(image.width > 0 && image.height > 0,
        "empty image (" + std::to_string(image.width) + "x" + std::to_string(image.height) + ")",
        where);
  const size_t want = static_cast<size_t>(image.width) * image.height * 3;
  check(image.rgb.size() == want,
        "image buffer holds " + std::to_string(image.rgb.size()) + " bytes, " +
            std::to_string(image.width) + "x" + std::to_string(image.height) + " RGB8 needs " +
            std::to_string(want),
        where);
}

}  // namespace nc::video::detail
