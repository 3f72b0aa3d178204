// The static files handler over real sockets.
#include "handlers/static/static_handler.hpp"
#include "support/test_client.hpp"
#include "support/test_handlers.hpp"
#include "support/test_server.hpp"

#include "http/date.hpp"
#include "http/utf8.hpp"

#include <fstream>

#include <gtest/gtest.h>

namespace quire::test {
namespace {

class StaticTest : public ::testing::Test {
protected:
    void SetUp() override {
        root_.write("hello.txt", "hello world\n");
        root_.write("empty.txt", "");
        root_.write("dir/index.html", "<p>index</p>");
        root_.write("list/<b>&amp.txt", "x");
        root_.write("list/b.txt", "bb");
        root_.write("list/a.txt", "a");
        root_.write("app.js", "console.log('plain');");
        root_.write("app.js.gz", "GZIPPED");
        root_.write("both.css", "plain");
        root_.write("both.css.gz", "GZIPPED");
        root_.write("both.css.br", "BROTLI");
        root_.write(".quire/meta.db", "secret");
        root_.write("page.md", "# md");
        big_.resize(300000);
        for (std::size_t i = 0; i < big_.size(); ++i) {
            big_[i] = static_cast<char>('a' + (i * 7) % 26);
        }
        root_.write("big.bin", big_);
        std::filesystem::create_symlink(outside_.path(), root_ / "escape");
        outside_.write("secret.txt", "outside");
        std::filesystem::create_symlink(root_ / "hello.txt", root_ / "inside-link");
        std::filesystem::create_symlink("hello.txt", root_ / "relative-link");
        start({});
    }

    void start(handlers::StaticOptions o) {
        server_.reset();
        o.root = root_.path().string();
        if (o.mime.empty()) {
            o.mime = {{"md", "text/markdown"}};
        }
        auto h = handlers::StaticHandler::create(o);
        ASSERT_TRUE(h) << h.error();
        core::Mount m = mount("/", *h);
        m.error_pages[404] = core::ErrorPage{"custom not found", "text/plain"};
        server_ = std::make_unique<TestServer>(make_config({std::move(m)}));
    }

    std::optional<ClientResponse> get(const std::string& path, const std::string& headers = "") {
        return http_get(server_->port(), path, headers);
    }
    std::optional<ClientResponse> request(const std::string& method, const std::string& path) {
        TestClient c(server_->port());
        c.send(method + " " + path + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        return c.read_response(method == "HEAD");
    }

    TempDir root_;
    TempDir outside_;
    std::string big_;
    std::unique_ptr<TestServer> server_;
};

TEST_F(StaticTest, ServesAFileWithTypeAndValidators) {
    auto r = get("/hello.txt");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "hello world\n");
    EXPECT_EQ(r->header("content-type"), "text/plain; charset=utf-8");
    EXPECT_TRUE(r->header("etag"));
    EXPECT_TRUE(r->header("last-modified"));
    EXPECT_EQ(r->header("accept-ranges"), "bytes");
}

TEST_F(StaticTest, ServesALargeFileExactly) {
    auto r = get("/big.bin");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body.size(), big_.size());
    EXPECT_TRUE(r->body == big_);
}

TEST_F(StaticTest, UsesMimeOverrides) {
    auto r = get("/page.md");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header("content-type"), "text/markdown; charset=utf-8");
}

TEST_F(StaticTest, AnswersConditionalRequests) {
    auto first = get("/hello.txt");
    ASSERT_TRUE(first);
    const std::string etag = *first->header("etag");
    const std::string modified = *first->header("last-modified");
    EXPECT_EQ(get("/hello.txt", "If-None-Match: " + etag + "\r\n")->status, 304);
    EXPECT_EQ(get("/hello.txt", "If-None-Match: \"other\"\r\n")->status, 200);
    EXPECT_EQ(get("/hello.txt", "If-Match: \"other\"\r\n")->status, 412);
    EXPECT_EQ(get("/hello.txt", "If-Match: " + etag + "\r\n")->status, 200);
    EXPECT_EQ(get("/hello.txt", "If-Modified-Since: " + modified + "\r\n")->status, 304);
    EXPECT_EQ(get("/hello.txt", "If-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n")->status,
              412);
    // RFC 9110 section 13.2.2: If-None-Match takes precedence over If-Modified-Since.
    EXPECT_EQ(
        get("/hello.txt", "If-None-Match: \"other\"\r\nIf-Modified-Since: " + modified + "\r\n")
            ->status,
        200);
    auto not_modified = get("/hello.txt", "If-None-Match: " + etag + "\r\n");
    EXPECT_EQ(not_modified->header("etag"), etag);
    EXPECT_TRUE(not_modified->body.empty());
}

// A file served again from the open-file cache has its Content-Type, ETag and Last-Modified
// lines kept ready; what a precondition or a Range changes must still come out right.
TEST_F(StaticTest, CachedFileAnswersCarryEachFieldOnceAndConditionalsStillApply) {
    auto first = get("/hello.txt");
    ASSERT_TRUE(first);
    for (int i = 0; i < 2; ++i) { // the second answer comes from the cache
        auto r = get("/hello.txt");
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200);
        EXPECT_EQ(r->body, "hello world\n");
        for (const char* name :
             {"content-type", "accept-ranges", "etag", "last-modified", "content-length"}) {
            EXPECT_EQ(r->headers.count(name), 1u) << name;
        }
        EXPECT_EQ(r->header("etag"), first->header("etag"));
        EXPECT_EQ(r->header("last-modified"), first->header("last-modified"));
        EXPECT_EQ(r->header("content-type"), "text/plain; charset=utf-8");
    }
    const std::string etag = *first->header("etag");
    auto not_modified = get("/hello.txt", "If-None-Match: " + etag + "\r\n");
    ASSERT_TRUE(not_modified);
    EXPECT_EQ(not_modified->status, 304);
    EXPECT_EQ(not_modified->header("etag"), etag);
    // RFC 9110 section 15.4.5: no other representation metadata, and Last-Modified only
    // where there is no ETag.
    EXPECT_FALSE(not_modified->header("last-modified"));
    EXPECT_FALSE(not_modified->header("content-type"));
    EXPECT_FALSE(not_modified->header("accept-ranges"));
    auto failed = get("/hello.txt", "If-Match: \"other\"\r\n");
    ASSERT_TRUE(failed);
    EXPECT_EQ(failed->status, 412);
    EXPECT_FALSE(failed->header("etag"));
    auto part = get("/hello.txt", "Range: bytes=6-10\r\n");
    ASSERT_TRUE(part);
    EXPECT_EQ(part->status, 206);
    EXPECT_EQ(part->body, "world");
    EXPECT_EQ(part->headers.count("content-type"), 1u);
    EXPECT_EQ(part->headers.count("etag"), 1u);
    auto head = request("HEAD", "/hello.txt");
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->header("content-length"), "12");
    EXPECT_EQ(head->header("etag"), etag);
    EXPECT_TRUE(head->body.empty());
}

TEST_F(StaticTest, ServesRanges) {
    auto single = get("/hello.txt", "Range: bytes=0-4\r\n");
    EXPECT_EQ(single->status, 206);
    EXPECT_EQ(single->body, "hello");
    EXPECT_EQ(single->header("content-range"), "bytes 0-4/12");
    auto suffix = get("/hello.txt", "Range: bytes=-6\r\n");
    EXPECT_EQ(suffix->body, "world\n");
    auto big = get("/big.bin", "Range: bytes=100000-100009\r\n");
    EXPECT_EQ(big->body, big_.substr(100000, 10));
    auto none = get("/hello.txt", "Range: bytes=50-60\r\n");
    EXPECT_EQ(none->status, 416);
    EXPECT_EQ(none->header("content-range"), "bytes */12");
    // An empty file: no range can name a byte of it, and none is refused either.
    for (const char* range : {"bytes=-5", "bytes=0-0", "bytes=0-"}) {
        auto empty = get("/empty.txt", std::string("Range: ") + range + "\r\n");
        EXPECT_EQ(empty->status, 200) << range;
        EXPECT_EQ(empty->body, "") << range;
    }
    // The 416 names the representation its range missed.
    EXPECT_EQ(none->header("etag"), get("/hello.txt")->header("etag"));
    auto multi = get("/hello.txt", "Range: bytes=0-1,6-7\r\n");
    EXPECT_EQ(multi->status, 206);
    auto type = multi->header("content-type").value_or("");
    ASSERT_EQ(type.rfind("multipart/byteranges; boundary=", 0), 0u) << type;
    const std::string boundary = type.substr(type.find('=') + 1);
    EXPECT_NE(multi->body.find("--" + boundary +
                               "\r\nContent-Type: text/plain; charset=utf-8\r\n"
                               "Content-Range: bytes 0-1/12\r\n\r\nhe"),
              std::string::npos)
        << multi->body;
    EXPECT_NE(multi->body.find("Content-Range: bytes 6-7/12\r\n\r\nwo\r\n--" + boundary + "--"),
              std::string::npos);
    // If-Range with another validator: the whole representation.
    auto stale = get("/hello.txt", "Range: bytes=0-1\r\nIf-Range: \"old\"\r\n");
    EXPECT_EQ(stale->status, 200);
    EXPECT_EQ(stale->body, "hello world\n");
}

TEST_F(StaticTest, RedirectsADirectoryWithoutSlashAndServesItsIndex) {
    auto r = get("/dir?x=1");
    EXPECT_EQ(r->status, 301);
    EXPECT_EQ(r->header("location"), "/dir/?x=1");
    auto index = get("/dir/");
    EXPECT_EQ(index->status, 200);
    EXPECT_EQ(index->body, "<p>index</p>");
    EXPECT_EQ(index->header("content-type"), "text/html; charset=utf-8");
}

TEST_F(StaticTest, ListsADirectoryEscapedAndSorted) {
    auto r = get("/list/");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    const auto& html = r->body;
    EXPECT_NE(html.find("&lt;b&gt;&amp;amp.txt"), std::string::npos) << html;
    EXPECT_EQ(html.find("<b>&amp"), std::string::npos);
    EXPECT_NE(html.find("href=\"./%3Cb%3E&amp;amp.txt\""), std::string::npos) << html;
    EXPECT_LT(html.find("a.txt"), html.find("b.txt"));
    EXPECT_EQ(get("/")->body.find(".quire"), std::string::npos);
}

// RFC 9110 section 13.1: a listing exists but has no validator, so If-Match with a tag fails
// and If-None-Match: * means 304 (a directory's index file is weighed as a file).
TEST_F(StaticTest, ListingsWeighTheConditionalFields) {
    EXPECT_EQ(get("/list/", "If-None-Match: *\r\n")->status, 304);
    EXPECT_EQ(get("/list/", "If-Match: \"x\"\r\n")->status, 412);
    EXPECT_EQ(get("/list/", "If-Match: *\r\n")->status, 200);
    auto other = get("/list/", "If-None-Match: \"x\"\r\n");
    EXPECT_EQ(other->status, 200);
    EXPECT_FALSE(other->header("etag"));
}

// RFC 9110 section 8.8.2.1: a file stamped in the future is Last-Modified at the Date, in a
// cached answer (a small file) and in one sent from the file.
TEST_F(StaticTest, AFileStampedInTheFutureIsLastModifiedNoLaterThanTheDate) {
    root_.write("future.txt", "soon");
    root_.write("future.bin", big_);
    const auto later = std::filesystem::file_time_type::clock::now() + std::chrono::hours(24 * 400);
    std::filesystem::last_write_time(root_ / "future.txt", later);
    std::filesystem::last_write_time(root_ / "future.bin", later);
    for (const char* path : {"/future.txt", "/future.bin", "/future.txt"}) {
        auto r = get(path);
        ASSERT_TRUE(r);
        ASSERT_EQ(r->status, 200) << path;
        auto modified = http::parse_http_date(std::string(*r->header("last-modified")));
        auto date = http::parse_http_date(std::string(*r->header("date")));
        ASSERT_TRUE(modified && date) << path;
        EXPECT_LE(*modified, *date + 1) << path << ": " << *r->header("last-modified");
    }
}

TEST_F(StaticTest, ListingCanBeTurnedOff) {
    handlers::StaticOptions o;
    o.listing = false;
    start(o);
    EXPECT_EQ(get("/list/")->status, 403);
}

TEST_F(StaticTest, NeverLeavesTheRoot) {
    EXPECT_EQ(get("/escape/secret.txt")->status, 403);
    EXPECT_EQ(get("/inside-link")->status, 200); // absolute, but inside the root
    EXPECT_EQ(get("/relative-link")->status, 200);
    EXPECT_EQ(get("/%2e%2e/etc/passwd")->status, 400);
    EXPECT_EQ(get("/a/%2e%2e/%2e%2e/etc/passwd")->status, 400);
    EXPECT_EQ(get("/hello.txt%00.html")->status, 400);
    EXPECT_EQ(get("/..%5cetc")->status, 400);
    EXPECT_EQ(get("/%ff%fe")->status, 400);
    EXPECT_EQ(get("/.quire/meta.db")->status, 404);
}

TEST_F(StaticTest, FollowsLinksOutOfTheRootOnlyWhenAllowed) {
    handlers::StaticOptions o;
    o.follow_symlinks = true;
    start(o);
    auto r = get("/escape/secret.txt");
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "outside");
    EXPECT_NE(get("/")->body.find("escape/"), std::string::npos);
}

// The metadata folder is not served by name, nor through a link inside the root that leads
// into it (a share's owner may have made one); the listing leaves such links out.
TEST_F(StaticTest, ALinkIntoTheMetadataFolderIsNotFollowed) {
    std::filesystem::create_symlink(".quire", root_ / "meta-dir");
    std::filesystem::create_symlink(root_ / ".quire" / "meta.db", root_ / "list" / "meta-file");
    EXPECT_EQ(get("/meta-dir/meta.db")->status, 404);
    EXPECT_EQ(get("/meta-dir/")->status, 404);
    EXPECT_EQ(get("/list/meta-file")->status, 404);
    EXPECT_EQ(get("/")->body.find("meta-dir"), std::string::npos);
    EXPECT_EQ(get("/list/")->body.find("meta-file"), std::string::npos);
    handlers::StaticOptions o;
    o.follow_symlinks = true;
    start(o);
    EXPECT_EQ(get("/meta-dir/meta.db")->status, 404);
    EXPECT_EQ(get("/list/meta-file")->status, 404);
}

// A link that leads out of the root is refused, so the listing leaves it out (and tells
// nothing of what it points at); links that stay inside are listed as what they reach.
TEST_F(StaticTest, AListingLeavesOutLinksThatLeadOutOfTheRoot) {
    std::filesystem::create_symlink(outside_.path() / "secret.txt", root_ / "list" / "out-file");
    std::filesystem::create_symlink("../hello.txt", root_ / "list" / "up-inside");
    auto listing = get("/list/");
    ASSERT_EQ(listing->status, 200);
    EXPECT_EQ(listing->body.find("out-file"), std::string::npos) << listing->body;
    EXPECT_NE(listing->body.find("up-inside"), std::string::npos) << listing->body;
    EXPECT_EQ(get("/list/out-file")->status, 403);
    EXPECT_EQ(get("/list/up-inside")->body, "hello world\n");
    auto top = get("/");
    EXPECT_EQ(top->body.find("escape"), std::string::npos) << top->body;
    EXPECT_NE(top->body.find("relative-link"), std::string::npos) << top->body;
}

TEST_F(StaticTest, UsesTheCustomErrorPage) {
    auto r = get("/missing");
    EXPECT_EQ(r->status, 404);
    EXPECT_EQ(r->body, "custom not found");
    EXPECT_EQ(r->header("content-type"), "text/plain");
}

TEST_F(StaticTest, AllowsOnlyReadMethods) {
    auto post = request("POST", "/hello.txt");
    EXPECT_EQ(post->status, 405);
    EXPECT_EQ(post->header("allow"), "GET, HEAD, OPTIONS");
    EXPECT_EQ(request("PROPFIND", "/hello.txt")->status, 405);
    EXPECT_EQ(request("BREW", "/hello.txt")->status, 501);
    auto options = request("OPTIONS", "/hello.txt");
    EXPECT_EQ(options->status, 200);
    EXPECT_EQ(options->header("allow"), "GET, HEAD, OPTIONS");
    auto head = request("HEAD", "/hello.txt");
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->header("content-length"), "12");
}

TEST_F(StaticTest, ServesPrecompressedSiblingsAndCacheHeaders) {
    handlers::StaticOptions o;
    o.precompressed = true;
    o.cache_control = "max-age=60";
    o.expires = 60;
    start(o);
    auto gz = get("/app.js", "Accept-Encoding: br;q=0, gzip\r\n");
    EXPECT_EQ(gz->body, "GZIPPED");
    EXPECT_EQ(gz->header("content-encoding"), "gzip");
    EXPECT_EQ(gz->header("vary"), "Accept-Encoding");
    EXPECT_EQ(gz->header("content-type"), "text/javascript; charset=utf-8");
    EXPECT_EQ(gz->header("cache-control"), "max-age=60");
    EXPECT_TRUE(gz->header("expires"));
    auto plain = get("/app.js", "Accept-Encoding: gzip;q=0\r\n");
    EXPECT_EQ(plain->body, "console.log('plain');");
    EXPECT_FALSE(plain->header("content-encoding"));
    EXPECT_NE(plain->header("etag"), gz->header("etag"));
    // RFC 9110 section 12.4.2: "q" in any case, after optional whitespace, and only as a
    // parameter of its own.
    for (const char* refused : {"gzip;Q=0", "gzip ; q=0", "gzip;level=1;q=0", "br;q=0, gzip;Q=0"}) {
        auto r = get("/app.js", std::string("Accept-Encoding: ") + refused + "\r\n");
        EXPECT_EQ(r->body, "console.log('plain');") << refused;
    }
    auto not_a_weight = get("/app.js", "Accept-Encoding: br;q=0, gzip;xq=0\r\n");
    EXPECT_EQ(not_a_weight->body, "GZIPPED");
    // With both siblings, the client's weights choose (RFC 9110 section 12.4.2); a tie is br.
    for (const auto& [accept, body] :
         {std::pair("gzip;q=1.0, br;q=0.1", "GZIPPED"), std::pair("br;q=0.3, *;q=0.5", "GZIPPED"),
          std::pair("gzip;q=0.8, br;q=0.9", "BROTLI"), std::pair("gzip, br", "BROTLI"),
          std::pair("br;q=0.5, gzip;q=0.5", "BROTLI")}) {
        auto r = get("/both.css", std::string("Accept-Encoding: ") + accept + "\r\n");
        EXPECT_EQ(r->body, body) << accept;
    }
}

// A cached file served from its descriptor and then written in place (same inode: rsync
// --inplace, a copy over it) is answered with its new length and ETag, within the cache's
// time to live: no new bytes under the old ETag (a resumed download would splice two
// versions, RFC 9110 8.8.3), no body shorter than its Content-Length.
TEST_F(StaticTest, AFileWrittenInPlaceIsAnsweredWithItsNewLengthAndEtag) {
    handlers::StaticOptions o;
    o.cache_ttl = 60; // the change must show at once, not when the entry expires
    start(o);
    auto before = get("/big.bin");
    ASSERT_TRUE(before);
    ASSERT_EQ(before->body, big_);
    const std::string shorter(10000, 'C');
    {
        std::ofstream out(root_ / "big.bin", std::ios::binary | std::ios::trunc); // same inode
        out << shorter;
    }
    auto after = get("/big.bin");
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, 200);
    EXPECT_EQ(after->body, shorter);
    EXPECT_NE(after->header("etag"), before->header("etag"));
    // A resume against the old version is not answered with a piece of the new one.
    auto resumed =
        get("/big.bin",
            "Range: bytes=5000-\r\nIf-Range: " + before->header("etag").value_or("") + "\r\n");
    ASSERT_TRUE(resumed);
    EXPECT_EQ(resumed->status, 200);
    EXPECT_EQ(resumed->body, shorter);
    auto beyond = get("/big.bin", "Range: bytes=50000-50010\r\n");
    ASSERT_TRUE(beyond);
    EXPECT_EQ(beyond->status, 416);
    EXPECT_EQ(beyond->header("content-range"), "bytes */10000");
}

// A name that is not UTF-8 (written by a program in another encoding) is shown with U+FFFD
// in a listing that says it is UTF-8; its link keeps the bytes.
TEST_F(StaticTest, AListingOfANameThatIsNotUtf8IsStillUtf8) {
    root_.write("odd/\xff\xfe-name.txt", "x");
    auto r = get("/odd/");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(http::valid_utf8(r->body)) << r->body;
    EXPECT_NE(r->body.find("\xEF\xBF\xBD\xEF\xBF\xBD-name.txt"), std::string::npos) << r->body;
    EXPECT_NE(r->body.find("href=\"./%FF%FE-name.txt\""), std::string::npos) << r->body;
}

// RFC 9110 section 8.4.1.3: x-gzip is gzip.
TEST_F(StaticTest, XGzipIsGzip) {
    handlers::StaticOptions o;
    o.precompressed = true;
    start(o);
    auto r = get("/app.js", "Accept-Encoding: x-gzip\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "GZIPPED");
    EXPECT_EQ(r->header("content-encoding"), "gzip");
}

} // namespace
} // namespace quire::test
