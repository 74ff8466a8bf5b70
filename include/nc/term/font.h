// Monospace glyphs through FreeType: one face per style (regular, bold, italic, bold italic;
// synthesised from the regular face when a style's file is absent), fallback faces for
// characters the main font lacks, and a cache of rendered coverage bitmaps.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace nc::term {

struct FontFiles {
  std::string regular, bold, italic, bold_italic;  // empty style files are synthesised
  std::vector<std::string> fallbacks;
};

// The files of an installed font family ("JetBrains Mono", "DejaVu Sans Mono"), found by file
// name (JetBrainsMono-Regular.ttf, DejaVuSansMono-Bold.ttf, ...) under the system and user font
// folders. `families` is a comma-separated list tried in order, as VHS's FontFamily is. An
// empty `regular` means none of them is installed.
FontFiles find_font_family(const std::string& families);

struct Glyph {
  int width = 0, height = 0;  // bitmap size in px
  int left = 0, top = 0;      // offset of the bitmap from the pen position, top above baseline
  std::vector<uint8_t> alpha; // width * height coverage values
};

class GlyphCache {
 public:
  GlyphCache(const FontFiles& files, double size_px);
  ~GlyphCache();
  GlyphCache(const GlyphCache&) = delete;
  GlyphCache& operator=(const GlyphCache&) = delete;

  const Glyph& get(char32_t c, bool bold, bool italic);

  double advance() const { return advance_; }    // px per cell of the regular face ('M')
  double ascender() const { return ascender_; }  // px above the baseline
  double descender() const { return descender_; } // px below the baseline (positive)
  size_t size() const { return cache_.size(); }

  struct Face;  // one FreeType face (defined in font.cpp)

 private:
  Face* face_for(char32_t c, int style, bool* synth_bold, bool* synth_italic);

  void* library_ = nullptr;  // FT_Library
  std::vector<std::unique_ptr<Face>> styles_;    // 4 entries, null where synthesised
  std::vector<std::unique_ptr<Face>> fallbacks_;
  std::unordered_map<uint64_t, Glyph> cache_;
  double advance_ = 0, ascender_ = 0, descender_ = 0;
};

}  // namespace nc::term
