// Tests for reason phrases and header field lookup.
#include "http/headers.hpp"
#include "http/status.hpp"

#include <gtest/gtest.h>

namespace quire::http {
namespace {

TEST(Status, ReasonPhrases) {
    EXPECT_EQ(reason_phrase(200), "OK");
    EXPECT_EQ(reason_phrase(206), "Partial Content");
    EXPECT_EQ(reason_phrase(207), "Multi-Status");
    EXPECT_EQ(reason_phrase(304), "Not Modified");
    EXPECT_EQ(reason_phrase(413), "Content Too Large");
    EXPECT_EQ(reason_phrase(414), "URI Too Long");
    EXPECT_EQ(reason_phrase(416), "Range Not Satisfiable");
    EXPECT_EQ(reason_phrase(422), "Unprocessable Content");
    EXPECT_EQ(reason_phrase(423), "Locked");
    EXPECT_EQ(reason_phrase(424), "Failed Dependency");
    EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
    EXPECT_EQ(reason_phrase(505), "HTTP Version Not Supported");
    EXPECT_EQ(reason_phrase(507), "Insufficient Storage");
    EXPECT_EQ(reason_phrase(299), "Unknown");
    EXPECT_EQ(reason_phrase(-1), "Unknown");
}

TEST(Status, EveryRfc9110CodeHasAPhrase) {
    for (int code : {100, 101, 200, 201, 202, 203, 204, 205, 206, 300, 301, 302, 303, 304, 305,
                     307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412,
                     413, 414, 415, 416, 417, 421, 422, 426, 500, 501, 502, 503, 504, 505})
        EXPECT_NE(reason_phrase(code), "Unknown") << code;
}

TEST(Headers, CaseInsensitiveLookup) {
    Headers h;
    h.add("Content-Type", "text/plain");
    h.add("X-A", "1");
    h.add("x-a", "2");
    EXPECT_EQ(h.get("content-TYPE"), "text/plain");
    EXPECT_EQ(h.get("x-A"), "1");
    EXPECT_EQ(h.count("X-a"), 2u);
    EXPECT_EQ(h.get_combined("X-A"), "1, 2");
    EXPECT_FALSE(h.get("missing"));
    EXPECT_FALSE(h.get_combined("missing"));
    EXPECT_TRUE(h.has("CONTENT-type"));
}

TEST(Headers, SetReplacesAll) {
    Headers h;
    h.add("A", "1");
    h.add("B", "x");
    h.add("a", "2");
    h.set("A", "3");
    ASSERT_EQ(h.fields().size(), 2u);
    EXPECT_EQ(h.fields()[0].value, "3");
    EXPECT_EQ(h.fields()[1].name, "B");
    h.set("C", "4");
    EXPECT_EQ(h.get("c"), "4");
    h.remove("b");
    EXPECT_FALSE(h.has("B"));
    EXPECT_EQ(h.fields().size(), 2u);
    h.clear();
    EXPECT_TRUE(h.empty());
}

TEST(Headers, HasToken) {
    Headers h;
    h.add("Connection", "keep-alive, Upgrade");
    h.add("Connection", " ,TE ,");
    EXPECT_TRUE(h.has_token("connection", "upgrade"));
    EXPECT_TRUE(h.has_token("connection", "te"));
    EXPECT_TRUE(h.has_token("connection", "KEEP-ALIVE"));
    EXPECT_FALSE(h.has_token("connection", "close"));
    EXPECT_FALSE(h.has_token("connection", "keep"));
    EXPECT_FALSE(h.has_token("other", "te"));
}

TEST(Headers, Iequals) {
    EXPECT_TRUE(iequals("Host", "hOST"));
    EXPECT_FALSE(iequals("Host", "Hos"));
    EXPECT_TRUE(iequals("", ""));
    EXPECT_FALSE(iequals("\xc3\xa9", "\xc3\x89")); // ASCII only
}

} // namespace
} // namespace quire::http
