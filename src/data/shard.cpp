#include "nc/data/shard.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include <ATen/ops/empty.h>
#include <fmt/format.h>

#include "nc/core/error.h"
#include "nc/core/mapped_file.h"
#include "nc/core/safetensors.h"
#include "nc/data/frame_codec.h"

namespace nc::data {
namespace {

constexpr char kMagic[8] = {'N', 'C', 'S', 'H', 'A', 'R', 'D', '1'};
constexpr char kEndMagic[8] = {'N', 'C', 'S', 'H', 'E', 'N', 'D', '1'};
constexpr size_t kTrailer = 24;
constexpr int kVersion = 1;

nlohmann::json range_json(uint64_t offset, uint64_t size) { return {offset, size}; }

nlohmann::json record_of(const Clip& clip) {
  nlohmann::json r = nlohmann::json::object();
  r["id"] = clip.id;
  r["fps"] = clip.fps;
  r["frames"] = clip.frames.size();
  r["caption"] = clip.captions.regular;
  r["caption_detailed"] = clip.captions.detailed;
  r["caption_semantic"] = clip.captions.semantic;
  for (auto it = clip.info.begin(); it != clip.info.end(); ++it) r[it.key()] = it.value();
  r["text"] = clip.text;
  nlohmann::json events = nlohmann::json::array();
  for (const auto& e : clip.events) events.push_back({e.time, std::string(1, e.type), e.data});
  r["events"] = std::move(events);
  return r;
}

void check_clip(const Clip& clip, const std::string& where) {
  if (clip.id.empty()) throw Error("clip without an id", where);
  if (clip.frames.empty()) throw Error("clip '" + clip.id + "' has no frames", where);
  const Image& f0 = clip.frames[0];
  if (f0.empty()) throw Error("clip '" + clip.id + "' has an empty frame", where);
  for (const auto& f : clip.frames)
    if (f.width != f0.width || f.height != f0.height || f.rgb.size() != f0.rgb.size())
      throw Error("clip '" + clip.id + "' mixes frame sizes", where);
  if (!clip.text.empty() && clip.text.size() != clip.frames.size())
    throw Error("clip '" + clip.id + "' has " + std::to_string(clip.text.size()) +
                    " text buffers for " + std::to_string(clip.frames.size()) + " frames",
                where);
  for (const auto& [name, t] : clip.tensors)
    if (!t.defined() || t.dim() == 0)
      throw Error("clip '" + clip.id + "' tensor '" + name + "' must have a frame dimension", where);
}

}  // namespace

// ---- writer ------------------------------------------------------------------------------------

ShardWriter::ShardWriter(std::string path) : path_(std::move(path)), out_(path_) {
  write(std::string(kMagic, 8));
}

void ShardWriter::write(const std::string& bytes) {
  out_.write(bytes.data(), bytes.size());
  offset_ += bytes.size();
}

void ShardWriter::add(const Clip& clip) {
  check_clip(clip, path_);
  nlohmann::json entry;
  entry["id"] = clip.id;

  std::string meta = record_of(clip).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  entry["meta"] = range_json(offset_, meta.size());
  write(meta);

  const Image& f0 = clip.frames[0];
  const size_t count = static_cast<size_t>(f0.width) * f0.height;
  nlohmann::json blobs = nlohmann::json::array();
  std::string coded;
  for (size_t k = 0; k < clip.frames.size(); ++k) {
    coded.clear();
    encode_frame(clip.frames[k].rgb.data(), k ? clip.frames[k - 1].rgb.data() : nullptr, count, coded);
    blobs.push_back(range_json(offset_, coded.size()));
    write(coded);
  }
  entry["frames"] = {{"count", clip.frames.size()},
                     {"height", f0.height},
                     {"width", f0.width},
                     {"codec", kFrameCodec},
                     {"blobs", std::move(blobs)}};

  nlohmann::json tensors = nlohmann::json::object();
  for (const auto& [name, t] : clip.tensors) {
    at::Tensor c = t.detach().to(at::kCPU).contiguous();
    auto dtype = safetensors::from_scalar_type(c.scalar_type());
    std::string raw(static_cast<const char*>(c.data_ptr()), c.numel() * c.element_size());
    tensors[name] = {{"dtype", safetensors::dtype_name(dtype)},
                     {"shape", c.sizes().vec()},
                     {"range", range_json(offset_, raw.size())}};
    write(raw);
  }
  entry["tensors"] = std::move(tensors);
  index_.push_back(std::move(entry));
}

void ShardWriter::finish() {
  nlohmann::json index = {{"format", "nc-shard"}, {"version", kVersion}, {"clips", index_}};
  std::string text = index.dump();
  uint64_t index_offset = offset_, index_size = text.size();
  write(text);
  std::string trailer(kTrailer, '\0');
  std::memcpy(trailer.data(), &index_offset, 8);
  std::memcpy(trailer.data() + 8, &index_size, 8);
  std::memcpy(trailer.data() + 16, kEndMagic, 8);
  write(trailer);
  out_.commit();
}

// ---- reader ------------------------------------------------------------------------------------

ShardReader::ShardReader(const std::string& path) : path_(path), file_(MappedFile::open(path)) {
  const size_t size = file_->size();
  const uint8_t* data = file_->data();
  if (size < 8 + kTrailer || std::memcmp(data, kMagic, 8) != 0)
    throw Error("not a clip shard (bad magic)", path, "shards are written by 'nc data render'");
  if (std::memcmp(data + size - 8, kEndMagic, 8) != 0)
    throw Error("shard is truncated or was not finished (no end marker)", path);
  uint64_t index_offset, index_size;
  std::memcpy(&index_offset, data + size - kTrailer, 8);
  std::memcpy(&index_size, data + size - kTrailer + 8, 8);
  if (index_offset < 8 || index_offset > size - kTrailer || index_size != size - kTrailer - index_offset)
    throw Error("shard index location is inconsistent with the file size", path);

  nlohmann::json index;
  try {
    index = nlohmann::json::parse(data + index_offset, data + index_offset + index_size);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("shard index is not valid JSON: ") + e.what(), path);
  }
  if (index.value("format", "") != "nc-shard") throw Error("not a clip shard index", path);
  if (index.value("version", 0) != kVersion)
    throw Error("unsupported shard version " + index.value("version", nlohmann::json()).dump(), path,
                "this nc reads version " + std::to_string(kVersion));

  // Every range must lie between the magic and the index.
  auto range = [&](const nlohmann::json& j, const std::string& where) {
    if (!j.is_array() || j.size() != 2 || !j[0].is_number_unsigned() || !j[1].is_number_unsigned())
      throw Error("bad byte range", where);
    Range r{j[0].get<uint64_t>(), j[1].get<uint64_t>()};
    if (r.offset < 8 || r.offset > index_offset || r.size > index_offset - r.offset)
      throw Error("byte range outside the data section", where);
    return r;
  };
  try {
    for (const auto& c : index.at("clips")) {
      Entry e;
      e.id = c.at("id").get<std::string>();
      const std::string where = path + ": clip '" + e.id + "'";
      e.meta = range(c.at("meta"), where);
      const auto& f = c.at("frames");
      if (f.at("codec").get<std::string>() != kFrameCodec)
        throw Error("unknown frame codec '" + f.at("codec").get<std::string>() + "'", where);
      e.shape = {f.at("count").get<int64_t>(), f.at("height").get<int64_t>(), f.at("width").get<int64_t>()};
      if (e.shape.frames <= 0 || e.shape.height <= 0 || e.shape.width <= 0 ||
          e.shape.height * e.shape.width > (int64_t(1) << 28) || e.shape.frames > 100000)
        throw Error("implausible frame shape", where);
      for (const auto& b : f.at("blobs")) e.frames.push_back(range(b, where));
      if (static_cast<int64_t>(e.frames.size()) != e.shape.frames)
        throw Error("frame count does not match the frame list", where);
      for (auto it = c.at("tensors").begin(); it != c.at("tensors").end(); ++it) {
        TensorEntry t;
        t.name = it.key();
        t.dtype = it.value().at("dtype").get<std::string>();
        t.shape = it.value().at("shape").get<std::vector<int64_t>>();
        t.range = range(it.value().at("range"), where + " tensor '" + t.name + "'");
        auto dtype = safetensors::dtype_from_name(t.dtype);
        if (!dtype) throw Error("unknown tensor dtype '" + t.dtype + "'", where);
        uint64_t n = safetensors::dtype_size(*dtype);
        for (int64_t d : t.shape) {
          if (d < 0 || (d > 0 && n > (uint64_t(1) << 40) / static_cast<uint64_t>(d)))
            throw Error("implausible tensor shape for '" + t.name + "'", where);
          n *= static_cast<uint64_t>(d);
        }
        if (n != t.range.size) throw Error("tensor '" + t.name + "' size does not match its shape", where);
        e.tensors.push_back(std::move(t));
      }
      entries_.push_back(std::move(e));
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("shard index is malformed: ") + e.what(), path);
  }
}

std::string_view ShardReader::bytes(const Range& r) const {
  return {reinterpret_cast<const char*>(file_->data() + r.offset), static_cast<size_t>(r.size)};
}

const ShardReader::Entry& ShardReader::entry(size_t i) const {
  if (i >= entries_.size())
    throw Error("clip index " + std::to_string(i) + " out of range (" + std::to_string(entries_.size()) +
                    " clips)",
                path_);
  return entries_[i];
}

const std::string& ShardReader::id(size_t i) const { return entry(i).id; }

std::optional<size_t> ShardReader::find(const std::string& id) const {
  for (size_t i = 0; i < entries_.size(); ++i)
    if (entries_[i].id == id) return i;
  return std::nullopt;
}

FrameShape ShardReader::shape(size_t i) const { return entry(i).shape; }

nlohmann::json ShardReader::record(size_t i) const {
  const Entry& e = entry(i);
  try {
    return nlohmann::json::parse(bytes(e.meta));
  } catch (const nlohmann::json::exception& ex) {
    throw Error(std::string("clip record is not valid JSON: ") + ex.what(), path_ + ": clip '" + e.id + "'");
  }
}

void ShardReader::decode_frames(size_t i, uint8_t* out) const {
  const Entry& e = entry(i);
  const size_t count = static_cast<size_t>(e.shape.height * e.shape.width);
  const std::string where = path_ + ": clip '" + e.id + "'";
  for (size_t k = 0; k < e.frames.size(); ++k) {
    uint8_t* frame = out + 3 * count * k;
    decode_frame(bytes(e.frames[k]), k ? frame - 3 * count : nullptr, count, frame, where);
  }
}

at::Tensor ShardReader::frames(size_t i) const {
  FrameShape s = shape(i);
  at::Tensor t = at::empty({s.frames, s.height, s.width, 3}, at::kByte);
  decode_frames(i, t.data_ptr<uint8_t>());
  return t;
}

std::map<std::string, at::Tensor> ShardReader::tensors(size_t i) const {
  std::map<std::string, at::Tensor> out;
  for (const auto& t : entry(i).tensors) {
    auto dtype = *safetensors::dtype_from_name(t.dtype);
    at::Tensor x = at::empty(t.shape, at::TensorOptions().dtype(safetensors::to_scalar_type(dtype)));
    auto b = bytes(t.range);
    if (!b.empty()) std::memcpy(x.data_ptr(), b.data(), b.size());
    out[t.name] = x;
  }
  return out;
}

Clip ShardReader::clip(size_t i) const {
  const Entry& e = entry(i);
  nlohmann::json r = record(i);
  Clip c;
  c.id = e.id;
  c.fps = r.value("fps", 15.0);
  c.captions = {r.value("caption_semantic", ""), r.value("caption", ""), r.value("caption_detailed", "")};
  if (r.contains("text")) c.text = r["text"].get<std::vector<std::vector<std::string>>>();
  for (const auto& ev : r.value("events", nlohmann::json::array()))
    c.events.push_back({ev.at(0).get<double>(), ev.at(1).get<std::string>().at(0), ev.at(2).get<std::string>()});
  for (const char* key : {"id", "fps", "frames", "caption", "caption_detailed", "caption_semantic", "text", "events"})
    r.erase(key);
  c.info = std::move(r);
  const FrameShape s = e.shape;
  std::vector<uint8_t> all(s.bytes());
  decode_frames(i, all.data());
  const size_t frame_bytes = static_cast<size_t>(s.height * s.width * 3);
  for (int64_t k = 0; k < s.frames; ++k) {
    Image img;
    img.width = static_cast<int>(s.width);
    img.height = static_cast<int>(s.height);
    img.rgb.assign(all.begin() + k * frame_bytes, all.begin() + (k + 1) * frame_bytes);
    c.frames.push_back(std::move(img));
  }
  c.tensors = tensors(i);
  return c;
}

// ---- shard sets ----------------------------------------------------------------------------------

ShardSetWriter::ShardSetWriter(std::string dir, size_t clips_per_shard, nlohmann::json info, bool append)
    : dir_(std::move(dir)), clips_per_shard_(std::max<size_t>(1, clips_per_shard)), info_(std::move(info)) {
  make_dirs(dir_);
  const std::string manifest = dir_ + "/shards.json";
  if (append && file_exists(manifest)) {
    try {
      nlohmann::json m = nlohmann::json::parse(read_file(manifest));
      for (const auto& s : m.at("shards"))
        if (file_exists(dir_ + "/" + s.at("file").get<std::string>())) {
          shards_.push_back(s);
          total_ += s.at("clips").get<size_t>();
        }
    } catch (const nlohmann::json::exception& e) {
      throw Error(std::string("shards.json is malformed: ") + e.what(), manifest, "move the folder aside or remove it");
    }
  }
}

void ShardSetWriter::add(const Clip& clip) {
  if (!current_) {
    size_t n = shards_.size();
    do {
      current_name_ = fmt::format("shard-{:05d}{}", n++, kShardExtension);
    } while (file_exists(dir_ + "/" + current_name_));
    current_ = std::make_unique<ShardWriter>(dir_ + "/" + current_name_);
  }
  current_->add(clip);
  current_ids_.push_back(clip.id);
  ++total_;
  if (current_->clips() >= clips_per_shard_) close_shard();
}

void ShardSetWriter::close_shard() {
  if (!current_) return;
  current_->finish();
  shards_.push_back({{"file", current_name_}, {"clips", current_->clips()}, {"bytes", current_->bytes()}});
  current_.reset();
  write_manifest();
  std::vector<std::string> ids;
  ids.swap(current_ids_);
  if (on_shard_done) on_shard_done(current_name_, ids);
}

void ShardSetWriter::write_manifest() {
  nlohmann::json manifest = {{"format", "nc-shards"}, {"version", kVersion}, {"clips", total_},
                             {"shards", shards_}, {"info", info_}};
  write_file_atomic(dir_ + "/shards.json", manifest.dump(2) + "\n");
}

size_t ShardSetWriter::finish() {
  close_shard();
  write_manifest();
  return total_;
}

std::vector<std::string> shard_files(const std::string& path) {
  namespace fs = std::filesystem;
  if (const size_t comma = path.find(','); comma != std::string::npos) {
    std::vector<std::string> files = shard_files(path.substr(0, comma));
    for (auto& f : shard_files(path.substr(comma + 1))) files.push_back(std::move(f));
    return files;
  }
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return {path};
  if (!fs::is_directory(path, ec)) throw Error("no such shard file or directory", path);
  const std::string manifest = path + "/shards.json";
  if (!fs::exists(manifest, ec))
    throw Error("directory has no shards.json", path, "point at a .ncshard file or a 'nc data render' output");
  nlohmann::json m;
  try {
    m = nlohmann::json::parse(read_file(manifest));
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("shards.json is not valid JSON: ") + e.what(), manifest);
  }
  std::vector<std::string> files;
  try {
    for (const auto& s : m.at("shards")) files.push_back(path + "/" + s.at("file").get<std::string>());
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("shards.json is malformed: ") + e.what(), manifest);
  }
  return files;
}

}  // namespace nc::data
