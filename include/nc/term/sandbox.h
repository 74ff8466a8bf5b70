// A fresh directory for each tape run: its own HOME (the working directory) populated with
// deterministic fixtures, and TMPDIR. Tapes run REAL commands as the user running nc; the
// sandbox keeps their files apart and the same from run to run, it does not confine them
// (docs/DATA.md "Safety").
//
//   <root>/<name>/home    HOME and the starting directory: notes, CSV, logs, scripts, a git
//                         repository, an SQLite database (when git / sqlite3 are installed)
//   <root>/<name>/tmp     TMPDIR
//
// The path depends only on the root and the tape's name, so commands that print it (pwd) print
// the same thing on every run. A lock file keeps two runs of one name apart.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace nc::term {

class Sandbox {
 public:
  // Creates <root>/<name> afresh (a stale one from a crashed run is removed first). Throws
  // nc::Error when the same name is running in this root now.
  Sandbox(const std::string& root, const std::string& name, bool fixtures = true);
  ~Sandbox();  // removes the directory unless keep() was called
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  const std::string& dir() const { return dir_; }
  const std::string& home() const { return home_; }
  const std::string& tmp() const { return tmp_; }
  void keep() { keep_ = true; }

 private:
  std::string dir_, home_, tmp_, lock_path_;
  int lock_fd_ = -1;
  bool keep_ = false;
};

// The modification time every fixture gets (2024-01-15 12:00:00 UTC).
inline constexpr long kFixtureTime = 1705320000;

// Writes the fixtures into `home` (plain files only: no programs run). Deterministic contents,
// modes and modification times.
void write_fixture_files(const std::string& home);

// The fixture tree, built once per root and fixture version under <root>/.fixtures-vN (plain
// files, plus the git repository and SQLite database made with git and sqlite3 when they are
// installed), shared by every sandbox through a copy.
std::string fixture_template(const std::string& root);

// A name usable as a directory: [A-Za-z0-9._-], others become '_'.
std::string sandbox_name(const std::string& id);

// Live processes (other than this one) whose HOME is inside `dir` or whose working directory is:
// what a run left behind, even after leaving the terminal's session.
std::vector<pid_t> sandbox_processes(const std::string& dir);

// Sets the modification time of `path` and everything below it (links not followed).
void set_tree_mtime(const std::string& path, long seconds);

}  // namespace nc::term
