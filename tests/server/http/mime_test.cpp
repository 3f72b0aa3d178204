// Tests for the extension to media type map.
#include "http/mime.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace quire::http {
namespace {

struct Row {
    const char* file;
    const char* type;
};

// clang-format off
const Row default_rows[] = {
    {"index.html", "text/html; charset=utf-8"},
    {"a.htm", "text/html; charset=utf-8"},
    {"style.css", "text/css; charset=utf-8"},
    {"app.js", "application/javascript; charset=utf-8"},
    {"data.json", "application/json; charset=utf-8"},
    {"feed.xml", "application/xml; charset=utf-8"},
    {"readme.txt", "text/plain; charset=utf-8"},
    {"cal.ics", "text/calendar; charset=utf-8"},
    {"img.png", "image/png"},
    {"img.jpg", "image/jpeg"},
    {"img.jpeg", "image/jpeg"},
    {"img.gif", "image/gif"},
    {"img.svg", "image/svg+xml"},
    {"favicon.ico", "image/vnd.microsoft.icon"},
    {"img.webp", "image/webp"},
    {"doc.pdf", "application/pdf"},
    {"mod.wasm", "application/wasm"},
    {"film.mp4", "video/mp4"},
    {"font.woff", "font/woff"},
    {"font.woff2", "font/woff2"},
    {"UPPER.HTML", "text/html; charset=utf-8"},
    {"/dir.d/file.PNG", "image/png"},
    {"archive.tar.gz", "application/gzip"},
    {"noext", "application/octet-stream"},
    {"dir.html/noext", "application/octet-stream"},
    {"trailing.", "application/octet-stream"},
    {"unknown.zzz", "application/octet-stream"},
    {"", "application/octet-stream"},
};
// clang-format on

class MimeDefaults : public testing::TestWithParam<Row> {};

TEST_P(MimeDefaults, Lookup) {
    MimeTypes m;
    EXPECT_EQ(m.lookup(GetParam().file), GetParam().type) << GetParam().file;
}

INSTANTIATE_TEST_SUITE_P(Rows, MimeDefaults, testing::ValuesIn(default_rows));

TEST(Mime, SetOverridesCaseInsensitively) {
    MimeTypes m;
    m.set("ZZZ", "application/x-zzz");
    EXPECT_EQ(m.lookup("a.zzz"), "application/x-zzz");
    m.set("txt", "text/plain; charset=iso-8859-1");
    EXPECT_EQ(m.lookup("a.txt"), "text/plain; charset=iso-8859-1");
}

TEST(Mime, LoadFile) {
    std::string path = testing::TempDir() + "quire_mime_test.types";
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("# comment line\n"
               "application/x-foo\tfoo FOO2   bar # trailing comment\n"
               "\n"
               "text/x-baz baz\r\n"
               "image/png\n"
               "notatype qqq\n",
               f);
    std::fclose(f);
    MimeTypes m;
    ASSERT_TRUE(m.load_file(path));
    EXPECT_EQ(m.lookup("a.foo"), "application/x-foo");
    EXPECT_EQ(m.lookup("a.foo2"), "application/x-foo");
    EXPECT_EQ(m.lookup("a.bar"), "application/x-foo");
    EXPECT_EQ(m.lookup("a.baz"), "text/x-baz; charset=utf-8");
    EXPECT_EQ(m.lookup("a.comment"), "application/octet-stream");
    EXPECT_EQ(m.lookup("a.qqq"), "application/octet-stream");
    EXPECT_EQ(m.lookup("a.png"), "image/png"); // defaults survive
    std::remove(path.c_str());
}

TEST(Mime, LoadMissingFile) {
    MimeTypes m;
    EXPECT_FALSE(m.load_file("/nonexistent/mime.types"));
    EXPECT_EQ(m.lookup("a.html"), "text/html; charset=utf-8");
}

TEST(Mime, LoadSystemFile) {
    MimeTypes m;
    if (!m.load_file("/etc/mime.types"))
        GTEST_SKIP() << "/etc/mime.types not present";
    EXPECT_EQ(m.lookup("a.png"), "image/png");
    EXPECT_EQ(m.lookup("a.ics"), "text/calendar; charset=utf-8");
    EXPECT_EQ(m.lookup("a.pdf"), "application/pdf");
}

} // namespace
} // namespace quire::http
