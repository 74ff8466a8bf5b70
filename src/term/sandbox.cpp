#include "nc/term/sandbox.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/log.h"
#include "nc/term/pty.h"

namespace nc::term {
namespace fs = std::filesystem;
namespace {

constexpr int kFixtureVersion = 2;  // bump whenever a fixture changes: templates are cached on disk

void put(const std::string& home, const std::string& rel, const std::string& text, bool executable = false) {
  const std::string path = home + "/" + rel;
  make_dirs(dir_of(path));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw Error("cannot write fixture: " + std::string(std::strerror(errno)), path);
  ::chmod(path.c_str(), executable ? 0755 : 0644);
}

std::string sales_csv() {
  static const char* regions[] = {"north", "south", "east", "west"};
  static const char* products[] = {"widget", "gadget", "gizmo", "doohickey", "sprocket"};
  std::string s = "date,region,product,units,price\n";
  for (int i = 0; i < 24; ++i) {
    const int units = 3 + (i * 7) % 19;
    const int cents = 199 + (i * 137) % 2300;
    char line[128];
    std::snprintf(line, sizeof line, "2024-01-%02d,%s,%s,%d,%d.%02d\n", 1 + i, regions[i % 4],
                  products[(i * 3) % 5], units, cents / 100, cents % 100);
    s += line;
  }
  return s;
}

std::string app_log() {
  static const char* levels[] = {"INFO", "INFO", "DEBUG", "INFO", "WARN", "INFO", "ERROR", "INFO"};
  static const char* messages[] = {
      "server started on port 8080",  "connected to database",        "cache warmed: 128 entries",
      "GET /api/items 200 12ms",      "slow query: 1532ms",           "POST /api/orders 201 48ms",
      "payment gateway timeout",      "GET /health 200 1ms",          "user alice logged in",
      "disk usage at 81%",            "GET /api/items/42 404 3ms",    "worker 3 restarted",
      "failed to send email to bob",  "config reloaded",              "GET /api/users 200 22ms",
      "retrying job 17 (attempt 2)"};
  std::string s;
  for (int i = 0; i < 40; ++i) {
    char line[160];
    std::snprintf(line, sizeof line, "2024-01-15T10:%02d:%02dZ %-5s %s\n", (i * 37) / 60, (i * 37) % 60,
                  levels[i % 8], messages[(i * 5) % 16]);
    s += line;
  }
  return s;
}

std::string access_log() {
  static const char* paths[] = {"/", "/index.html", "/about", "/api/items", "/login", "/static/app.js"};
  static const int codes[] = {200, 200, 304, 200, 404, 200, 500, 301};
  std::string s;
  for (int i = 0; i < 30; ++i) {
    char line[200];
    std::snprintf(line, sizeof line, "10.0.0.%d - - [15/Jan/2024:11:%02d:%02d +0000] \"GET %s HTTP/1.1\" %d %d\n",
                  1 + (i * 7) % 12, (i * 23) / 60, (i * 23) % 60, paths[(i * 5) % 6], codes[i % 8],
                  120 + (i * 311) % 4000);
    s += line;
  }
  return s;
}

// What makes the git repository and the SQLite database: run once per template, with fixed
// dates and names so that commit hashes are the same everywhere.
const char* kBuildScript = R"SH(
set -e
if command -v git >/dev/null 2>&1; then
  export GIT_AUTHOR_NAME="Ada Lovelace" GIT_AUTHOR_EMAIL="ada@example.com"
  export GIT_COMMITTER_NAME="Ada Lovelace" GIT_COMMITTER_EMAIL="ada@example.com"
  export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
  cd project
  git init -q -b main .
  git config user.name "Ada Lovelace"; git config user.email "ada@example.com"
  git config core.pager cat; git config color.ui false
  git add README.md .gitignore
  GIT_AUTHOR_DATE="2024-01-10T09:00:00Z" GIT_COMMITTER_DATE="2024-01-10T09:00:00Z" git commit -q -m "Initial commit"
  git add src/app.py
  GIT_AUTHOR_DATE="2024-01-11T14:30:00Z" GIT_COMMITTER_DATE="2024-01-11T14:30:00Z" git commit -q -m "Add the app entry point"
  git add src/util.py tests
  GIT_AUTHOR_DATE="2024-01-12T16:45:00Z" GIT_COMMITTER_DATE="2024-01-12T16:45:00Z" git commit -q -m "Add helpers and tests"
  git branch feature/login
  cd ..
fi
if command -v sqlite3 >/dev/null 2>&1; then
  sqlite3 db/shop.db <<'SQL'
CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL, stock INTEGER NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, product_id INTEGER REFERENCES products(id), qty INTEGER, day TEXT);
INSERT INTO products VALUES (1,'widget',2.50,120),(2,'gadget',12.99,40),(3,'gizmo',7.25,75),(4,'doohickey',0.99,500),(5,'sprocket',4.10,0);
INSERT INTO orders VALUES (1,1,10,'2024-01-02'),(2,3,2,'2024-01-03'),(3,2,1,'2024-01-03'),(4,1,5,'2024-01-05'),(5,4,50,'2024-01-08'),(6,3,4,'2024-01-09');
SQL
fi
)SH";

void run_build_script(const std::string& home) {
  PtyOptions o;
  o.argv = {"bash", "-c", kBuildScript};
  o.cwd = home;
  o.env = {{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"HOME", home}, {"LANG", "C.UTF-8"}, {"TZ", "UTC"}};
  auto p = PtyProcess::spawn(o);
  std::string out;
  for (int i = 0; i < 3000 && !p->eof(); ++i) out += p->read(10);
  const int status = p->wait(5000);
  if (status != 0)
    throw Error("building the git/SQLite fixtures failed (status " + std::to_string(status) + "): " + out, home);
}

void remove_tree(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) log::warn("cannot remove {}: {}", path, ec.message());
}

}  // namespace

void write_fixture_files(const std::string& home) {
  put(home, "notes.txt",
      "Meeting notes, 15 January 2024\n"
      "- ship the release on Friday\n"
      "- review the login page\n"
      "- update the docs\n"
      "TODO: ask Bob about the database backup\n"
      "TODO: renew the TLS certificate\n");
  put(home, "todo.md",
      "# Todo\n\n- [x] write the parser\n- [ ] add tests\n- [ ] benchmark the runner\n- [x] fix the prompt\n");
  put(home, "README.md",
      "# Sandbox\n\nA small home directory for terminal demonstrations.\n\n"
      "- data/: CSV and text files\n- logs/: application and access logs\n"
      "- scripts/: small Python and shell scripts\n- project/: a git repository\n- db/: an SQLite database\n");
  put(home, "data/sales.csv", sales_csv());
  put(home, "data/users.csv",
      "id,name,email,role,active\n"
      "1,alice,alice@example.com,admin,true\n2,bob,bob@example.com,dev,true\n"
      "3,carol,carol@example.com,dev,false\n4,dave,dave@example.com,ops,true\n"
      "5,erin,erin@example.com,dev,true\n6,frank,frank@example.com,qa,false\n"
      "7,grace,grace@example.com,admin,true\n8,heidi,heidi@example.com,ops,true\n");
  {
    std::string nums;
    for (int i = 0; i < 30; ++i) nums += std::to_string((i * 37 + 11) % 97) + "\n";
    put(home, "data/numbers.txt", nums);
  }
  put(home, "data/words.txt",
      "pear\napple\nbanana\napple\ncherry\npear\nfig\napple\ngrape\nbanana\nkiwi\nlemon\nfig\nmango\n");
  put(home, "data/config.json",
      "{\n  \"name\": \"demo\",\n  \"version\": \"1.4.2\",\n  \"debug\": false,\n  \"port\": 8080,\n"
      "  \"features\": [\"search\", \"export\", \"dark-mode\"]\n}\n");
  put(home, "logs/app.log", app_log());
  put(home, "logs/access.log", access_log());
  put(home, "scripts/hello.py",
      "import sys\n\nname = sys.argv[1] if len(sys.argv) > 1 else \"world\"\nprint(f\"Hello, {name}!\")\n", true);
  put(home, "scripts/fib.py",
      "def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n\n"
      "print([fib(i) for i in range(12)])\n", true);
  put(home, "scripts/count.sh",
      "#!/bin/bash\nfor i in 1 2 3 4 5; do\n  echo \"step $i\"\n  sleep 0.2\ndone\necho done\n", true);
  put(home, "project/README.md", "# project\n\nA tiny app with helpers and tests.\n");
  put(home, "project/.gitignore", "__pycache__/\n*.pyc\n.env\n");
  put(home, "project/src/app.py",
      "from util import greet\n\n\ndef main():\n    print(greet(\"nc\"))\n\n\nif __name__ == \"__main__\":\n    main()\n");
  put(home, "project/src/util.py", "def greet(name):\n    return f\"hello, {name}\"\n");
  put(home, "project/tests/test_app.py",
      "from util import greet\n\n\ndef test_greet():\n    assert greet(\"x\") == \"hello, x\"\n");
  make_dirs(home + "/db");
}

std::string fixture_template(const std::string& root) {
  static std::mutex mu;
  static std::set<std::string> built;
  std::lock_guard<std::mutex> lock(mu);
  const std::string dir = root + "/.fixtures-v" + std::to_string(kFixtureVersion);
  const std::string done = dir + "/.complete";
  if (built.count(dir) || file_exists(done)) {
    built.insert(dir);
    return dir + "/home";
  }
  // Built under a private name, then renamed: another process may be building it too.
  const std::string tmp = root + "/.fixtures-tmp-" + std::to_string(::getpid());
  remove_tree(tmp);
  make_dirs(tmp + "/home");
  write_fixture_files(tmp + "/home");
  run_build_script(tmp + "/home");
  set_tree_mtime(tmp + "/home", kFixtureTime);
  put(tmp, ".complete", "");
  if (::rename(tmp.c_str(), dir.c_str()) != 0) {
    remove_tree(tmp);
    if (!file_exists(done)) throw Error("cannot create the fixture template: " + std::string(std::strerror(errno)), dir);
  }
  built.insert(dir);
  return dir + "/home";
}

std::string sandbox_name(const std::string& id) {
  std::string out;
  for (char c : id) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') ? c : '_';
  if (out.empty() || out[0] == '.') out.insert(out.begin(), '_');
  return out;
}

void set_tree_mtime(const std::string& path, long seconds) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    if (DIR* d = ::opendir(path.c_str())) {
      while (dirent* e = ::readdir(d)) {
        if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
        set_tree_mtime(path + "/" + e->d_name, seconds);
      }
      ::closedir(d);
    }
  }
  struct timespec times[2];
  times[0].tv_sec = times[1].tv_sec = seconds;
  times[0].tv_nsec = times[1].tv_nsec = 0;
  ::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW);
}

Sandbox::Sandbox(const std::string& root, const std::string& name, bool fixtures) {
  check(!root.empty() && root[0] == '/', "the sandbox root must be an absolute path", root, "set tapes.sandbox_root");
  make_dirs(root);
  const std::string safe = sandbox_name(name);
  dir_ = root + "/" + safe;
  home_ = dir_ + "/home";
  tmp_ = dir_ + "/tmp";
  lock_path_ = root + "/" + safe + ".lock";
  lock_fd_ = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) throw Error("cannot create the sandbox lock: " + std::string(std::strerror(errno)), lock_path_);
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw Error("a tape named '" + safe + "' is running in this sandbox root now", root,
                "give tapes distinct ids, or another tapes.sandbox_root");
  }
  remove_tree(dir_);  // a stale sandbox from a run that crashed
  if (fixtures) {
    const std::string tmpl = fixture_template(root);
    make_dirs(dir_);
    std::error_code ec;
    fs::copy(tmpl, home_, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
    if (ec) throw Error("cannot copy the fixtures: " + ec.message(), home_);
    set_tree_mtime(home_, kFixtureTime);
  } else {
    make_dirs(home_);
  }
  make_dirs(tmp_);
  set_tree_mtime(dir_, kFixtureTime);
}

Sandbox::~Sandbox() {
  if (!keep_) remove_tree(dir_);
  if (lock_fd_ >= 0) {
    ::unlink(lock_path_.c_str());
    ::close(lock_fd_);
  }
}

std::vector<pid_t> sandbox_processes(const std::string& dir) {
  std::vector<pid_t> out;
  const std::string home_marker = "HOME=" + dir + "/";
  const pid_t self = ::getpid();
  DIR* proc = ::opendir("/proc");
  if (!proc) return out;
  while (dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0' || pid == self) continue;
    const std::string base = std::string("/proc/") + entry->d_name;
    bool match = false;
    char cwd[4096];
    ssize_t n = ::readlink((base + "/cwd").c_str(), cwd, sizeof cwd - 1);
    if (n > 0) {
      cwd[n] = 0;
      match = std::strncmp(cwd, dir.c_str(), dir.size()) == 0 && (cwd[dir.size()] == '/' || cwd[dir.size()] == 0);
    }
    if (!match) {
      std::ifstream env(base + "/environ", std::ios::binary);
      std::string var;
      while (!match && std::getline(env, var, '\0'))
        match = var.compare(0, home_marker.size(), home_marker) == 0;
    }
    if (!match) continue;
    // Zombies are dead already.
    std::ifstream st(base + "/stat");
    std::string stat;
    std::getline(st, stat);
    size_t close = stat.rfind(')');
    if (close != std::string::npos && close + 2 < stat.size() && (stat[close + 2] == 'Z' || stat[close + 2] == 'X'))
      continue;
    out.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(proc);
  return out;
}

}  // namespace nc::term
