// quire_bench_storage: operations per second of each storage backend at two store sizes.
//
//   quire_bench_storage [--sizes 10000,100000] [--backends fs,sqlite,git] [--dir DIR]
//
// Layout of a store of N documents: /big holds 10,000 members, /bulk/cK hold the rest in
// collections of 1,000, /tiny holds 100 more. Seeding goes around the timed paths (plain files
// for fs, `git fast-import` for git, non-durable commits for sqlite); every timed operation
// goes through storage::Store with the backend's normal settings.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "storage/fs/fs_store.hpp"
#include "storage/git/git_store.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace qs = quire::storage;
namespace stdfs = std::filesystem;

namespace {

constexpr int big_members = 10'000;
constexpr int bulk_per_collection = 1'000;
constexpr int tiny_members = 100;
const std::string seed_body(256, 's');
const std::string put_body(4096, 'p');

struct Doc {
    std::string path;
};

// Every document of a store of `n` (the benchmark layout), collections first.
void layout(int n, std::vector<std::string>& collections, std::vector<std::string>& docs) {
    collections = {"/big", "/tiny", "/bulk", "/bench"};
    for (int i = 0; i < big_members; ++i)
        docs.push_back("/big/m" + std::to_string(i) + ".ics");
    for (int i = 0; i < tiny_members; ++i)
        docs.push_back("/tiny/m" + std::to_string(i) + ".ics");
    for (int i = 0, k = 0; i < n - big_members; i += bulk_per_collection, ++k) {
        std::string c = "/bulk/c" + std::to_string(k);
        collections.push_back(c);
        for (int j = 0; j < bulk_per_collection && i + j < n - big_members; ++j)
            docs.push_back(c + "/m" + std::to_string(j) + ".ics");
    }
}

void die(const std::string& what) {
    std::cerr << "bench: " << what << "\n";
    std::exit(1);
}

template <class T>
T must(qs::Result<T> r, const std::string& what) {
    if (!r)
        die(what + ": " + r.error().message);
    return std::move(*r);
}

void must(qs::Result<void> r, const std::string& what) {
    if (!r)
        die(what + ": " + r.error().message);
}

void seed_fs(const std::string& root, const std::vector<std::string>& collections,
             const std::vector<std::string>& docs) {
    stdfs::create_directories(root);
    for (auto& c : collections)
        stdfs::create_directories(root + c);
    for (auto& d : docs)
        std::ofstream(root + d, std::ios::binary) << seed_body;
}

void seed_git(const std::string& repo, const std::vector<std::string>& collections,
              const std::vector<std::string>& docs) {
    if (std::system(("git init -q --bare -b main '" + repo + "'").c_str()) != 0)
        die("git init");
    FILE* in = ::popen(("git -C '" + repo + "' fast-import --quiet").c_str(), "w");
    if (!in)
        die("git fast-import");
    std::ostringstream s;
    s << "blob\nmark :1\ndata " << seed_body.size() << "\n" << seed_body << "\n";
    s << "blob\nmark :2\ndata 0\n\n";
    s << "commit refs/heads/main\ncommitter Bench <bench@quire.invalid> 1700000000 +0000\n"
      << "data 4\nseed\n";
    // Collections carry Quire's marker, as if made by MKCOL.
    for (auto& c : collections)
        s << "M 100644 :2 " << c.substr(1) << "/.quire-keep\n";
    for (auto& d : docs)
        s << "M 100644 :1 " << d.substr(1) << "\n";
    s << "\n";
    std::string text = s.str();
    std::fwrite(text.data(), 1, text.size(), in);
    if (::pclose(in) != 0)
        die("git fast-import failed");
}

void seed_sqlite(const std::string& file, const std::vector<std::string>& collections,
                 const std::vector<std::string>& docs) {
    qs::sqlite::Options options;
    options.durable = false;
    auto store = must(qs::sqlite::open(file, options), "open sqlite");
    for (auto& c : collections)
        must(store->mkcol(c, "bench"), "mkcol " + c);
    for (auto& d : docs) {
        qs::MemorySource body(seed_body);
        must(store->put(d, body, {}, "bench"), "put " + d);
    }
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Runs `op` `count` times and returns operations per second.
double rate(int count, const std::function<void(int)>& op) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < count; ++i)
        op(i);
    return count / seconds_since(start);
}

struct Row {
    std::string backend;
    int n = 0;
    double seed_s = 0;
    std::map<std::string, double> ops;
};

const std::vector<std::string> columns = {"put 4 KiB",   "get",          "list 10,000",  "list 100",
                                          "props patch", "changes (10)", "changes (100)"};

Row bench(const std::string& backend, int n, const std::string& dir) {
    Row row{backend, n, 0, {}};
    std::vector<std::string> collections, docs;
    layout(n, collections, docs);
    auto start = std::chrono::steady_clock::now();
    std::function<qs::Result<std::unique_ptr<qs::Store>>()> open;
    if (backend == "fs") {
        seed_fs(dir + "/fs", collections, docs);
        open = [&] { return qs::fs::open(dir + "/fs"); };
    } else if (backend == "sqlite") {
        seed_sqlite(dir + "/store.db", collections, docs);
        open = [&] { return qs::sqlite::open(dir + "/store.db"); };
    } else {
        seed_git(dir + "/repo.git", collections, docs);
        open = [&] { return qs::git::open(dir + "/repo.git", {}); };
    }
    row.seed_s = seconds_since(start);
    auto store = must(open(), "open " + backend);
    std::mt19937 rng(7);

    row.ops["put 4 KiB"] = rate(200, [&](int i) {
        qs::MemorySource body(put_body);
        must(store->put("/bench/p" + std::to_string(i), body, {}, "bench"), "put");
    });
    row.ops["get"] = rate(2000, [&](int) {
        auto& path = docs[std::uniform_int_distribution<std::size_t>(0, docs.size() - 1)(rng)];
        auto body = must(store->open_read(path), "get " + path);
        if (must(qs::read_all(*body), "read").size() != seed_body.size())
            die("short read");
    });
    row.ops["list 10,000"] = rate(10, [&](int) {
        if (must(store->list("/big"), "list").size() != big_members)
            die("list /big");
    });
    row.ops["list 100"] = rate(200, [&](int) {
        if (must(store->list("/tiny"), "list").size() != tiny_members)
            die("list /tiny");
    });
    row.ops["props patch"] = rate(200, [&](int i) {
        std::vector<qs::PropOp> ops = {{{"urn:bench", "p"}, "<v>" + std::to_string(i) + "</v>"}};
        must(store->patch_props("/big/m" + std::to_string(i) + ".ics", ops, "bench"), "patch");
    });
    for (int changes : {10, 100}) {
        auto token = must(store->sync_token("/big"), "token");
        for (int i = 0; i < changes; ++i) {
            qs::MemorySource body(put_body);
            must(store->put("/big/m" + std::to_string(i) + ".ics", body, {}, "bench"), "put");
        }
        row.ops["changes (" + std::to_string(changes) + ")"] = rate(100, [&](int) {
            auto c = must(store->changes_since("/big", token), "changes");
            if (c.changes.size() != static_cast<std::size_t>(changes))
                die("changes: got " + std::to_string(c.changes.size()));
        });
    }
    return row;
}

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, ',');)
        out.push_back(item);
    return out;
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> backends = {"fs", "sqlite", "git"};
    std::vector<int> sizes = {10'000, 100'000};
    std::string base = stdfs::temp_directory_path();
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string flag = argv[i], value = argv[i + 1];
        if (flag == "--backends")
            backends = split(value);
        else if (flag == "--sizes") {
            sizes.clear();
            for (auto& s : split(value))
                sizes.push_back(std::stoi(s));
        } else if (flag == "--dir")
            base = value;
        else
            die("unknown flag " + flag);
    }
    std::vector<Row> rows;
    for (auto& backend : backends) {
        for (int n : sizes) {
            if (n < big_members)
                die("sizes start at 10000");
            std::string dir = (stdfs::path(base) / "quire-bench-XXXXXX").string();
            if (!::mkdtemp(dir.data()))
                die("mkdtemp");
            std::cerr << "bench: " << backend << " at " << n << " resources...\n";
            rows.push_back(bench(backend, n, dir));
            stdfs::remove_all(dir);
        }
    }
    std::cout << "| backend | resources |";
    for (auto& c : columns)
        std::cout << ' ' << c << " |";
    std::cout << "\n|---|---:|";
    for (std::size_t i = 0; i < columns.size(); ++i)
        std::cout << "---:|";
    std::cout << "\n";
    for (auto& r : rows) {
        std::cout << "| " << r.backend << " | " << r.n << " |";
        for (auto& c : columns) {
            char buf[32];
            std::snprintf(buf, sizeof buf, " %.0f |", r.ops[c]);
            std::cout << buf;
        }
        std::cout << "\n";
    }
    std::cout << "\nOperations per second. Seeding (not timed above) took:";
    for (auto& r : rows) {
        char buf[64];
        std::snprintf(buf, sizeof buf, " %s/%d %.1fs;", r.backend.c_str(), r.n, r.seed_s);
        std::cout << buf;
    }
    std::cout << "\n";
}
