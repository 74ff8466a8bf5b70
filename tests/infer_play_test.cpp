// infer/play: what `nc play` does without a person: typed lines to captions, frames to
// half-block text, the play server's HTTP over a real local socket, and the terminal loop fed
// from a pipe.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include <cmath>
#include <cstdlib>

#include <ATen/ATen.h>

#include "nc/config.h"
#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/data/shard.h"
#include "nc/infer/play.h"
#include "nc/infer/play_server.h"
#include "test_util.h"

namespace nc::infer {
namespace {

TEST(PlayInput, LinesBecomeCaptions) {
  auto in = parse_play_input("  ls -la ", "");
  EXPECT_EQ(in.kind, PlayInput::Kind::kPrompt);
  EXPECT_EQ(in.caption, "The user runs `ls -la`.");
  EXPECT_EQ(parse_play_input("", "").caption, "An empty terminal screen.");
  EXPECT_EQ(parse_play_input("   ", "The user runs `pwd`.").caption, "The user runs `pwd`.");
  EXPECT_EQ(parse_play_input("/caption The screen is cleared.", "x").caption, "The screen is cleared.");
  EXPECT_EQ(parse_play_input("/quit", "").kind, PlayInput::Kind::kQuit);
  EXPECT_EQ(parse_play_input("/exit", "").kind, PlayInput::Kind::kQuit);
  EXPECT_EQ(parse_play_input("/help", "").kind, PlayInput::Kind::kHelp);
  const std::string long_command(100, 'a');
  EXPECT_EQ(parse_play_input(long_command, "").caption, "The user runs `" + std::string(80, 'a') + "...`.");
  try {
    parse_play_input("/frobnicate now", "");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown play command '/frobnicate'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_play_input("/caption   ", ""), Error);
}

TEST(PlayInput, ActionCommandsBecomeEvents) {
  PlayInput in = parse_play_input("/click 10 20.5 right 2", "x");
  EXPECT_EQ(in.kind, PlayInput::Kind::kAction);
  EXPECT_TRUE(in.moves_cursor);
  EXPECT_EQ(in.x, 10);
  EXPECT_EQ(in.y, 20.5);
  ASSERT_EQ(in.events.size(), 1u);
  EXPECT_EQ(in.events[0], gui::GuiEvent::click(gui::kRightButton, 2));
  in = parse_play_input("/move 3 4", "");
  EXPECT_TRUE(in.moves_cursor && in.events.empty() && in.x == 3 && in.y == 4);
  EXPECT_EQ(parse_play_input("/type hello  world", "").events.at(0), gui::GuiEvent::typed("hello  world"));
  EXPECT_EQ(parse_play_input("/key ctrl+c", "").events.at(0), gui::GuiEvent::chord("ctrl+c"));
  // The names the served page sends for keys pressed on the frame.
  for (const char* key : {"Return", "BackSpace", "Escape", "Tab", "Delete", "Home", "End", "Prior", "Next", "Up",
                          "Down", "Left", "Right", "space", "F5", "ctrl+alt+t", "meta+Left"})
    EXPECT_NO_THROW(parse_play_input(std::string("/key ") + key, "")) << key;
  EXPECT_EQ(parse_play_input("/scroll down 3", "").events.at(0), gui::GuiEvent::scroll(gui::Scroll::kDown, 3));
  in = parse_play_input("/wait 4", "");
  EXPECT_EQ(in.kind, PlayInput::Kind::kAction);
  EXPECT_EQ(in.steps, 4);
  EXPECT_TRUE(in.events.empty() && !in.moves_cursor);
  for (const char* bad : {"/click 10", "/click a b", "/click 1 2 left 4", "/move 1 2 3", "/type", "/key ctrl+nonsense",
                          "/scroll sideways", "/scroll up 0", "/wait 1.5"})
    EXPECT_THROW(parse_play_input(bad, ""), Error) << bad;
}

// A causal checkpoint that follows actions: each action is the next latent frame's input, a
// frame made after a click differs with where the click was, and a caption model refuses them.
TEST(PlaySession, EachActionIsTheNextLatentFramesInput) {
  const Config c = config::load<Config>(
      test::source_path("configs/tiny.yaml"),
      {"model.dit.causal=true", "data.frames=9", "run.threads=1", "model.action.injection=internal",
       "model.action.mouse=position", "model.action.dim=16", "model.action.heads=2"});
  at::manual_seed(2);
  RolloutEngine engine(c, "", at::kCPU, /*untrained=*/true);
  test::randomize_untrained_dit(*engine.dit());
  SamplerOptions s;
  s.sampler = "euler";
  s.steps = 1;
  s.cfg = 1;
  const at::Tensor first = at::zeros({3, 32, 48});
  auto play = [&](const std::string& line) {
    PlaySession session(engine, first, s, 5);
    EXPECT_TRUE(session.follows_actions());
    std::vector<Image> frames;
    const auto keep = [&](const Image& f) { frames.push_back(f); };
    session.run(parse_play_input("/caption A desktop.", ""), keep);  // two latent frames of 4, the cursor unknown
    EXPECT_EQ(frames.size(), 8u);
    EXPECT_EQ(session.caption(), "A desktop.");
    session.run(parse_play_input(line, ""), keep);
    EXPECT_EQ(frames.size(), 12u) << line << ": one latent frame";
    session.run(parse_play_input("/wait 2", ""), keep);
    EXPECT_EQ(session.caption(), "A desktop.") << "actions keep the caption";
    EXPECT_EQ(session.frames_shown(), 21);
    return frames;
  };
  const std::vector<Image> left = play("/click 2 3"), right = play("/click 40 30");
  const std::vector<Image> again = play("/click 2 3");
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(left[i].rgb, right[i].rgb) << "frame " << i << " precedes the click";
  double moved = 0;
  for (size_t i = 8; i < 12; ++i)
    for (size_t k = 0; k < left[i].rgb.size(); ++k) moved += std::abs(left[i].rgb[k] - right[i].rgb[k]);
  EXPECT_GT(moved, 0) << "the click's place changes the frames it makes";
  for (size_t i = 0; i < left.size(); ++i) EXPECT_EQ(left[i].rgb, again[i].rgb) << "deterministic, frame " << i;
  PlaySession session(engine, first, s, 5);
  EXPECT_THROW(session.run(parse_play_input("/click 48 0", ""), [](const Image&) {}), Error) << "outside the frame";

  const Config plain = config::load<Config>(test::source_path("configs/tiny.yaml"),
                                            {"model.dit.causal=true", "data.frames=9", "run.threads=1"});
  RolloutEngine caption_engine(plain, "", at::kCPU, true);
  PlaySession caption_session(caption_engine, first, s, 5);
  EXPECT_FALSE(caption_session.follows_actions());
  EXPECT_THROW(caption_session.run(parse_play_input("/click 1 1", ""), [](const Image&) {}), Error);
}

TEST(PlayView, HalfBlocksCarryTwoPixelsPerCell) {
  // 2 x 2: red over blue on the left, green over green on the right.
  Image img(2, 2);
  auto set = [&](int x, int y, uint8_t r, uint8_t g, uint8_t b) {
    uint8_t* p = img.pixel(x, y);
    p[0] = r;
    p[1] = g;
    p[2] = b;
  };
  set(0, 0, 255, 0, 0);
  set(0, 1, 0, 0, 255);
  set(1, 0, 0, 255, 0);
  set(1, 1, 0, 255, 0);
  const std::string block = "\xe2\x96\x80";
  EXPECT_EQ(half_block_text(img, 2, 1), "\x1b[38;2;255;0;0m\x1b[48;2;0;0;255m" + block +
                                            "\x1b[38;2;0;255;0m\x1b[48;2;0;255;0m" + block + "\x1b[0m\n");
  // Unchanged colours are not repeated; a 4-wide view of a 2 x 2 frame letterboxes it (black bars).
  Image gray(2, 2, 100, 100, 100);
  const std::string wide = half_block_text(gray, 4, 1);
  EXPECT_EQ(wide, "\x1b[38;2;0;0;0m\x1b[48;2;0;0;0m" + block + "\x1b[38;2;100;100;100m\x1b[48;2;100;100;100m" + block +
                      block + "\x1b[38;2;0;0;0m\x1b[48;2;0;0;0m" + block + "\x1b[0m\n");
  // Rows: one line each.
  const std::string tall = half_block_text(Image(8, 8, 1, 2, 3), 4, 2);
  EXPECT_EQ(std::count(tall.begin(), tall.end(), '\n'), 2);
  EXPECT_THROW(half_block_text(Image(), 4, 2), Error);
}

TEST(PlayHttp, RequestsAreParsedIncrementally) {
  EXPECT_FALSE(parse_http_request("GET / HTTP/1.1\r\nHost: x\r\n"));
  auto r = parse_http_request("GET /frame.png?n=3 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method, "GET");
  EXPECT_EQ(r->path, "/frame.png");
  EXPECT_EQ(r->query, "n=3");
  EXPECT_EQ(r->headers.at("host"), "127.0.0.1");
  const std::string post = "POST /input HTTP/1.1\r\nContent-Length: 6\r\nCONTENT-TYPE: text/plain\r\n\r\nls -la";
  EXPECT_FALSE(parse_http_request(post.substr(0, post.size() - 2)));  // body incomplete
  r = parse_http_request(post);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "ls -la");
  EXPECT_EQ(r->headers.at("content-type"), "text/plain");
  EXPECT_THROW(parse_http_request("GARBAGE\r\n\r\n"), Error);
  EXPECT_THROW(parse_http_request("GET / HTTP/1.1\r\nno colon here\r\n\r\n"), Error);
  EXPECT_THROW(parse_http_request("POST /input HTTP/1.1\r\nContent-Length: -4\r\n\r\n"), Error);
  EXPECT_THROW(parse_http_request("POST /input HTTP/1.1\r\nContent-Length: 999999\r\n\r\n", 1000), Error);
  const std::string response = format_http_response({202, "application/json", "{}"});
  EXPECT_EQ(response,
            "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 2\r\nCache-Control: "
            "no-store\r\nConnection: close\r\n\r\n{}");
}

// One request over a fresh connection to 127.0.0.1:port; returns the whole response.
std::string exchange(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  EXPECT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

std::string body_of(const std::string& response) { return response.substr(response.find("\r\n\r\n") + 4); }

TEST(PlayHttp, ServerAnswersOverALocalSocket) {
  PlayState state;
  PlayServer server(state, "127.0.0.1", 0);
  ASSERT_GT(server.port(), 0);
  server.start();
  const int port = server.port();

  std::string r = exchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\nContent-Type: text/html", 0), 0u) << r.substr(0, 200);
  EXPECT_NE(r.find("/frame.png"), std::string::npos);

  r = exchange(port, "GET /frame.png HTTP/1.1\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 503", 0), 0u) << r;
  state.publish_frame(std::string("\x89PNG fake\0bytes", 15), {{"caption", "The user runs `ls`."}, {"fps", 12.5}});
  r = exchange(port, "GET /frame.png?n=1 HTTP/1.1\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 15\r\n", 0), 0u) << r;
  EXPECT_EQ(body_of(r), std::string("\x89PNG fake\0bytes", 15));

  const std::string post = "POST /input HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 7\r\n\r\nls -la\n";
  r = exchange(port, post);
  EXPECT_EQ(r.rfind("HTTP/1.1 202 Accepted", 0), 0u) << r;
  EXPECT_EQ(nlohmann::json::parse(body_of(r))["queued"], 1);
  const auto status = nlohmann::json::parse(body_of(exchange(port, "GET /status HTTP/1.1\r\n\r\n")));
  EXPECT_EQ(status["frame"], 1);
  EXPECT_EQ(status["queued"], 1);
  EXPECT_EQ(status["caption"], "The user runs `ls`.");
  EXPECT_EQ(state.wait_input(1000).value_or("(none)"), "ls -la");
  EXPECT_FALSE(state.wait_input(10));

  EXPECT_EQ(exchange(port, "GET /nope HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(exchange(port, "GET /input HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 405", 0), 0u);
  EXPECT_EQ(exchange(port, "POST /input HTTP/1.1\r\nContent-Length: 3\r\n\r\na\nb").rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(exchange(port, "BROKEN\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(exchange(port, "POST /input HTTP/1.1\r\nContent-Length: 100000\r\n\r\n").rfind("HTTP/1.1 413", 0), 0u);
  server.stop();

  // A port in use is a clear error.
  PlayServer first(state, "127.0.0.1", 0);
  try {
    PlayServer second(state, "127.0.0.1", first.port());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen on 127.0.0.1:" + std::to_string(first.port())),
              std::string::npos)
        << e.what();
  }
}

#ifdef NC_WITH_VIDEO
TEST(PlayCli, PipedLinesDriveChunksInTheTerminalView) {
  test::TempDir dir;
  {
    data::ShardSetWriter w(dir.file("d"), 4);
    for (int c = 0; c < 2; ++c) {
      data::Clip clip;
      clip.id = "c_" + std::to_string(c);
      for (int k = 0; k < 9; ++k) clip.frames.push_back(Image(32, 32, 20, static_cast<uint8_t>(40 + 10 * k), 60));
      clip.captions = {"The user runs `ls`.", "d", "s"};
      w.add(clip);
    }
    w.finish();
  }
  auto r = test::run_nc({"train", "--config", test::source_path("configs/tiny.yaml"), "--run-dir", dir.file("run"),
                         "--set", "data.train=" + dir.file("d"), "--set", "data.val_every=0", "--set", "train.steps=1",
                         "--set", "train.dit.first_frame=slice", "--set", "run.threads=1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string cmd = "printf 'ls -la\\n\\n/bogus\\n/quit\\n' | '" + test::nc_binary() + "' play --ckpt '" +
                          dir.file("run") + "' --from-clip '" + dir.file("d") +
                          ":c_1' --steps 1 --cfg 1 --sampler euler --set run.threads=1 > '" + dir.file("out") +
                          "' 2> '" + dir.file("err") + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << read_file(dir.file("err"));
  const std::string out = read_file(dir.file("out"));
  // Two chunks of 8 new frames: the line, then the empty line repeating its caption.
  EXPECT_NE(out.find("frame 9 "), std::string::npos);
  EXPECT_NE(out.find("frame 17 "), std::string::npos);
  EXPECT_EQ(out.find("frame 25 "), std::string::npos);
  EXPECT_NE(out.find("The user runs `ls -la`."), std::string::npos);
  EXPECT_NE(out.find("unknown play command '/bogus'"), std::string::npos);
  // Not a terminal: 80 x 24, the view 21 rows of 80 half blocks per frame, 17 frames drawn.
  size_t blocks = 0;
  for (size_t at = out.find("\xe2\x96\x80"); at != std::string::npos; at = out.find("\xe2\x96\x80", at + 3)) ++blocks;
  EXPECT_EQ(blocks, 17u * 21 * 80);
}
#endif

}  // namespace
}  // namespace nc::infer
