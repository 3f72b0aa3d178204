// XML request bodies in other encodings than UTF-8 (XML 1.0 section 4.3.3: UTF-16 is a
// must), turned into UTF-8 before parsing; and through the handler, a PROPPATCH in Latin-1.
#include "dav/proto/xml_charset.hpp"
#include "dav_fixture.hpp"

#include <gtest/gtest.h>

#include <string>

namespace quire::dav {
namespace {

using namespace std::string_literals;

const std::string propfind =
    "<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\"><D:allprop/></D:propfind>";

// ASCII text in UTF-16, little or big end first.
std::string utf16(const std::string& ascii, bool little) {
    std::string out;
    for (char c : ascii) {
        out += little ? std::string{c, '\0'} : std::string{'\0', c};
    }
    return out;
}

TEST(XmlCharset, Utf8AndAsciiBodiesComeBackAsTheyCame) {
    EXPECT_EQ(xml_body_as_utf8(propfind, ""), propfind);
    EXPECT_EQ(xml_body_as_utf8(propfind, "application/xml; charset=\"utf-8\""), propfind);
    const std::string declared = "<?xml version=\"1.0\" encoding=\"US-ASCII\"?><a/>";
    EXPECT_EQ(xml_body_as_utf8(declared, "text/xml"), declared);
}

TEST(XmlCharset, Utf16WithOrWithoutAByteOrderMarkBecomesUtf8) {
    EXPECT_EQ(xml_body_as_utf8("\xFF\xFE"s + utf16(propfind, true), ""), propfind);
    EXPECT_EQ(xml_body_as_utf8("\xFE\xFF"s + utf16(propfind, false), ""), propfind);
    EXPECT_EQ(xml_body_as_utf8(utf16(propfind, true), ""), propfind);
    EXPECT_EQ(xml_body_as_utf8(utf16(propfind, false), ""), propfind);
    EXPECT_EQ(xml_body_as_utf8(utf16(propfind, true), "application/xml; charset=UTF-16LE"),
              propfind);
}

TEST(XmlCharset, TheDeclarationOrTheContentTypeNamesAnotherEncoding) {
    const std::string latin1 =
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\xE9</a>"; // é as one byte
    EXPECT_EQ(xml_body_as_utf8(latin1, ""),
              "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\xC3\xA9</a>");
    // RFC 7303 section 3: the charset parameter wins over the declaration.
    const std::string mislabelled = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>\xE9</a>";
    EXPECT_EQ(xml_body_as_utf8(mislabelled, "application/xml;charset=iso-8859-1"),
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>\xC3\xA9</a>");
}

// An ASCII-readable declaration that names UTF-16 is wrong about itself: read as UTF-8.
TEST(XmlCharset, ADeclarationClaimingUtf16InAsciiBytesIsReadAsUtf8) {
    const std::string lying = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a>x</a>";
    EXPECT_EQ(xml_body_as_utf8(lying, ""), lying);
}

TEST(XmlCharset, AnUnknownEncodingOrBytesInvalidInItAreRefusedSayingWhich) {
    auto unknown = xml_body_as_utf8("<?xml version=\"1.0\" encoding=\"X-NOPE\"?><a/>", "");
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().find("X-NOPE"), std::string::npos) << unknown.error();
    auto odd = xml_body_as_utf8("\xFF\xFE"s + utf16("<a/>", true) + "x", "");
    ASSERT_FALSE(odd);
    EXPECT_NE(odd.error().find("UTF-16"), std::string::npos) << odd.error();
}

} // namespace
} // namespace quire::dav

namespace quire::test {
namespace {

class DavCharsetTest : public DavTest {};

TEST_P(DavCharsetTest, AProppatchInLatin1IsStoredAndAnsweredInUtf8) {
    ASSERT_EQ(call("PUT", "/dav/f.txt", "x").status, 201);
    const std::string latin1 =
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
        "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:Z=\"urn:z\"><D:set><D:prop>"
        "<Z:note>caf\xE9</Z:note></D:prop></D:set></D:propertyupdate>";
    EXPECT_EQ(call("PROPPATCH", "/dav/f.txt", latin1).status, 207);
    auto p = call("PROPFIND", "/dav/f.txt", {}, "Depth: 0\r\n");
    EXPECT_NE(p.body.find("caf\xC3\xA9"), std::string::npos) << p.body;
    // UTF-16, as XML 1.0 requires every parser to read.
    std::string body16 = "\xFF\xFE";
    for (char c : std::string("<?xml version=\"1.0\" encoding=\"UTF-16\"?><D:propfind "
                              "xmlns:D=\"DAV:\"><D:prop><D:getcontentlength/></D:prop>"
                              "</D:propfind>")) {
        body16 += c;
        body16 += '\0';
    }
    auto p16 = call("PROPFIND", "/dav/f.txt", body16, "Depth: 0\r\n");
    EXPECT_EQ(p16.status, 207) << p16.body;
    EXPECT_NE(p16.body.find("<D:getcontentlength>1</D:getcontentlength>"), std::string::npos)
        << p16.body;
}

INSTANTIATE_TEST_SUITE_P(Backends, DavCharsetTest,
                         ::testing::Values("fs", "fs_quick", "sqlite", "git"),
                         [](const auto& info) { return info.param; });

} // namespace
} // namespace quire::test
