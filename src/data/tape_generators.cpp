#include "nc/data/tape_generators.h"

#include <fmt/format.h>

#include <set>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/strings.h"
#include "nc/data/tape_batch.h"
#include "tape_gen_common.h"

namespace nc::data {
namespace {

using gen::Rng;

// PAPER.md §1.2: the comment block every reference tape opens with (our wording of the same
// command list between the same marker lines).
const char* kDocBlock = R"TXT(# ---- VHS documentation start (DO NOT CHANGE) ----
#
# Require <program>              stop unless <program> is on the PATH
# Sleep <time>                   wait (500ms, 1s, 0.5)
# Type[@<time>] "<characters>"   type the characters, <time> apart
# Enter[@<time>] [count]         press a key; the same for Backspace, Delete,
#                                Insert, Tab, Space, Escape, Up, Down, Left,
#                                Right, PageUp and PageDown
# Ctrl+<key>                     press Control and <key> (Ctrl+C, Ctrl+R)
# Hide / Show                    stop / resume recording frames
# ---- VHS documentation end (DO NOT CHANGE) ----)TXT";

// PAPER.md §1.2: the theme block, fixed across the whole dataset.
const char* kThemeBlock = R"TXT(Set Shell "bash"
Set Theme {"name": "Catppuccin Mocha (Pure White, Warm Pink Cursor)", "background": "#1e1e2e", "foreground": "#ffffff", "black": "#45475a", "red": "#f38ba8", "green": "#a6e3a1", "yellow": "#f9e2af", "blue": "#89b4fa", "purple": "#cba6f7", "cyan": "#94e2d5", "white": "#ffffff", "brightBlack": "#585b70", "brightRed": "#f38ba8", "brightGreen": "#a6e3a1", "brightYellow": "#f9e2af", "brightBlue": "#89b4fa", "brightPurple": "#cba6f7", "brightCyan": "#89dceb", "brightWhite": "#ffffff", "cursor": "#f5c2e7", "cursorAccent": "#1e1e2e", "selectionBackground": "#585b70"}
Set FontSize 40
Set Width 1600
Set Height 900
Set TypingSpeed 70ms
Set PlaybackSpeed 1
Set Margin 28
Set MarginFill "#0091FF"
Set BorderRadius 25
Set Padding 18
Set LineHeight 1.2
Set LetterSpacing 0.8)TXT";

const char* kClasses[] = {"Basic", "Files", "Text",     "Process",   "Network", "Package", "VCS",  "Build", "Users",
                          "Admin", "FS",    "Security", "DB",        "Container", "Editors", "Exec", "Misc"};

struct Cmd {
  const char* text;
  const char* does;  // "to <does>"
};

// ---- basic ---------------------------------------------------------------------------------

const std::vector<Cmd>& basic_commands() {
  static const std::vector<Cmd> v = {
      {"pwd", "print the working directory"},
      {"whoami", "show the current user"},
      {"date", "show the date and time"},
      {"date +%Y-%m-%d", "show the date in ISO format"},
      {"date +%H:%M", "show the time of day"},
      {"date +%A", "print the day of the week"},
      {"uname", "name the operating system"},
      {"uname -a", "summarise the kernel and the system"},
      {"uname -m", "show the machine architecture"},
      {"uptime", "show how long the system has been up"},
      {"hostname", "print the host name"},
      {"cal", "print this month's calendar"},
      {"echo hello", "print a greeting"},
      {"echo Shell PID: $$", "display the shell's process id"},
      {"echo Home: $HOME", "print the home directory"},
      {"echo User: $USER", "name the user"},
      {"echo Shell: $SHELL", "show the login shell"},
      {"echo Term: $TERM", "show the terminal type"},
      {"echo Locale: $LANG", "show the locale"},
      {"echo Zone: $TZ", "show the time zone"},
      {"echo Bash $BASH_VERSION", "report the bash version"},
      {"echo Last status: $?", "print the last exit status"},
      {"echo Random: $RANDOM", "print a random number"},
      {"echo Learning the shell", "print a banner"},
      {"echo $((6 * 7))", "do arithmetic in the shell"},
      {"printf '%s\\n' one two three", "print three lines"},
      {"id", "show the user and group ids"},
      {"id -u", "print the numeric user id"},
      {"id -g", "print the numeric group id"},
      {"groups", "list the user's groups"},
      {"type pwd", "show how the shell resolves pwd"},
      {"type ls", "show how the shell resolves ls"},
      {"help cd", "show bash's help for cd"},
      {"help echo", "show bash's help for echo"},
      {"printenv HOME", "print the HOME variable"},
      {"printenv PATH", "print the PATH variable"},
      {"printenv LANG", "print the LANG variable"},
      {"env | head -n 5", "preview the environment"},
      {"env | wc -l", "count the environment variables"},
      {"ls", "list the files here"},
      {"ls -1", "list the files one per line"},
      {"ls -a", "list the files including hidden ones"},
      {"true", "run the no-op builtin"},
      {"false", "show the false builtin"},
      {"seq 5", "count from one to five"},
      {"yes | head -n 3", "repeat a word three times"},
      {"clear", "clear the screen"},
  };
  return v;
}

// Builtins and keywords that need no Require line.
bool builtin(const std::string& word) {
  static const std::set<std::string> b = {
      ".", ":", "alias", "cd", "echo", "exit", "export", "false", "help", "history", "jobs", "kill", "printf",
      "pwd", "read", "set", "source", "true", "type", "unset", "wait", "for", "if", "while", "do", "done", "then"};
  return b.count(word) > 0;
}

// The programs a command line needs: the first word of each pipeline stage.
void add_requires(const std::string& line, std::vector<std::string>& out) {
  for (const std::string& part : split(line, '|')) {
    for (const std::string& piece : split(part, ';')) {
      for (const std::string& stage : split(piece, '&')) {
        std::string s = trim(stage);
        if (s.empty()) continue;
        std::string word = s.substr(0, s.find(' '));
        if (word.empty() || word.find('=') != std::string::npos || word.find('/') != std::string::npos ||
            word[0] == '(' || word[0] == '$' || builtin(word))
          continue;
        if (std::find(out.begin(), out.end(), word) == out.end()) out.push_back(word);
      }
    }
  }
}

TapeSpec basic_tape(Rng& rng) {
  const auto& cmds = basic_commands();
  const int n = rng.range(1, 3);
  TapeSpec t;
  std::vector<std::string> parts;
  t.body.push_back("Sleep 180ms");
  for (int i : rng.sample(static_cast<int>(cmds.size()), n)) {
    t.body.push_back(type_line(cmds[i].text));
    t.body.push_back("Sleep 120ms");
    t.body.push_back("Enter");
    t.body.push_back("Sleep 400ms");
    parts.push_back(fmt::format("runs `{}` to {}", cmds[i].text, cmds[i].does));
    add_requires(cmds[i].text, t.requires);
  }
  t.body.push_back("Sleep 400ms");
  t.instruction = "The demonstration " + gen::join_then(parts) +
                  ", keeping the focus on basic shell behaviour before hiding the prompt.";
  t.classes = {{"Basic", true}};
  t.events = 3 * n + 3;
  t.visual_complexity = std::max(8, 10 + 6 * n);
  return t;
}

TapeSpec basic_mix_tape(Rng& rng) {
  const auto& cmds = basic_commands();
  const int n = rng.range(3, 5);
  TapeSpec t;
  std::vector<std::string> parts;
  t.body.push_back("Sleep 1000ms");
  for (int i : rng.sample(static_cast<int>(cmds.size()), n)) {
    t.body.push_back(type_line(cmds[i].text));
    t.body.push_back("Enter");
    t.body.push_back("Sleep 1000ms");
    parts.push_back(fmt::format("runs `{}` to {}", cmds[i].text, cmds[i].does));
    add_requires(cmds[i].text, t.requires);
  }
  t.body.push_back("Sleep 1000ms");
  t.instruction = "In a quick shell tour the user " + gen::join_then(parts) + ".";
  t.classes = {{"Basic", true}};
  t.events = 4 * n + 2;
  t.visual_complexity = 32 + 3 * n;
  return t;
}

// ---- command-list families: a scenario is a few commands typed one after the other -------

TapeSpec command_tape(Rng& rng, const std::vector<Cmd>& pool, int min_n, int max_n, const std::string& opening,
                      std::map<std::string, bool> classes, const std::vector<Cmd>& prefix = {}) {
  TapeSpec t;
  const int n = rng.range(min_n, max_n);
  std::vector<Cmd> chosen = prefix;
  for (int i : rng.sample(static_cast<int>(pool.size()), std::min<int>(n, static_cast<int>(pool.size()))))
    chosen.push_back(pool[i]);
  std::vector<std::string> parts;
  t.body.push_back("Sleep 300ms");
  for (const Cmd& c : chosen) {
    t.body.push_back(type_line(c.text));
    t.body.push_back("Sleep 150ms");
    t.body.push_back("Enter");
    t.body.push_back("Sleep 700ms");
    parts.push_back(fmt::format("runs `{}` to {}", c.text, c.does));
    add_requires(c.text, t.requires);
  }
  t.body.push_back("Sleep 500ms");
  t.instruction = opening + gen::join_then(parts) + ".";
  t.classes = std::move(classes);
  t.level = chosen.size() > 3 ? 2 : 1;
  t.events = 3 * static_cast<int>(chosen.size()) + 2;
  t.visual_complexity = 20 + 8 * static_cast<int>(chosen.size());
  return t;
}

const std::vector<Cmd>& file_commands() {
  static const std::vector<Cmd> v = {
      {"ls -l", "list the files with details"},
      {"ls data logs", "list the data and log folders"},
      {"ls -R scripts", "list the scripts folder"},
      {"cat notes.txt", "show the meeting notes"},
      {"cat todo.md", "show the todo list"},
      {"head -n 4 data/sales.csv", "show the first lines of the sales table"},
      {"tail -n 3 logs/app.log", "show the last log lines"},
      {"wc -l data/*.csv", "count the lines of the CSV files"},
      {"du -sh data logs", "measure the folders"},
      {"find . -name '*.py'", "find the Python files"},
      {"find . -name '*.csv' -type f", "find the CSV files"},
      {"wc -c notes.txt data/config.json", "count the bytes of two files"},
      {"stat -c '%n %s bytes' notes.txt", "show a file's size"},
      {"mkdir -p backup && cp notes.txt todo.md backup/ && ls backup", "back up two files"},
      {"cp data/users.csv users.bak && ls -l users.bak", "copy the user table"},
      {"mv todo.md todo.txt && ls", "rename the todo list"},
      {"touch new.txt && ls -l new.txt", "create an empty file"},
      {"echo 'remember the milk' > memo.txt && cat memo.txt", "write a memo"},
      {"echo 'call Bob' >> notes.txt && tail -n 2 notes.txt", "append to the notes"},
      {"rm -v data/numbers.txt", "delete a file"},
      {"ls -F", "show which entries are folders"},
      {"cat data/config.json", "show the configuration file"},
      {"ls -lS data", "list the data files by size"},
      {"chmod +x scripts/hello.py && ls -l scripts", "make a script executable"},
  };
  return v;
}

const std::vector<Cmd>& text_commands() {
  static const std::vector<Cmd> v = {
      {"grep ERROR logs/app.log", "find the error lines"},
      {"grep -c WARN logs/app.log", "count the warnings"},
      {"grep -n TODO notes.txt", "number the TODO lines"},
      {"grep -v INFO logs/app.log | head -n 5", "hide the info lines"},
      {"cut -d, -f2 data/sales.csv | sort | uniq -c", "count the sales per region"},
      {"cut -d, -f3 data/sales.csv | tail -n +2 | sort -u", "list the products sold"},
      {"sort data/words.txt | uniq -c | sort -rn | head -n 3", "find the most common words"},
      {"sort -u data/words.txt | wc -l", "count the distinct words"},
      {"sort -n data/numbers.txt | tail -n 3", "show the largest numbers"},
      {"awk -F, 'NR>1 {s+=$4} END {print s}' data/sales.csv", "total the units sold"},
      {"awk -F, '$5 == \"true\" {print $2}' data/users.csv", "list the active users"},
      {"awk '{print $3}' logs/app.log | sort | uniq -c", "count the log levels"},
      {"sed -n '2,4p' notes.txt", "print lines two to four"},
      {"sed 's/TODO/DONE/' notes.txt", "mark the TODOs done"},
      {"tr a-z A-Z < data/words.txt | head -n 4", "upper-case some words"},
      {"wc -w notes.txt", "count the words in the notes"},
      {"head -n 3 data/users.csv | tr , ' '", "show the user table with spaces"},
      {"grep -o '[0-9]*ms' logs/app.log | sort -n | tail -n 2", "find the slowest requests"},
      {"cut -d' ' -f9 logs/access.log | sort | uniq -c", "count the status codes"},
      {"paste -d: data/words.txt data/numbers.txt | head -n 4", "pair words with numbers"},
      {"nl notes.txt", "number the note lines"},
      {"rev data/words.txt | head -n 3", "reverse some words"},
  };
  return v;
}

const std::vector<Cmd>& git_commands() {
  static const std::vector<Cmd> v = {
      {"git status", "check the working tree"},
      {"git log --oneline", "list the commits"},
      {"git log -n 1", "show the last commit"},
      {"git branch", "list the branches"},
      {"git show --stat HEAD", "summarise the last commit"},
      {"git log --oneline -- src", "list the commits that touched src"},
      {"git diff HEAD~1 --stat", "compare with the previous commit"},
      {"git shortlog -s", "count commits per author"},
      {"echo '- run the tests' >> README.md && git diff", "edit the README and see the change"},
      {"git checkout -q -b fix/typo && git branch", "start a branch"},
      {"git tag v0.1 && git tag", "tag the release"},
      {"ls src tests", "look at the sources"},
      {"cat src/util.py", "read the helper module"},
      {"git ls-files", "list the tracked files"},
      {"git blame src/util.py", "see who wrote each line"},
  };
  return v;
}

TapeSpec git_tape(Rng& rng) {
  TapeSpec t = command_tape(rng, git_commands(), 2, 4, "In the project repository the user ", {{"VCS", true}},
                            {{"cd project", "enter the repository"}});
  // A commit at the end half of the time: edit, stage, commit, log.
  if (rng.chance(0.5)) {
    t.body.pop_back();
    for (const char* line : {"echo 'print(\"bye\")' >> src/app.py", "git add src/app.py",
                             "git commit -q -m 'Say goodbye' && git log --oneline -n 2"}) {
      t.body.push_back(type_line(line));
      t.body.push_back("Sleep 150ms");
      t.body.push_back("Enter");
      t.body.push_back("Sleep 700ms");
    }
    t.body.push_back("Sleep 500ms");
    t.instruction.pop_back();
    t.instruction += ", then edits src/app.py, commits the change and shows the log.";
    t.events += 9;
    t.level = 2;
  }
  t.requires.push_back("git");
  std::sort(t.requires.begin(), t.requires.end());
  t.requires.erase(std::unique(t.requires.begin(), t.requires.end()), t.requires.end());
  return t;
}

// ---- interactive ---------------------------------------------------------------------------

TapeSpec interactive_tape(Rng& rng) {
  TapeSpec t;
  t.interactive = true;
  t.level = 2;
  auto cmd = [&](const std::string& text, const char* pause = "Sleep 800ms") {
    t.body.push_back(type_line(text));
    t.body.push_back("Enter");
    t.body.push_back(pause);
  };
  t.body.push_back("Sleep 300ms");
  switch (rng.below(7)) {
    case 0: {  // less
      const char* files[] = {"logs/app.log", "logs/access.log", "data/sales.csv"};
      const std::string f = files[rng.below(3)];
      cmd("less " + f);
      t.body.insert(t.body.end(), {"Space", "Sleep 500ms", "Down 3", "Sleep 400ms", "PageUp", "Sleep 400ms"});
      if (rng.chance(0.5)) t.body.insert(t.body.end(), {type_line("/ERROR"), "Enter", "Sleep 500ms"});
      t.body.insert(t.body.end(), {type_line("q"), "Sleep 400ms"});
      t.instruction = "The user pages through " + f + " in less with Space, the arrows and PageUp, then quits with q.";
      t.requires = {"less"};
      t.classes = {{"Files", true}, {"Text", true}};
      break;
    }
    case 1: {  // top
      cmd("top", "Sleep 1500ms");
      t.body.insert(t.body.end(), {type_line(rng.chance(0.5) ? "M" : "P"), "Sleep 1000ms", type_line("q"), "Sleep 400ms"});
      t.instruction = "The user opens top, re-sorts the process list, watches it refresh and quits with q.";
      t.requires = {"top"};
      t.classes = {{"Process", true}};
      break;
    }
    case 2: {  // vim
      const char* names[] = {"hello.txt", "plan.md", "notes2.txt"};
      const char* lines[] = {"Hello from vim", "step one: write the plan", "buy more coffee"};
      const std::string name = names[rng.below(3)], line = lines[rng.below(3)];
      cmd("vim " + name, "Sleep 1000ms");
      t.body.insert(t.body.end(), {type_line("i"), "Sleep 300ms", type_line(line), "Sleep 400ms", "Escape",
                                   "Sleep 300ms", type_line(":wq"), "Enter", "Sleep 600ms"});
      cmd("cat " + name, "Sleep 600ms");
      t.instruction = "The user opens " + name + " in vim, inserts the line \"" + line +
                      "\", saves with :wq and prints the file.";
      t.requires = {"vim", "cat"};
      t.classes = {{"Editors", true}, {"Files", true}};
      break;
    }
    case 3: {  // history with Up
      cmd("echo first", "Sleep 500ms");
      cmd("echo second", "Sleep 500ms");
      t.body.insert(t.body.end(), {"Up 2", "Sleep 400ms", "Enter", "Sleep 500ms", "Up", "Sleep 300ms", "Down",
                                   "Sleep 300ms"});
      cmd("history", "Sleep 700ms");
      t.instruction = "The user runs two echo commands, recalls the first with the Up arrow, runs it again and lists "
                      "the shell history.";
      t.classes = {{"Basic", true}};
      break;
    }
    case 4: {  // Ctrl+R
      cmd("echo needle in a haystack", "Sleep 500ms");
      cmd("ls", "Sleep 500ms");
      t.body.insert(t.body.end(), {"Ctrl+R", "Sleep 400ms", type_line("needle"), "Sleep 600ms", "Enter", "Sleep 700ms"});
      t.instruction = "The user searches the shell history backwards with Ctrl+R for \"needle\" and runs the match again.";
      t.classes = {{"Basic", true}};
      break;
    }
    case 5: {  // Ctrl+C of a running command
      const char* long_running[] = {"sleep 30", "tail -f logs/app.log", "cat", "yes > /dev/null"};
      const std::string c = long_running[rng.below(4)];
      cmd(c, "Sleep 1200ms");
      t.body.insert(t.body.end(), {"Ctrl+C", "Sleep 500ms"});
      cmd("echo interrupted", "Sleep 500ms");
      t.instruction = "The user starts `" + c + "`, interrupts it with Ctrl+C and confirms the prompt is back.";
      t.requires.clear();
      add_requires(c, t.requires);
      t.classes = {{"Process", true}};
      break;
    }
    default: {  // Python REPL left with Ctrl+D
      cmd("python", "Sleep 1000ms");
      const int a = rng.range(2, 12), b = rng.range(2, 12);
      cmd(fmt::format("[n * {} for n in range({})]", a, b), "Sleep 700ms");
      t.body.insert(t.body.end(), {"Ctrl+D", "Sleep 500ms"});
      t.instruction = fmt::format("The user opens the Python REPL, builds the multiples of {} below {} with a list "
                                  "comprehension and leaves with Ctrl+D.",
                                  a, a * b);
      t.requires = {"python"};
      t.classes = {{"Exec", true}};
      break;
    }
  }
  t.events = 0;
  for (const auto& line : t.body)
    if (line.rfind("Sleep", 0) != 0) ++t.events;
  t.visual_complexity = std::max(25, 6 * static_cast<int>(t.body.size()));
  return t;
}

uint64_t reference_seed(const std::string& family) {
  static const std::map<std::string, uint64_t> seeds = {
      {"basic", 2024}, {"basic_mix", 2026}, {"files", 2031}, {"text_pipeline", 2028},
      {"git", 2030},   {"interactive", 2032}, {"arithmetic", 2024}};
  auto it = seeds.find(family);
  return it == seeds.end() ? 1 : it->second;
}

}  // namespace

// Defined in tape_arithmetic.cpp.
std::vector<GeneratedTape> generate_arithmetic_tapes(const TapeGenOptions& o, uint64_t seed);

std::string class_json(const std::map<std::string, bool>& active) {
  std::string s = "{";
  for (size_t i = 0; i < std::size(kClasses); ++i) {
    auto it = active.find(kClasses[i]);
    s += fmt::format("{}\"{}\": {}", i ? ", " : "", kClasses[i], it != active.end() && it->second ? "true" : "false");
  }
  return s + "}";
}

std::string type_line(const std::string& text) {
  for (char q : {'"', '\'', '`'})
    if (text.find(q) == std::string::npos) return std::string("Type ") + q + text + q;
  throw Error("cannot quote text that holds \", ' and ` for VHS: " + text, "type_line");
}

std::string render_tape_text(const TapeSpec& t) {
  std::string s = kDocBlock;
  s += "\n\n";
  s += "# ID: " + t.id + "\n";
  s += "# INSTRUCTION: " + t.instruction + "\n";
  s += "# CLASS: " + class_json(t.classes) + "\n";
  s += "# LEVEL: " + std::to_string(t.level) + "\n";
  s += std::string("# INTERACTIVE: ") + (t.interactive ? "true" : "false") + "\n";
  s += "# EVENTS: " + std::to_string(t.events) + "\n";
  s += "# VISUAL_COMPLEXITY: " + std::to_string(t.visual_complexity) + "\n";
  for (const auto& [k, v] : t.extra) s += "# " + k + ": " + v + "\n";
  s += "\n# ---- Theme setting start (DO NOT CHANGE) ----\n";
  s += "Output " + t.id + ".mp4\n\n";
  s += "Require bash\n";
  for (const auto& r : t.requires)
    if (r != "bash") s += "Require " + r + "\n";
  s += "\n";
  s += kThemeBlock;
  s += "\n\n# ---- Theme setting end (DO NOT CHANGE) ----\n\n";
  for (const auto& line : t.body) s += line + "\n";
  if (t.body.empty() || t.body.back() != "Hide") s += "Hide\n";
  return s;
}

std::vector<std::string> tape_families() {
  return {"basic", "basic_mix", "files", "text_pipeline", "git", "interactive", "arithmetic"};
}

std::vector<GeneratedTape> generate_tapes(const TapeGenOptions& o) {
  const auto families = tape_families();
  if (std::find(families.begin(), families.end(), o.family) == families.end()) {
    std::string near = closest_match(o.family, families);
    throw Error("unknown tape family '" + o.family + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)"),
                "--family", "one of " + join(families, ", "));
  }
  check(o.count >= 0, "--count must be >= 0", "--count");
  check(o.id_width >= 1 && o.id_width <= 18, "--id-width must be in [1, 18]", "--id-width");
  const uint64_t seed = o.seed != 0 ? o.seed : reference_seed(o.family);
  if (o.family == "arithmetic") return generate_arithmetic_tapes(o, seed);

  const std::string prefix = o.prefix.empty() ? o.family : o.prefix;
  Rng rng(seed);
  std::vector<GeneratedTape> out;
  std::set<std::string> seen;  // bodies: the reference samples sequences without repeats
  int attempts = 0;
  while (static_cast<int>(out.size()) < o.count) {
    TapeSpec t;
    if (o.family == "basic") t = basic_tape(rng);
    else if (o.family == "basic_mix") t = basic_mix_tape(rng);
    else if (o.family == "files")
      t = command_tape(rng, file_commands(), 1, 4, "Working with the files in the home folder, the user ",
                       {{"Files", true}, {"FS", true}});
    else if (o.family == "text_pipeline")
      t = command_tape(rng, text_commands(), 1, 3, "Filtering text with pipelines, the user ", {{"Text", true}});
    else if (o.family == "git") t = git_tape(rng);
    else t = interactive_tape(rng);
    const std::string key = join(t.body, "\n");
    // Families with few distinct bodies repeat once they are exhausted.
    if (!seen.insert(key).second && ++attempts < 50 * (o.count + 10)) continue;
    GeneratedTape g;
    g.id = fmt::format("{}_{:0{}d}", prefix, o.start_index + static_cast<int64_t>(out.size()), o.id_width);
    t.id = g.id;
    g.text = render_tape_text(t);
    g.info = {{"family", o.family}};
    out.push_back(std::move(g));
  }
  return out;
}

TapeGenReport write_generated_tapes(const TapeGenOptions& o, const std::string& out_dir) {
  const std::vector<GeneratedTape> tapes = generate_tapes(o);
  make_dirs(out_dir);
  TapeGenReport report;
  std::string manifest;
  for (const auto& t : tapes) {
    write_file_atomic(out_dir + "/" + t.id + ".tape", t.text);
    manifest += manifest_line(t.id, t.id + ".tape", t.id + ".mp4") + "\n";
    ++report.by_category[t.info.value("category", o.family)];
  }
  report.tapes = static_cast<int>(tapes.size());
  report.manifest = out_dir + "/manifest.jsonl";
  write_file_atomic(report.manifest, manifest);
  if (o.family == "arithmetic") {
    std::string pool;
    for (const auto& p : arithmetic_heldout_pool())
      pool += nlohmann::json({{"expression", p.expression}, {"answer", p.answer}, {"category", p.category},
                              {"digit_type", p.digit_type}, {"difficulty", p.difficulty}})
                  .dump() +
              "\n";
    write_file_atomic(out_dir + "/heldout.jsonl", pool);
    nlohmann::json cats = nlohmann::json::object();
    for (const auto& [name, weight] : arithmetic_categories()) cats[name] = weight;
    write_file_atomic(out_dir + "/categories.json",
                      nlohmann::json({{"weights", cats}, {"generated", report.by_category}}).dump(2) + "\n");
  }
  return report;
}

}  // namespace nc::data
