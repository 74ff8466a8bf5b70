// `nc play --serve`: the play loop on a small local web page. A minimal HTTP/1.1 server over
// POSIX sockets (one connection at a time, `Connection: close`), bound to 127.0.0.1 by default:
//   GET  /           the page (an input line, the latest frame, the achieved fps)
//   GET  /frame.png  the latest frame as PNG (503 before the first)
//   GET  /status     JSON: frame counter, caption, fps, whether a chunk is being generated
//   POST /input      the body (text/plain, one command line) joins the input queue; 202
// Anything else is 404 (unknown path) or 405 (known path, wrong method); a malformed request 400.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include <nlohmann/json.hpp>

namespace nc::infer {

struct HttpRequest {
  std::string method, path, query, body;  // path without the query; query without '?'
  std::map<std::string, std::string> headers;  // names lower-cased
};

// Parses one request from the bytes received so far: nullopt while the head or the body
// (Content-Length) is incomplete; nc::Error on a malformed request line or header, a body over
// `max_body` bytes, or a head over 16 KiB.
std::optional<HttpRequest> parse_http_request(std::string_view data, size_t max_body = 64 * 1024);

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Status line, Content-Type, Content-Length, Cache-Control: no-store, Connection: close, body.
std::string format_http_response(const HttpResponse& response);

// What the play loop and the server share: the latest frame (PNG bytes) and status, and the
// queue of typed lines.
class PlayState {
 public:
  void publish_frame(std::string png, nlohmann::json status);
  void set_status(nlohmann::json status);
  void push_input(std::string line);
  // The next line, waiting up to `timeout_ms`; nullopt on timeout or after close().
  std::optional<std::string> wait_input(int timeout_ms);
  void close();
  bool closed() const { return closed_; }

  std::string frame_png() const;
  nlohmann::json status() const;  // the published status plus "frame" (a counter) and "queued"

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::string png_;
  nlohmann::json status_ = nlohmann::json::object();
  int64_t frame_ = 0;
  std::deque<std::string> inputs_;
  std::atomic<bool> closed_{false};
};

// The routes above over `state`.
HttpResponse handle_play_request(const HttpRequest& request, PlayState& state);

// The play page (self-contained HTML + JS that polls /status and reloads /frame.png).
std::string play_page();

class PlayServer {
 public:
  // Binds and listens now (nc::Error naming host:port when it cannot); port 0 picks a free one.
  PlayServer(PlayState& state, const std::string& host = "127.0.0.1", int port = 8765);
  ~PlayServer();
  PlayServer(const PlayServer&) = delete;
  PlayServer& operator=(const PlayServer&) = delete;

  int port() const { return port_; }
  // Serves on a thread until stop() (or destruction).
  void start();
  void stop();

 private:
  void serve();
  void handle_connection(int fd);

  PlayState& state_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace nc::infer
