// What PROPFIND and PROPPATCH bodies may look like and what PROPFIND reports, on every
// backend: allprop with DAV:include, the live properties of a document (getcontenttype,
// getlastmodified, supportedlock, lockdiscovery) agreeing with GET's fields, namespaces by
// default and redefined in an inner element, and bodies in a content coding refused with 415.
#include "dav_fixture.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace quire::test {
namespace {

using DavFormsTest = DavTest;

// The <D:prop> contents of the propstat with that status in a one-resource multistatus, or
// nullopt when there is none.
std::optional<std::string> propstat(const std::string& body, int status) {
    const std::regex one("<D:propstat><D:prop>((?:(?!</D:propstat>).)*)</D:prop><D:status>HTTP/"
                         "1\\.1 ([0-9]{3})[^<]*</D:status></D:propstat>");
    for (std::sregex_iterator it(body.begin(), body.end(), one), end; it != end; ++it) {
        if (std::stoi((*it)[2].str()) == status) {
            return (*it)[1].str();
        }
    }
    return std::nullopt;
}

const std::string depth0 = "Depth: 0\r\n";

TEST_P(DavFormsTest, AllpropLeavesOutWhatOnlyIncludeOrANameBringsIn) {
    ASSERT_EQ(call("MKCOL", "/dav/c").status, 201);
    ASSERT_EQ(call("PROPPATCH", "/dav/c/",
                   "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:Z=\"urn:z\"><D:set><D:prop>"
                   "<Z:tag>blue</Z:tag></D:prop></D:set></D:propertyupdate>")
                  .status,
              207);
    auto all = call("PROPFIND", "/dav/c/", "<D:propfind xmlns:D=\"DAV:\"><D:allprop/></D:propfind>",
                    depth0);
    ASSERT_EQ(all.status, 207);
    auto found = propstat(all.body, 200);
    ASSERT_TRUE(found) << all.body;
    EXPECT_NE(found->find("<D:collection/>"), std::string::npos) << *found;
    EXPECT_NE(found->find("<Z:tag xmlns:D=\"DAV:\" xmlns:Z=\"urn:z\">blue</Z:tag>"),
              std::string::npos)
        << *found; // dead: in allprop
    // RFC 4331 section 3 and RFC 6578 section 4: not in allprop.
    EXPECT_EQ(found->find("quota-used-bytes"), std::string::npos) << *found;
    EXPECT_EQ(found->find("sync-token"), std::string::npos) << *found;

    // RFC 4918 section 14.8: DAV:include adds them to what allprop gives.
    auto included = call("PROPFIND", "/dav/c/",
                         "<D:propfind xmlns:D=\"DAV:\"><D:allprop/><D:include><D:sync-token/>"
                         "<D:quota-used-bytes/></D:include></D:propfind>",
                         depth0);
    ASSERT_EQ(included.status, 207);
    found = propstat(included.body, 200);
    ASSERT_TRUE(found) << included.body;
    EXPECT_NE(found->find("<D:collection/>"), std::string::npos) << *found;
    EXPECT_NE(found->find("<Z:tag xmlns:D=\"DAV:\" xmlns:Z=\"urn:z\">blue</Z:tag>"),
              std::string::npos)
        << *found;
    EXPECT_NE(found->find("<D:quota-used-bytes>0</D:quota-used-bytes>"), std::string::npos)
        << *found;
    EXPECT_NE(found->find("<D:sync-token>"), std::string::npos) << *found;
}

TEST_P(DavFormsTest, ADocumentsLivePropertiesAgreeWithGet) {
    ASSERT_EQ(call("PUT", "/dav/n.txt", "notes", "Content-Type: text/x-notes\r\n").status, 201);
    const auto get = call("GET", "/dav/n.txt");
    ASSERT_EQ(get.status, 200);
    EXPECT_EQ(get.headers.at("content-type"), "text/x-notes");
    auto p = call("PROPFIND", "/dav/n.txt",
                  "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:getcontenttype/><D:getlastmodified/>"
                  "<D:getetag/><D:supportedlock/><D:lockdiscovery/><D:resourcetype/></D:prop>"
                  "</D:propfind>",
                  depth0);
    ASSERT_EQ(p.status, 207);
    auto found = propstat(p.body, 200);
    ASSERT_TRUE(found) << p.body;
    EXPECT_FALSE(propstat(p.body, 404)) << p.body; // a document has every one of them
    EXPECT_NE(found->find("<D:getcontenttype>text/x-notes</D:getcontenttype>"), std::string::npos)
        << *found;
    // RFC 4918 section 15.7: getlastmodified is the Last-Modified field's value.
    EXPECT_NE(found->find("<D:getlastmodified>" + get.headers.at("last-modified") +
                          "</D:getlastmodified>"),
              std::string::npos)
        << *found;
    EXPECT_NE(found->find("<D:getetag>" + get.headers.at("etag") + "</D:getetag>"),
              std::string::npos)
        << *found;
    // Exclusive and shared write locks (RFC 4918 section 15.10).
    EXPECT_TRUE(std::regex_search(
        *found, std::regex("<D:supportedlock><D:lockentry><D:lockscope><D:exclusive/>.*"
                           "<D:lockentry><D:lockscope><D:shared/>.*</D:supportedlock>")))
        << *found;
    EXPECT_NE(found->find("<D:lockdiscovery/>"), std::string::npos) << *found;
    EXPECT_NE(found->find("<D:resourcetype/>"), std::string::npos) << *found;

    // A lock shows in lockdiscovery with its token, scope and depth.
    auto lock = call("LOCK", "/dav/n.txt", lockinfo, "Timeout: Second-600\r\n");
    ASSERT_EQ(lock.status, 200) << lock.body;
    const auto token = lock.headers.at("lock-token");
    ASSERT_TRUE(token.size() > 2 && token.front() == '<' && token.back() == '>') << token;
    p = call("PROPFIND", "/dav/n.txt",
             "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:lockdiscovery/></D:prop></D:propfind>",
             depth0);
    found = propstat(p.body, 200);
    ASSERT_TRUE(found) << p.body;
    EXPECT_NE(found->find("<D:locktoken><D:href>" + token.substr(1, token.size() - 2) +
                          "</D:href></D:locktoken>"),
              std::string::npos)
        << *found;
    EXPECT_NE(found->find("<D:exclusive/>"), std::string::npos) << *found;
    EXPECT_NE(found->find("<D:depth>infinity</D:depth>"), std::string::npos) << *found;
}

TEST_P(DavFormsTest, NamesAreTheirNamespaceWhateverThePrefixSays) {
    ASSERT_EQ(call("PUT", "/dav/ns.txt", "12345").status, 201);
    // DAV: as the default namespace, no prefix at all.
    auto p = call("PROPFIND", "/dav/ns.txt",
                  "<propfind xmlns=\"DAV:\"><prop><getcontentlength/></prop></propfind>", depth0);
    ASSERT_EQ(p.status, 207);
    auto found = propstat(p.body, 200);
    ASSERT_TRUE(found) << p.body;
    EXPECT_EQ(*found, "<D:getcontentlength>5</D:getcontentlength>");

    // Z is urn:one on the root and urn:two inside D:prop: the property is {urn:two}color. The
    // default namespace is redefined the same way, and xmlns="" is no namespace at all.
    auto set = call("PROPPATCH", "/dav/ns.txt",
                    "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:Z=\"urn:one\" xmlns=\"urn:d1\">"
                    "<D:set><D:prop xmlns:Z=\"urn:two\" xmlns=\"urn:d2\"><Z:color>red</Z:color>"
                    "<size>L</size><plain xmlns=\"\">yes</plain></D:prop></D:set>"
                    "</D:propertyupdate>");
    ASSERT_EQ(set.status, 207);
    EXPECT_FALSE(propstat(set.body, 403)) << set.body;
    ASSERT_TRUE(propstat(set.body, 200)) << set.body;

    auto ask = [&](const std::string& prop) {
        return call("PROPFIND", "/dav/ns.txt",
                    "<D:propfind xmlns:D=\"DAV:\"><D:prop>" + prop + "</D:prop></D:propfind>",
                    depth0);
    };
    auto two = ask("<Q:color xmlns:Q=\"urn:two\"/>");
    found = propstat(two.body, 200);
    ASSERT_TRUE(found) << two.body;
    // The value keeps the declarations in scope where it was sent (the nearest of each), and
    // the property keeps the prefix bound to its namespace there.
    EXPECT_EQ(*found,
              "<Z:color xmlns:Z=\"urn:two\" xmlns=\"urn:d2\" xmlns:D=\"DAV:\">red</Z:color>");
    auto one = ask("<Q:color xmlns:Q=\"urn:one\"/>");
    EXPECT_FALSE(propstat(one.body, 200)) << one.body;
    ASSERT_TRUE(propstat(one.body, 404)) << one.body;

    found = propstat(ask("<size xmlns=\"urn:d2\"/>").body, 200);
    ASSERT_TRUE(found);
    // Bound only as the default there: a prefix is made for it.
    EXPECT_EQ(*found, "<X:size xmlns:X=\"urn:d2\" xmlns:Z=\"urn:two\" xmlns=\"urn:d2\" "
                      "xmlns:D=\"DAV:\">L</X:size>");
    EXPECT_FALSE(propstat(ask("<size xmlns=\"urn:d1\"/>").body, 200));

    // The empty namespace goes out unprefixed under a root that declares no default.
    auto plain = ask("<plain xmlns=\"\"/>");
    found = propstat(plain.body, 200);
    ASSERT_TRUE(found) << plain.body;
    EXPECT_EQ(*found, "<plain xmlns:Z=\"urn:two\" xmlns:D=\"DAV:\">yes</plain>");
    EXPECT_EQ(plain.body.find("xmlns=\""), std::string::npos) << plain.body;
}

// RFC 9110 section 15.5.16: a body in a content coding the server does not undo is 415, with
// Accept-Encoding (RFC 7694) naming what it takes; nothing of it is stored.
TEST_P(DavFormsTest, BodiesInAContentCodingAre415AndChangeNothing) {
    const std::string gzip = "Content-Encoding: gzip\r\n";
    auto put = call("PUT", "/dav/z.txt", std::string("\x1f\x8b\x08\x00", 4), gzip);
    EXPECT_EQ(put.status, 415);
    EXPECT_EQ(put.headers["accept-encoding"], "identity");
    EXPECT_EQ(call("GET", "/dav/z.txt").status, 404);
    // Identity is no coding, in any case and in a list.
    EXPECT_EQ(call("PUT", "/dav/z.txt", "plain", "Content-Encoding: Identity\r\n").status, 201);
    EXPECT_EQ(call("PUT", "/dav/z.txt", "other", "Content-Encoding: identity, br\r\n").status, 415);
    EXPECT_EQ(call("GET", "/dav/z.txt").body, "plain");

    auto patch = call("PROPPATCH", "/dav/z.txt",
                      "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:Z=\"urn:z\"><D:set><D:prop>"
                      "<Z:a>1</Z:a></D:prop></D:set></D:propertyupdate>",
                      gzip);
    EXPECT_EQ(patch.status, 415);
    auto p = call("PROPFIND", "/dav/z.txt",
                  "<D:propfind xmlns:D=\"DAV:\"><D:prop><Z:a xmlns:Z=\"urn:z\"/></D:prop>"
                  "</D:propfind>",
                  depth0);
    EXPECT_TRUE(propstat(p.body, 404)) << p.body;
    // A request without a body is not judged by the field.
    EXPECT_EQ(call("GET", "/dav/z.txt", {}, gzip).status, 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, DavFormsTest,
                         ::testing::Values("fs", "fs_quick", "sqlite", "git"),
                         [](const auto& info) { return info.param; });

} // namespace
} // namespace quire::test
