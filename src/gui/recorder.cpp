#include "nc/gui/recorder.h"

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <X11/extensions/XTest.h>
#include <X11/extensions/Xfixes.h>
#include <sys/ipc.h>
#include <pwd.h>
#include <sys/shm.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/log.h"
#include "nc/core/strings.h"
#include "nc/gui/action_json.h"
#include "nc/gui/csv_log.h"
#include "nc/gui/keys.h"
#include "nc/gui/synthetic_agent.h"
#include "nc/video/mp4_writer.h"
#include "x_session.h"

namespace nc::gui {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// The root window as RGB8 (MIT-SHM when available), with the X cursor composited (XFixes).
class Capturer {
 public:
  Capturer(Display* d, int width, int height, bool shm, bool cursor, std::vector<std::string>& warnings)
      : d_(d), w_(width), h_(height), cursor_(cursor) {
    Visual* visual = DefaultVisual(d_, DefaultScreen(d_));
    const int depth = DefaultDepth(d_, DefaultScreen(d_));
    if (shm && XShmQueryExtension(d_)) {
      image_ = XShmCreateImage(d_, visual, static_cast<unsigned>(depth), ZPixmap, nullptr, &info_,
                               static_cast<unsigned>(w_), static_cast<unsigned>(h_));
      if (image_) {
        info_.shmid = shmget(IPC_PRIVATE, static_cast<size_t>(image_->bytes_per_line) * image_->height, IPC_CREAT | 0600);
        if (info_.shmid >= 0) {
          info_.shmaddr = image_->data = static_cast<char*>(shmat(info_.shmid, nullptr, 0));
          info_.readOnly = False;
          if (info_.shmaddr != reinterpret_cast<char*>(-1) && XShmAttach(d_, &info_)) {
            XSync(d_, False);
            shmctl(info_.shmid, IPC_RMID, nullptr);  // freed once both sides detach
            use_shm_ = true;
          }
        }
        if (!use_shm_) {
          if (info_.shmid >= 0) shmctl(info_.shmid, IPC_RMID, nullptr);
          image_->data = nullptr;
          XDestroyImage(image_);
          image_ = nullptr;
        }
      }
      if (!use_shm_) warnings.push_back("MIT-SHM unavailable: capturing with XGetImage");
    }
  }
  ~Capturer() {
    if (use_shm_) {
      XShmDetach(d_, &info_);
      XSync(d_, False);
      shmdt(info_.shmaddr);
      image_->data = nullptr;
      XDestroyImage(image_);
    }
  }
  Capturer(const Capturer&) = delete;
  Capturer& operator=(const Capturer&) = delete;

  Image grab() {
    const Window root = DefaultRootWindow(d_);
    XImage* img = image_;
    if (use_shm_) {
      if (!XShmGetImage(d_, root, image_, 0, 0, AllPlanes)) throw Error("XShmGetImage failed", "capture");
    } else {
      img = XGetImage(d_, root, 0, 0, static_cast<unsigned>(w_), static_cast<unsigned>(h_), AllPlanes, ZPixmap);
      if (!img) throw Error("XGetImage failed", "capture");
    }
    Image out(w_, h_);
    if (img->bits_per_pixel != 32 || img->red_mask != 0xff0000 || img->green_mask != 0xff00 || img->blue_mask != 0xff) {
      if (!use_shm_) XDestroyImage(img);
      throw Error("unsupported X visual (need 24-bit TrueColor in 32-bit pixels)", "capture");
    }
    for (int y = 0; y < h_; ++y) {
      const uint8_t* src = reinterpret_cast<const uint8_t*>(img->data) + static_cast<size_t>(y) * img->bytes_per_line;
      uint8_t* dst = out.pixel(0, y);
      for (int x = 0; x < w_; ++x, src += 4, dst += 3) {  // little-endian BGRX
        dst[0] = src[2];
        dst[1] = src[1];
        dst[2] = src[0];
      }
    }
    if (!use_shm_) XDestroyImage(img);
    if (cursor_) draw_x_cursor(out);
    return out;
  }

 private:
  void draw_x_cursor(Image& out) {
    XFixesCursorImage* c = XFixesGetCursorImage(d_);
    if (!c) return;
    const int ox = c->x - c->xhot, oy = c->y - c->yhot;
    for (int y = 0; y < c->height; ++y)
      for (int x = 0; x < c->width; ++x) {
        const int px = ox + x, py = oy + y;
        if (px < 0 || py < 0 || px >= w_ || py >= h_) continue;
        const unsigned long argb = c->pixels[static_cast<size_t>(y) * c->width + x];  // premultiplied
        const unsigned a = (argb >> 24) & 0xff;
        if (a == 0) continue;
        uint8_t* d = out.pixel(px, py);
        const unsigned src[3] = {static_cast<unsigned>((argb >> 16) & 0xff), static_cast<unsigned>((argb >> 8) & 0xff),
                                 static_cast<unsigned>(argb & 0xff)};
        for (int k = 0; k < 3; ++k) d[k] = static_cast<uint8_t>(std::min(255u, src[k] + (d[k] * (255 - a) + 127) / 255));
      }
    XFree(c);
  }

  Display* d_;
  int w_, h_;
  bool cursor_;
  bool use_shm_ = false;
  XImage* image_ = nullptr;
  XShmSegmentInfo info_{};
};

// Keys through XTest, by keysym name: shifted keysyms press Shift around them; keysyms the
// keymap lacks are bound to a spare keycode first (as xdotool does).
class Keyboard {
 public:
  explicit Keyboard(Display* d) : d_(d) {
    XDisplayKeycodes(d_, &min_, &max_);
    syms_ = XGetKeyboardMapping(d_, static_cast<KeyCode>(min_), max_ - min_ + 1, &per_);
  }
  ~Keyboard() {
    if (syms_) XFree(syms_);
  }
  Keyboard(const Keyboard&) = delete;
  Keyboard& operator=(const Keyboard&) = delete;

  void down(const std::string& name) {
    const auto [code, shift] = lookup(name);
    if (!code) return;
    const bool need_shift = shift && !shift_held();
    if (need_shift) XTestFakeKeyEvent(d_, shift_code(), True, 0);
    XTestFakeKeyEvent(d_, code, True, 0);
    if (need_shift) XTestFakeKeyEvent(d_, shift_code(), False, 0);
    held_.insert(code);
  }
  void up(const std::string& name) {
    const auto [code, shift] = lookup(name);
    (void)shift;
    if (!code) return;
    XTestFakeKeyEvent(d_, code, False, 0);
    held_.erase(code);
  }
  void tap(const std::string& name) {
    down(name);
    up(name);
  }
  void release_all() {
    for (unsigned code : held_) XTestFakeKeyEvent(d_, code, False, 0);
    held_.clear();
  }
  int skipped() const { return skipped_; }

 private:
  bool shift_held() const { return held_.count(shift_code()) > 0; }
  unsigned shift_code() const { return XKeysymToKeycode(d_, XStringToKeysym("Shift_L")); }

  std::pair<unsigned, bool> lookup(const std::string& name) {
    auto it = cache_.find(name);
    if (it != cache_.end()) return it->second;
    KeySym ks = XStringToKeysym(name.c_str());
    if (ks == NoSymbol && name == "Separator") ks = XStringToKeysym("KP_Separator");
    std::pair<unsigned, bool> r{0, false};
    if (ks == NoSymbol) {
      ++skipped_;
      log::debug("no X keysym for '{}'", name);
      return cache_[name] = r;
    }
    for (int level : {0, 1})
      for (int kc = min_; kc <= max_ && !r.first; ++kc)
        if (syms_[(kc - min_) * per_ + level] == ks) r = {static_cast<unsigned>(kc), level == 1};
    if (!r.first) r = {bind_spare(ks), false};
    if (!r.first) ++skipped_;
    return cache_[name] = r;
  }

  unsigned bind_spare(KeySym ks) {
    for (int kc = max_; kc >= min_; --kc) {
      bool empty = true;
      for (int l = 0; l < per_ && empty; ++l) empty = syms_[(kc - min_) * per_ + l] == NoSymbol;
      if (!empty) continue;
      std::vector<KeySym> row(static_cast<size_t>(per_), NoSymbol);
      row[0] = ks;
      XChangeKeyboardMapping(d_, kc, per_, row.data(), 1);
      XSync(d_, False);
      syms_[(kc - min_) * per_] = ks;
      return static_cast<unsigned>(kc);
    }
    return 0;
  }

  Display* d_;
  int min_ = 8, max_ = 255, per_ = 1;
  KeySym* syms_ = nullptr;
  std::map<std::string, std::pair<unsigned, bool>> cache_;
  std::set<unsigned> held_;
  int skipped_ = 0;
};

// Sends one plan step: the move, then the events in order (PAPER.md §1.3: mousemove, click,
// keydown/keyup).
void send_step(Display* d, const GuiFrame& f, Keyboard& kb, std::set<int>& buttons) {
  if (f.has_cursor()) XTestFakeMotionEvent(d, -1, static_cast<int>(f.x), static_cast<int>(f.y), 0);
  auto button = [&](int b, bool press) { XTestFakeButtonEvent(d, static_cast<unsigned>(b), press ? True : False, 0); };
  for (const GuiEvent& e : f.events) {
    switch (e.kind) {
      case EventKind::kClick:
        for (int i = 0; i < e.count; ++i) {
          button(e.button, true);
          button(e.button, false);
        }
        break;
      case EventKind::kPress:
        button(e.button, true);
        buttons.insert(e.button);
        break;
      case EventKind::kRelease:
        button(e.button, false);
        buttons.erase(e.button);
        break;
      case EventKind::kScroll: {
        const int b = e.direction == Scroll::kUp ? 4 : e.direction == Scroll::kDown ? 5 : e.direction == Scroll::kLeft ? 6 : 7;
        for (int i = 0; i < e.amount; ++i) {
          button(b, true);
          button(b, false);
        }
        break;
      }
      case EventKind::kKeyDown: kb.down(e.key); break;
      case EventKind::kKeyUp: kb.up(e.key); break;
      case EventKind::kText:
        for (char c : e.text) kb.tap(canonical_key(std::string(1, c)));
        break;
      case EventKind::kChord:
        for (const std::string& part : split(e.text, ' ')) {
          if (trim(part).empty()) continue;
          const Chord ch = parse_chord(part, "plan");
          std::vector<std::string> mods;
          if (ch.modifiers & kCtrl) mods.push_back("Control_L");
          if (ch.modifiers & kShift) mods.push_back("Shift_L");
          if (ch.modifiers & kAlt) mods.push_back("Alt_L");
          if (ch.modifiers & kMeta) mods.push_back("Super_L");
          for (const auto& m : mods) kb.down(m);
          if (!ch.key_name.empty()) kb.tap(ch.key_name);
          for (auto it = mods.rbegin(); it != mods.rend(); ++it) kb.up(*it);
        }
        break;
    }
  }
  XSync(d, False);
}

// Frames go to the encoder on a thread of its own through a bounded queue.
class Encoder {
 public:
  Encoder(const std::string& path, int w, int h, const RecorderOptions& o) {
    video::VideoWriterOptions vo;
    vo.fps = o.fps;
    vo.crf = o.crf;
    vo.preset = o.preset;
    vo.codec = o.codec;
    writer_ = std::make_unique<video::Mp4Writer>(path, w, h, vo);
    thread_ = std::thread([this] { run(); });
  }
  ~Encoder() {
    if (thread_.joinable()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        done_ = true;
      }
      cv_.notify_all();
      thread_.join();
    }
  }
  void push(Image frame) {
    std::unique_lock<std::mutex> lock(mu_);
    space_.wait(lock, [&] { return queue_.size() < kCapacity || failed_; });
    if (failed_) throw Error("the encoder failed: " + error_);
    queue_.push_back(std::move(frame));
    cv_.notify_one();
  }
  // Flushes, closes the file; returns the mean encoding time per frame (ms).
  double finish() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
    if (failed_) throw Error("the encoder failed: " + error_);
    writer_->close();
    return frames_ ? encode_ms_ / frames_ : 0;
  }

 private:
  static constexpr size_t kCapacity = 60;
  void run() {
    for (;;) {
      Image frame;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return !queue_.empty() || done_; });
        if (queue_.empty()) return;
        frame = std::move(queue_.front());
        queue_.pop_front();
      }
      space_.notify_one();
      if (failed_) continue;
      const auto t = Clock::now();
      try {
        writer_->write(frame);
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mu_);
        failed_ = true;
        error_ = e.what();
        space_.notify_all();
      }
      encode_ms_ += ms_since(t);
      ++frames_;
    }
  }

  std::unique_ptr<video::Mp4Writer> writer_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_, space_;
  std::deque<Image> queue_;
  bool done_ = false, failed_ = false;
  std::string error_;
  double encode_ms_ = 0;
  int frames_ = 0;
};

// A scratch folder for the apps (home, the editor's file, the file browser's folder).
class Sandbox {
 public:
  explicit Sandbox(int uid, int gid) {
    char tmpl[] = "/tmp/nc-gui-XXXXXX";
    if (!::mkdtemp(tmpl)) throw Error("cannot create a scratch folder in /tmp", "record");
    path_ = tmpl;
    write_file_atomic(path_ + "/notes.txt", "Notes\n\nA scratch file for the recording.\n");
    make_dirs(path_ + "/Documents");
    make_dirs(path_ + "/Pictures");
    write_file_atomic(path_ + "/Documents/todo.txt", "- record a desktop\n- import it\n");
    write_file_atomic(path_ + "/Documents/report.md", "# Report\n");
    if (uid >= 0) {
      for (const auto& e : fs::recursive_directory_iterator(path_))
        if (::chown(e.path().c_str(), static_cast<uid_t>(uid), static_cast<gid_t>(gid)) != 0) break;
      if (::chown(path_.c_str(), static_cast<uid_t>(uid), static_cast<gid_t>(gid)) != 0) {
      }
    }
  }
  ~Sandbox() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

nlohmann::ordered_json RecordReport::to_json() const {
  return {{"video", video},
          {"csv", csv},
          {"meta_json", meta_json},
          {"display", display},
          {"frames", frames},
          {"dropped", dropped},
          {"dropped_rate", dropped_rate},
          {"wall_seconds", wall_seconds},
          {"capture_ms_mean", capture_ms_mean},
          {"capture_ms_max", capture_ms_max},
          {"encode_ms_mean", encode_ms_mean},
          {"max_late_ms", max_late_ms},
          {"pointer_mismatches", pointer_mismatches},
          {"skipped_keys", skipped_keys},
          {"apps", apps},
          {"pids", pids},
          {"warnings", warnings}};
}

RecordReport record_desktop(const RecordRequest& req, const GuiOptions& options) {
  const RecorderOptions& ro = options.recorder;
  check(req.seconds > 0 && req.seconds <= 24 * 3600, "--seconds must be in (0, 86400]", "--seconds");
  check(!req.out_dir.empty(), "no output folder", "--out");
  const int frames = std::max(1, static_cast<int>(std::lround(req.seconds * ro.fps)));
  const AgentSpec agent = parse_agent(req.agent);
  // The plan first: a bad script fails before anything starts.
  const GuiTrace plan = plan_agent(agent, frames, ro.screen_width, ro.screen_height, ro.fps, options.agent, req.seed);

  const std::string name = "record_" + std::to_string(req.index);
  RecordReport report;
  report.video = req.out_dir + "/videos/" + name + ".mp4";
  report.csv = req.out_dir + "/actions/" + name + ".csv";
  report.meta_json = req.out_dir + "/actions/meta_actions_" + std::to_string(req.index) + ".json";
  report.report_json = req.out_dir + "/recording_" + std::to_string(req.index) + ".json";
  const std::string log_dir = req.out_dir + "/logs";
  for (const auto& d : {req.out_dir + "/videos", req.out_dir + "/actions", log_dir}) make_dirs(d);

  int uid = -1, gid = -1;
  if (::geteuid() == 0 && !ro.app_user.empty())
    if (const passwd* pw = ::getpwnam(ro.app_user.c_str())) {
      uid = static_cast<int>(pw->pw_uid);
      gid = static_cast<int>(pw->pw_gid);
    }
  // Random clicks and keys in a file browser can delete whatever its user may delete: random
  // agents drive apps only as an unprivileged account, unless told otherwise.
  if (agent.kind != AgentKind::kScript && uid < 0 && !ro.allow_same_user)
    throw Error("the random agent would drive the apps as this process's user" +
                    std::string(::geteuid() == 0 ? " (root)" : "") + ", with its files in their reach",
                "gui.recorder.app_user",
                ::geteuid() == 0 ? "set gui.recorder.app_user to an existing unprivileged account (default nobody)"
                                 : "run the recorder as root (apps then run as gui.recorder.app_user), use "
                                   "--agent script:FILE, or set gui.recorder.allow_same_user=true");
  Sandbox sandbox(uid, gid);
  detail::XSession session(ro, req.x_server, sandbox.path(), log_dir);
  Display* d = session.display();
  report.display = session.number();
  report.apps = session.app_names();
  for (pid_t p : session.pids()) report.pids.push_back(static_cast<int>(p));
  report.warnings = session.warnings;
  log::info("desktop on :{} with {}", report.display, join(report.apps, ", "));

  Capturer capturer(d, ro.screen_width, ro.screen_height, ro.capture == "shm", ro.draw_cursor, report.warnings);
  Keyboard keyboard(d);
  Encoder encoder(report.video, ro.screen_width, ro.screen_height, ro);
  std::set<int> buttons;

  capturer.grab();  // the first capture maps the shared memory: keep it off the clock
  std::vector<double> timestamps;
  timestamps.reserve(static_cast<size_t>(frames));
  const double period = 1.0 / ro.fps;
  double capture_ms_total = 0;
  const auto t0 = Clock::now();
  double shift = 0;  // s the grid moved after dropped slots
  for (int k = 0; k < frames; ++k) {
    const GuiFrame& step = plan.frames[static_cast<size_t>(k)];
    send_step(d, step, keyboard, buttons);
    const auto deadline = t0 + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(shift + (k + 1) * period));
    std::this_thread::sleep_until(deadline);
    const double late = std::chrono::duration<double>(Clock::now() - deadline).count();
    report.max_late_ms = std::max(report.max_late_ms, late * 1e3);
    if (late > period) {
      const int missed = static_cast<int>(late / period);
      report.dropped += missed;
      shift += missed * period;
    }
    const auto tc = Clock::now();
    Image frame = capturer.grab();
    if (step.has_cursor()) {
      Window root, child;
      int rx = 0, ry = 0, wx, wy;
      unsigned mask;
      XQueryPointer(d, DefaultRootWindow(d), &root, &child, &rx, &ry, &wx, &wy, &mask);
      if (rx != static_cast<int>(step.x) || ry != static_cast<int>(step.y)) ++report.pointer_mismatches;
    }
    const double cap_ms = ms_since(tc);
    capture_ms_total += cap_ms;
    report.capture_ms_max = std::max(report.capture_ms_max, cap_ms);
    timestamps.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    encoder.push(std::move(frame));
    if ((k + 1) % static_cast<int>(std::max(1.0, ro.fps)) == 0)
      for (auto& w : session.newly_exited()) {
        log::warn("{} during the recording", w);
        report.warnings.push_back(w + " during the recording");
      }
  }
  // Leave the X server as we found it: nothing held.
  keyboard.release_all();
  for (int b : buttons) XTestFakeButtonEvent(d, static_cast<unsigned>(b), False, 0);
  XSync(d, False);
  report.wall_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  report.frames = frames;
  report.dropped_rate = static_cast<double>(report.dropped) / (frames + report.dropped);
  report.capture_ms_mean = capture_ms_total / frames;
  report.skipped_keys = keyboard.skipped();
  report.encode_ms_mean = encoder.finish();
  for (auto& w : session.newly_exited()) report.warnings.push_back(w + " during the recording");

  write_file_atomic(report.csv, frame_csv_text(plan, timestamps));
  write_file_atomic(report.meta_json,
                    meta_action_json(plan, timestamps, report.csv, options.alignment.double_click_window, false).dump(2) +
                        "\n");
  write_file_atomic(report.report_json, report.to_json().dump(2) + "\n");
  return report;
}

}  // namespace nc::gui
