#include "nc/term/font.h"

#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_SYNTHESIS_H

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>

#include "nc/core/error.h"
#include "nc/core/file_util.h"

namespace nc::term {

struct GlyphCache::Face {
  FT_Face face = nullptr;
  ~Face() {
    if (face) FT_Done_Face(face);
  }
};

namespace {

std::unique_ptr<GlyphCache::Face> open_face(FT_Library lib, const std::string& path, double size_px,
                                            bool required);

}  // namespace

GlyphCache::GlyphCache(const FontFiles& files, double size_px) {
  if (!(size_px >= 4 && size_px <= 512))
    throw Error("font size " + std::to_string(size_px) + " px is out of range", "render.font_size",
                "use 4 to 512");
  FT_Library lib;
  if (FT_Init_FreeType(&lib)) throw Error("FreeType could not start", "term::GlyphCache");
  library_ = lib;
  styles_.resize(4);
  const std::string* paths[4] = {&files.regular, &files.bold, &files.italic, &files.bold_italic};
  for (int s = 0; s < 4; ++s)
    if (!paths[s]->empty()) styles_[s] = open_face(lib, *paths[s], size_px, s == 0);
  if (!styles_[0]) throw Error("no regular font given", "render.font");
  for (const auto& f : files.fallbacks)
    if (auto face = open_face(lib, f, size_px, false)) fallbacks_.push_back(std::move(face));

  FT_Face reg = styles_[0]->face;
  if (FT_Load_Char(reg, 'M', FT_LOAD_DEFAULT))
    throw Error("the font has no 'M'; is it a text font?", files.regular);
  advance_ = reg->glyph->advance.x / 64.0;
  ascender_ = reg->size->metrics.ascender / 64.0;
  descender_ = -reg->size->metrics.descender / 64.0;
}

GlyphCache::~GlyphCache() {
  styles_.clear();
  fallbacks_.clear();
  if (library_) FT_Done_FreeType(static_cast<FT_Library>(library_));
}

GlyphCache::Face* GlyphCache::face_for(char32_t c, int style, bool* synth_bold, bool* synth_italic) {
  *synth_bold = *synth_italic = false;
  Face* f = styles_[style].get();
  if (!f) {
    // Fall back to the nearest real style, synthesising what is missing.
    bool bold = style & 1, italic = style & 2;
    if (bold && italic && styles_[1]) {
      f = styles_[1].get();
      *synth_italic = true;
    } else if (bold && italic && styles_[2]) {
      f = styles_[2].get();
      *synth_bold = true;
    } else {
      f = styles_[0].get();
      *synth_bold = bold;
      *synth_italic = italic;
    }
  }
  if (FT_Get_Char_Index(f->face, c)) return f;
  for (auto& fb : fallbacks_)
    if (FT_Get_Char_Index(fb->face, c)) return fb.get();
  return f;  // renders the font's "missing glyph" box
}

const Glyph& GlyphCache::get(char32_t c, bool bold, bool italic) {
  const int style = (bold ? 1 : 0) | (italic ? 2 : 0);
  const uint64_t key = (static_cast<uint64_t>(c) << 2) | static_cast<uint64_t>(style);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;

  bool synth_bold, synth_italic;
  Face* f = face_for(c, style, &synth_bold, &synth_italic);
  Glyph g;
  FT_Face face = f->face;
  if (!FT_Load_Char(face, c, FT_LOAD_DEFAULT | FT_LOAD_TARGET_LIGHT)) {
    if (synth_bold) FT_GlyphSlot_Embolden(face->glyph);
    if (synth_italic) FT_GlyphSlot_Oblique(face->glyph);
    if (!FT_Render_Glyph(face->glyph, FT_RENDER_MODE_NORMAL)) {
      const FT_Bitmap& bm = face->glyph->bitmap;
      g.width = static_cast<int>(bm.width);
      g.height = static_cast<int>(bm.rows);
      g.left = face->glyph->bitmap_left;
      g.top = face->glyph->bitmap_top;
      g.alpha.resize(static_cast<size_t>(g.width) * g.height);
      for (int y = 0; y < g.height; ++y)
        for (int x = 0; x < g.width; ++x)
          g.alpha[static_cast<size_t>(y) * g.width + x] = bm.buffer[y * bm.pitch + x];
    }
  }
  return cache_.emplace(key, std::move(g)).first->second;
}

namespace {

std::unique_ptr<GlyphCache::Face> open_face(FT_Library lib, const std::string& path, double size_px,
                                            bool required) {
  if (!file_exists(path)) {
    if (required) throw Error("font file not found", path, "install fonts-dejavu-core or set render.font");
    return nullptr;
  }
  auto f = std::make_unique<GlyphCache::Face>();
  if (FT_New_Face(lib, path.c_str(), 0, &f->face)) {
    f->face = nullptr;
    if (required) throw Error("FreeType cannot read this font", path);
    return nullptr;
  }
  if (FT_Set_Char_Size(f->face, 0, static_cast<FT_F26Dot6>(std::lround(size_px * 64)), 72, 72)) {
    if (required) throw Error("font cannot be scaled to " + std::to_string(size_px) + " px", path);
    return nullptr;
  }
  return f;
}

}  // namespace

FontFiles find_font_family(const std::string& families) {
  // File name -> path for every font file installed, scanned once.
  static std::mutex mu;
  static std::map<std::string, std::string> files;
  static bool scanned = false;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!scanned) {
      scanned = true;
      std::vector<std::string> dirs = {"/usr/share/fonts", "/usr/local/share/fonts"};
      if (const char* home = std::getenv("HOME")) {
        dirs.push_back(std::string(home) + "/.local/share/fonts");
        dirs.push_back(std::string(home) + "/.fonts");
      }
      for (const auto& d : dirs) {
        std::error_code ec;
        for (auto it = std::filesystem::recursive_directory_iterator(d, ec);
             !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
          const auto ext = it->path().extension().string();
          if (ext == ".ttf" || ext == ".otf" || ext == ".TTF" || ext == ".OTF")
            files.emplace(it->path().filename().string(), it->path().string());
        }
      }
    }
  }
  auto find = [&](const std::string& base, std::initializer_list<const char*> suffixes) -> std::string {
    for (const char* suffix : suffixes)
      for (const char* ext : {".ttf", ".otf"}) {
        auto it = files.find(base + suffix + ext);
        if (it != files.end()) return it->second;
      }
    return {};
  };
  size_t start = 0;
  while (start <= families.size()) {
    size_t end = families.find(',', start);
    if (end == std::string::npos) end = families.size();
    std::string base;
    for (char c : families.substr(start, end - start))
      if (c != ' ' && c != '"' && c != '\'') base += c;
    start = end + 1;
    if (base.empty()) continue;
    FontFiles f;
    f.regular = find(base, {"-Regular", ""});
    if (f.regular.empty()) continue;
    f.bold = find(base, {"-Bold"});
    f.italic = find(base, {"-Italic", "-Oblique"});
    f.bold_italic = find(base, {"-BoldItalic", "-BoldOblique"});
    return f;
  }
  return {};
}

}  // namespace nc::term
