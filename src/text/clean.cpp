// Caption cleaning before tokenization (every build, with or without SentencePiece).
#include <cctype>
#include <string>

#include "nc/text/tokenizer.h"

namespace nc::text {

std::string clean_whitespace(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace nc::text
