#include "nc/infer/play_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "nc/core/error.h"
#include "nc/core/log.h"
#include "nc/core/strings.h"

namespace nc::infer {
namespace {

constexpr size_t kMaxHead = 16 * 1024;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
  }
}

HttpResponse text(int status, const std::string& body) { return {status, "text/plain; charset=utf-8", body + "\n"}; }

}  // namespace

std::optional<HttpRequest> parse_http_request(std::string_view data, size_t max_body) {
  const size_t head_end = data.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    if (data.size() > kMaxHead) throw Error("the request head is over 16 KiB", "http request");
    return std::nullopt;
  }
  if (head_end > kMaxHead) throw Error("the request head is over 16 KiB", "http request");
  const std::vector<std::string> lines = split(data.substr(0, head_end), '\n');
  HttpRequest r;
  {
    std::string first = lines.front();
    if (!first.empty() && first.back() == '\r') first.pop_back();
    const std::vector<std::string> parts = split(first, ' ');
    if (parts.size() != 3 || parts[0].empty() || parts[1].empty() || parts[1][0] != '/' ||
        !starts_with(parts[2], "HTTP/1."))
      throw Error("malformed request line '" + first.substr(0, 80) + "'", "http request");
    r.method = parts[0];
    const size_t q = parts[1].find('?');
    r.path = parts[1].substr(0, q);
    if (q != std::string::npos) r.query = parts[1].substr(q + 1);
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string line = lines[i];
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0) throw Error("malformed header '" + line.substr(0, 80) + "'", "http request");
    r.headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  }
  size_t length = 0;
  if (auto it = r.headers.find("content-length"); it != r.headers.end()) {
    const std::string& v = it->second;
    if (v.empty() || v.size() > 12 || v.find_first_not_of("0123456789") != std::string::npos)
      throw Error("bad Content-Length '" + v + "'", "http request");
    length = std::stoull(v);
    if (length > max_body)
      throw Error(fmt::format("the body is {} bytes, over the limit of {}", length, max_body), "http request");
  }
  const size_t body_start = head_end + 4;
  if (data.size() < body_start + length) return std::nullopt;
  r.body = std::string(data.substr(body_start, length));
  return r;
}

std::string format_http_response(const HttpResponse& response) {
  return fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
      response.status, reason(response.status), response.content_type, response.body.size()) +
         response.body;
}

void PlayState::publish_frame(std::string png, nlohmann::json status) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    png_ = std::move(png);
    status_ = std::move(status);
    ++frame_;
  }
}

void PlayState::set_status(nlohmann::json status) {
  std::lock_guard<std::mutex> lock(mutex_);
  status_ = std::move(status);
}

void PlayState::push_input(std::string line) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    inputs_.push_back(std::move(line));
  }
  cv_.notify_all();
}

std::optional<std::string> PlayState::wait_input(int timeout_ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return !inputs_.empty() || closed_; });
  if (inputs_.empty()) return std::nullopt;
  std::string line = std::move(inputs_.front());
  inputs_.pop_front();
  return line;
}

void PlayState::close() {
  closed_ = true;
  cv_.notify_all();
}

std::string PlayState::frame_png() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return png_;
}

nlohmann::json PlayState::status() const {
  std::lock_guard<std::mutex> lock(mutex_);
  nlohmann::json s = status_;
  s["frame"] = frame_;
  s["queued"] = inputs_.size();
  return s;
}

HttpResponse handle_play_request(const HttpRequest& request, PlayState& state) {
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (request.path == "/") {
    if (!get) return text(405, "use GET");
    return {200, "text/html; charset=utf-8", play_page()};
  }
  if (request.path == "/frame.png") {
    if (!get) return text(405, "use GET");
    std::string png = state.frame_png();
    if (png.empty()) return text(503, "no frame yet");
    return {200, "image/png", std::move(png)};
  }
  if (request.path == "/status") {
    if (!get) return text(405, "use GET");
    return {200, "application/json", state.status().dump() + "\n"};
  }
  if (request.path == "/input") {
    if (request.method != "POST") return text(405, "use POST");
    std::string line = request.body;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (line.find('\n') != std::string::npos) return text(400, "one line per input");
    state.push_input(line);
    return {202, "application/json", nlohmann::json({{"queued", state.status()["queued"]}}).dump() + "\n"};
  }
  return text(404, "no such page: " + request.path);
}

std::string play_page() {
  return R"(<!doctype html>
<html><head><meta charset="utf-8"><title>nc play</title>
<style>
body{background:#111;color:#ddd;font:14px monospace;margin:2em}
img{image-rendering:pixelated;width:min(90vw,960px);border:1px solid #333;display:block;margin:1em 0}
input{width:min(90vw,960px);background:#000;color:#eee;border:1px solid #555;font:inherit;padding:.4em}
</style></head><body>
<div>nc play: type a command and press Enter; an empty line continues; /caption TEXT sets the caption as it is.
<span id="acts" hidden>This checkpoint follows actions: click the frame, or focus it (a click) and press keys,
or type /type TEXT, /key CHORD, /scroll up|down [N], /move X Y, /wait [N].</span></div>
<img id="frame" tabindex="0" alt="waiting for the first frame">
<form id="f"><input id="line" autocomplete="off" autofocus placeholder="ls -la"></form>
<div id="status"></div>
<script>
let shown = -1, actions = false;
const send = line => fetch('/input', {method: 'POST', headers: {'Content-Type': 'text/plain'}, body: line});
document.getElementById('f').onsubmit = e => {
  e.preventDefault();
  const box = document.getElementById('line');
  send(box.value);
  box.value = '';
};
// A click on the frame, in the frame's own pixels, is the next step's action.
const click = (e, button) => {
  if (!actions) return;
  e.preventDefault();
  const img = e.target;
  const x = Math.floor(e.offsetX * img.naturalWidth / img.clientWidth);
  const y = Math.floor(e.offsetY * img.naturalHeight / img.clientHeight);
  send('/click ' + x + ' ' + y + ' ' + button);
};
document.getElementById('frame').onclick = e => click(e, 'left');
document.getElementById('frame').oncontextmenu = e => click(e, 'right');
// A key pressed while the frame has focus is the next step's action: printable characters are
// typed text, other keys and chords are /key with xdotool's names.
const keyNames = {Enter: 'Return', Backspace: 'BackSpace', Escape: 'Escape', Tab: 'Tab', Delete: 'Delete',
  Home: 'Home', End: 'End', PageUp: 'Prior', PageDown: 'Next', ArrowUp: 'Up', ArrowDown: 'Down',
  ArrowLeft: 'Left', ArrowRight: 'Right', ' ': 'space'};
document.getElementById('frame').onkeydown = e => {
  if (!actions || ['Shift', 'Control', 'Alt', 'Meta'].includes(e.key)) return;
  e.preventDefault();
  const chord = (e.ctrlKey ? 'ctrl+' : '') + (e.altKey ? 'alt+' : '') + (e.metaKey ? 'meta+' : '');
  if (!chord && e.key.length === 1 && e.key !== ' ') return send('/type ' + e.key);
  const name = keyNames[e.key] || (e.key.length === 1 ? e.key.toLowerCase() : e.key);
  send('/key ' + chord + name);
};
async function poll() {
  try {
    const s = await (await fetch('/status')).json();
    actions = !!s.actions;
    document.getElementById('acts').hidden = !actions;
    if (s.frame !== shown && s.frame > 0) {
      shown = s.frame;
      document.getElementById('frame').src = '/frame.png?n=' + s.frame;
    }
    document.getElementById('status').textContent =
      'frame ' + s.frame + (s.fps ? ' | ' + s.fps.toFixed(1) + ' frames/s' : '') +
      (s.caption ? ' | ' + s.caption : '') + (s.busy ? ' | generating' : '') +
      (s.queued ? ' | ' + s.queued + ' queued' : '') + (s.error ? ' | ' + s.error : '');
  } catch (e) {}
  setTimeout(poll, 100);
}
poll();
</script></body></html>
)";
}

PlayServer::PlayServer(PlayState& state, const std::string& host, int port) : state_(state) {
  const std::string where = host + ":" + std::to_string(port);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
    throw Error("not an IPv4 address '" + host + "'", "--host", "e.g. 127.0.0.1");
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw Error(std::string("cannot open a socket: ") + std::strerror(errno), where);
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  socklen_t len = sizeof(addr);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string why = std::strerror(errno);
    ::close(listen_fd_);
    throw Error("cannot listen on " + where + ": " + why, "--port", "pick another port, or 0 for a free one");
  }
  port_ = ntohs(addr.sin_port);
}

PlayServer::~PlayServer() {
  stop();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void PlayServer::start() {
  if (running_) return;
  running_ = true;
  thread_ = std::thread([this] { serve(); });
}

void PlayServer::stop() {
  running_ = false;
  if (thread_.joinable()) thread_.join();
}

void PlayServer::serve() {
  while (running_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    handle_connection(fd);
    ::close(fd);
  }
}

void PlayServer::handle_connection(int fd) {
  // One request per connection; a client that sends nothing for 2 s is dropped.
  std::string data;
  HttpResponse response;
  try {
    std::optional<HttpRequest> request;
    char buf[8192];
    while (!request) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 2000) <= 0) return;
      const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) return;
      data.append(buf, static_cast<size_t>(n));
      request = parse_http_request(data);
    }
    response = handle_play_request(*request, state_);
    if (request->method == "HEAD") response.body.clear();
  } catch (const Error& e) {
    response = text(std::string(e.what()).find("over the limit") != std::string::npos ? 413 : 400, e.what());
  }
  const std::string out = format_http_response(response);
  size_t sent = 0;
  while (sent < out.size()) {
    const ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
}

}  // namespace nc::infer
