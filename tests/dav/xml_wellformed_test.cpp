// Request bodies that are not well-formed XML are refused (RFC 4918 section 8.2) even where
// pugixml lets them through: characters XML does not allow, also as references (XML 1.0
// section 2.2), undeclared entities, a second root, text outside the root, a late XML
// declaration, duplicate attributes. Dead property values keep all their character data,
// whitespace-only text included (RFC 4918 section 4.3), and whitespace between elements
// elsewhere does not matter.
#include "dav/proto/dead_value.hpp"
#include "dav/proto/requests.hpp"
#include "dav/proto/xml.hpp"
#include "dav/proto/xml_charset.hpp"
#include "dav/proto/xml_text.hpp"
#include "dav_fixture.hpp"

#include <gtest/gtest.h>

#include <string>

namespace quire::dav {
namespace {

using namespace std::string_literals;

const std::string head = "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:X=\"urn:x\"><D:set><D:prop>";
const std::string tail = "</D:prop></D:set></D:propertyupdate>";

// The error of a PROPPATCH setting `props`, or "" when it parsed.
std::string proppatch_error(const std::string& props) {
    auto r = parse_proppatch(head + props + tail);
    return r ? std::string() : r.error();
}

// The content of the value the first property of a PROPPATCH setting `props` would store.
std::string stored(const std::string& props) {
    auto r = parse_proppatch(head + props + tail);
    EXPECT_TRUE(r) << props << ": " << r.error();
    if (!r || r->empty() || !(*r)[0].value) {
        return "(none)";
    }
    return std::string(decode_dead_value(*(*r)[0].value).content);
}

// The text parse_xml reads in the root element of body, its references expanded.
std::string text_of(const std::string& body) {
    auto doc = parse_xml(body);
    EXPECT_TRUE(doc) << body << ": " << doc.error();
    std::string out;
    if (doc) {
        for (auto c : doc->root().children()) {
            out += c.value();
        }
    }
    return out;
}

std::string xml_error(const std::string& body) {
    auto r = parse_xml(body);
    return r ? std::string() : r.error();
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A: characters XML 1.0 section 2.2 does not allow, raw or as references.

TEST(XmlWellFormed, RawU_FFFE_AndU_FFFF_AreRefusedWithTheirByte) {
    const auto fffe = proppatch_error("<X:a>v\xEF\xBF\xBE</X:a>");
    EXPECT_TRUE(has(fffe, "U+FFFE at byte " + std::to_string(head.size() + 6))) << fffe;
    EXPECT_TRUE(has(fffe, "not a legal XML character")) << fffe;
    const auto ffff = proppatch_error("<X:a>\xEF\xBF\xBF</X:a>");
    EXPECT_TRUE(has(ffff, "U+FFFF at byte")) << ffff;
    // Anywhere in the body: after the root element too.
    EXPECT_TRUE(has(xml_error("<a/>\xEF\xBF\xBE"), "U+FFFE at byte 4"))
        << xml_error("<a/>\xEF\xBF\xBE");
}

TEST(XmlWellFormed, ReferencesToCharactersXmlDoesNotAllowAreRefused) {
    const auto fffe = proppatch_error("<X:a>&#xFFFE;</X:a>");
    EXPECT_TRUE(has(fffe, "character reference &#xFFFE; is not a legal XML character")) << fffe;
    EXPECT_TRUE(has(fffe, "XML 1.0 section 2.2")) << fffe;
    const auto surrogate = proppatch_error("<X:a>&#xD800;</X:a>");
    EXPECT_TRUE(has(surrogate, "&#xD800; is not a legal XML character")) << surrogate;
    EXPECT_TRUE(has(proppatch_error("<X:a>&#xDFFF;</X:a>"), "&#xDFFF;"));
    EXPECT_TRUE(has(proppatch_error("<X:a>&#65535;</X:a>"), "&#65535;"));
    EXPECT_TRUE(has(proppatch_error("<X:a>&#x110000;</X:a>"), "&#x110000;"));
    EXPECT_TRUE(has(proppatch_error("<X:a>&#99999999999999999999;</X:a>"), "not a legal XML"));
}

// &#0; used to cut the value short ("a&#0;b" stored as "a").
TEST(XmlWellFormed, AReferenceToNulOrAControlCharacterIsRefused) {
    const auto nul = proppatch_error("<X:a>a&#0;b</X:a>");
    EXPECT_TRUE(has(nul, "&#0; is a control character, not a legal XML character")) << nul;
    EXPECT_TRUE(has(proppatch_error("<X:a>&#x1F;</X:a>"), "control character"));
}

TEST(XmlWellFormed, AnIllegalReferenceInLockOwnerDisplaynameOrAttributeIsRefused) {
    auto lock = parse_lockinfo(
        "<D:lockinfo xmlns:D=\"DAV:\"><D:lockscope><D:exclusive/></D:lockscope><D:locktype>"
        "<D:write/></D:locktype><D:owner>me&#xFFFE;</D:owner></D:lockinfo>");
    ASSERT_FALSE(lock);
    EXPECT_TRUE(has(lock.error(), "&#xFFFE;")) << lock.error();
    EXPECT_TRUE(has(lock.error(), "<D:owner>")) << lock.error();
    const auto name = proppatch_error("<D:displayname>n&#xFFFF;</D:displayname>");
    EXPECT_TRUE(has(name, "&#xFFFF; is not a legal XML character")) << name;
    const auto attr = proppatch_error("<X:a X:b=\"&#xFFFE;\"/>");
    EXPECT_TRUE(has(attr, "in attribute X:b on <X:a>")) << attr;
}

TEST(XmlWellFormed, OnlyFFFEAndFFFFAndControlsAreIllegalInUtf8Text) {
    EXPECT_FALSE(illegal_xml_char("plain \t\r\n text \xEF\xBF\xBD \xEF\xB7\x90 \xF0\x9F\x98\x80"));
    const auto fffe = illegal_xml_char("ab\xEF\xBF\xBE");
    ASSERT_TRUE(fffe);
    EXPECT_EQ(fffe->at, 2u);
    EXPECT_EQ(fffe->code, U'\xFFFE');
    const auto ctl = illegal_xml_char("x\x01");
    ASSERT_TRUE(ctl);
    EXPECT_EQ(ctl->at, 1u);
    EXPECT_EQ(describe(*ctl), "control character U+0001 at byte 1 is not a legal XML character "
                              "(XML 1.0 section 2.2)");
}

// B: the other ways of not being well-formed that pugixml lets through.

TEST(XmlWellFormed, ASecondRootElementIsRefused) {
    const auto e = xml_error("<D:propfind xmlns:D=\"DAV:\"><D:allprop/></D:propfind><b/>");
    EXPECT_TRUE(has(e, "a second root element <b>")) << e;
    auto r = parse_propfind("<D:propfind xmlns:D=\"DAV:\"><D:allprop/></D:propfind>"
                            "<D:propfind xmlns:D=\"DAV:\"><D:propname/></D:propfind>");
    EXPECT_FALSE(r);
}

TEST(XmlWellFormed, TextBeforeOrAfterTheRootElementIsRefused) {
    const auto after = xml_error("<a/>x");
    EXPECT_TRUE(has(after, "text after the root element")) << after;
    const auto before = xml_error("x<a/>");
    EXPECT_TRUE(has(before, "text before the root element")) << before;
    EXPECT_FALSE(parse_proppatch(head + "<X:a>1</X:a>" + tail + "\ntrailing"));
    EXPECT_TRUE(has(xml_error("<![CDATA[x]]><a/>"), "CDATA section before the root"));
    EXPECT_TRUE(has(xml_error("<a/><![CDATA[x]]>"), "CDATA section after the root"));
}

TEST(XmlWellFormed, ADuplicateAttributeIsRefused) {
    const auto same = proppatch_error("<X:a a=\"1\" a=\"2\"/>");
    EXPECT_TRUE(has(same, "attribute a appears twice on <X:a>")) << same;
    EXPECT_TRUE(has(xml_error("<a xmlns:p=\"u\" xmlns:p=\"u\"/>"), "xmlns:p appears twice"));
    // Namespaces in XML 1.0 section 6.3: two prefixes bound to one namespace.
    const auto bound =
        proppatch_error("<X:a xmlns:p=\"urn:s\" xmlns:q=\"urn:s\" p:a=\"1\" q:a=\"2\"/>");
    EXPECT_TRUE(has(bound, "the same attribute")) << bound;
    EXPECT_TRUE(has(bound, "urn:s")) << bound;
    // Different namespaces, or none, are different attributes.
    EXPECT_EQ(proppatch_error("<X:a xmlns:p=\"urn:s\" xmlns:q=\"urn:t\" p:a=\"1\" q:a=\"2\" "
                              "a=\"3\"/>"),
              "");
}

TEST(XmlWellFormed, AnXmlDeclarationOnlyAtTheVeryStart) {
    const auto late = xml_error(" <?xml version=\"1.0\"?><a/>");
    EXPECT_TRUE(has(late, "XML declaration is allowed only at the very start")) << late;
    EXPECT_TRUE(has(xml_error("\n<?xml version=\"1.0\"?><a/>"), "very start"));
    EXPECT_TRUE(has(xml_error("<?xml version=\"1.0\"?><?xml version=\"1.0\"?><a/>"), "very start"));
    EXPECT_TRUE(
        has(xml_error("<?xml-stylesheet href=\"s\"?><?xml version=\"1.0\"?><a/>"), "very start"));
    EXPECT_TRUE(has(xml_error("<a/><?xml version=\"1.0\"?>"), "very start"));
    EXPECT_TRUE(has(xml_error("<a><?xml version=\"1.0\"?></a>"), "malformed XML"));
}

TEST(XmlWellFormed, AnUndeclaredEntityIsRefusedNotStoredAsWritten) {
    const auto e = proppatch_error("<X:a>&foo;</X:a>");
    EXPECT_TRUE(has(e, "undeclared entity &foo;")) << e;
    EXPECT_TRUE(has(e, "XML 1.0 section 4.1")) << e;
    EXPECT_TRUE(has(proppatch_error("<X:a b=\"&nbsp;\"/>"), "undeclared entity &nbsp;"));
}

TEST(XmlWellFormed, ABareAmpersandOrAMalformedReferenceIsRefused) {
    EXPECT_TRUE(has(proppatch_error("<X:a>fish & chips</X:a>"), "starts no reference"));
    EXPECT_TRUE(has(proppatch_error("<X:a>&amp</X:a>"), "starts no reference"));
    EXPECT_TRUE(has(proppatch_error("<X:a>&#x;</X:a>"), "starts no reference"));
    EXPECT_TRUE(has(proppatch_error("<X:a>&#12a;</X:a>"), "starts no reference"));
    EXPECT_TRUE(has(proppatch_error("<X:a>&;</X:a>"), "starts no reference"));
}

TEST(XmlWellFormed, CdataEndInTextAndLessThanInAnAttributeAreRefused) {
    EXPECT_TRUE(has(proppatch_error("<X:a>x]]>y</X:a>"), "XML 1.0 section 2.4"));
    EXPECT_TRUE(has(proppatch_error("<X:a b=\"x<y\"/>"), "'<' in the value of attribute b"));
}

// What must still parse.

TEST(XmlWellFormed, CdataCommentsAndProcessingInstructionsHoldNoReferences) {
    // Parsed, and kept in a value as they were written.
    EXPECT_EQ(stored("<X:a><![CDATA[&foo; ]]]]></X:a>"), "<![CDATA[&foo; ]]]]>");
    EXPECT_EQ(stored("<X:a>x<!-- & &foo; &#0; -->y<?pi & &foo; ?></X:a>"),
              "x<!-- & &foo; &#0; -->y<?pi & &foo; ?>");
    EXPECT_EQ(xml_error("<!-- & --><?pi &bar; ?>\n<a/>\n<!-- &#0; --><?p?>\n"), "");
}

TEST(XmlWellFormed, LegalReferencesAreExpanded) {
    EXPECT_EQ(text_of("<a>&#x10000;&#9;&#65;&#x42;&#x0000043;</a>"), "\xF0\x90\x80\x80\tABC");
    EXPECT_EQ(text_of("<a>&lt;&gt;&amp;&apos;&quot;</a>"), "<>&'\"");
    EXPECT_EQ(text_of("<a>&#xFFFD;&#xE000;&#x10FFFF;</a>"),
              "\xEF\xBF\xBD\xEE\x80\x80\xF4\x8F\xBF\xBF");
    // In attributes: &#10; is a line feed (not normalized to a space).
    auto attribute = parse_xml("<a c=\"x&amp;y&#10;z&lt;\"/>");
    ASSERT_TRUE(attribute) << attribute.error();
    EXPECT_STREQ(attribute->root().attribute("c").value(), "x&y\nz<");
    // A dead property value keeps its references as written.
    EXPECT_EQ(stored("<X:a>&#x10000;&#9;&#65;&lt;&apos;</X:a>"), "&#x10000;&#9;&#65;&lt;&apos;");
    EXPECT_EQ(stored("<X:a><X:b c=\"x&amp;y&#10;z&lt;\"/></X:a>"),
              "<X:b c=\"x&amp;y&#10;z&lt;\"/>");
    auto ns = parse_proppatch("<D:propertyupdate xmlns:D=\"DAV:\"><D:set><D:prop>"
                              "<Y:a xmlns:Y=\"urn:a&amp;b\"/></D:prop></D:set></D:propertyupdate>");
    ASSERT_TRUE(ns) << ns.error();
    EXPECT_EQ((*ns)[0].name.ns, "urn:a&b");
}

TEST(XmlWellFormed, LegalRawUtf8IsKept) {
    // An emoji, U+FFFD, and a noncharacter XML allows (U+FDD0).
    EXPECT_EQ(stored("<X:a>\xF0\x9F\x98\x80\xEF\xBF\xBD\xEF\xB7\x90</X:a>"),
              "\xF0\x9F\x98\x80\xEF\xBF\xBD\xEF\xB7\x90");
}

TEST(XmlWellFormed, AByteOrderMarkThenTheDeclarationParses) {
    auto r = parse_proppatch("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + head +
                             "<X:a>v</X:a>" + tail + "\n");
    ASSERT_TRUE(r) << r.error();
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ(decode_dead_value(*(*r)[0].value).content, "v");
}

TEST(XmlWellFormed, Utf16BodiesAreCheckedAfterConversion) {
    auto utf16le = [](const std::string& ascii) {
        std::string out = "\xFF\xFE";
        for (char c : ascii) {
            out += c;
            out += '\0';
        }
        return out;
    };
    const std::string good =
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?>" + head + "<X:a> &#x10000; </X:a>" + tail;
    auto utf8 = xml_body_as_utf8(utf16le(good), "");
    ASSERT_TRUE(utf8) << utf8.error();
    auto r = parse_proppatch(*utf8);
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(decode_dead_value(*(*r)[0].value).content, " &#x10000; ");

    auto ref = xml_body_as_utf8(utf16le(head + "<X:a>&#xFFFE;</X:a>" + tail), "");
    ASSERT_TRUE(ref) << ref.error();
    auto refused = parse_proppatch(*ref);
    ASSERT_FALSE(refused);
    EXPECT_TRUE(has(refused.error(), "&#xFFFE;")) << refused.error();
    // U+FFFE itself in UTF-16 (FE FF little end first) is EF BF BE once converted.
    std::string raw = utf16le(head + "<X:a>");
    raw += "\xFE\xFF"s;
    for (char c : "</X:a>" + tail) {
        raw += c;
        raw += '\0';
    }
    auto converted = xml_body_as_utf8(raw, "");
    ASSERT_TRUE(converted) << converted.error();
    auto raw_refused = parse_proppatch(*converted);
    ASSERT_FALSE(raw_refused);
    EXPECT_TRUE(has(raw_refused.error(), "U+FFFE at byte")) << raw_refused.error();
}

// C: whitespace-only text in dead property values is character data like any other.

TEST(XmlWellFormed, WhitespaceOnlyTextInAValueIsKept) {
    EXPECT_EQ(stored("<X:a> </X:a>"), " ");
    EXPECT_EQ(stored("<X:a>\n\t</X:a>"), "\n\t");
    EXPECT_EQ(stored("<X:a><X:b>1</X:b> <X:c>2</X:c></X:a>"), "<X:b>1</X:b> <X:c>2</X:c>");
    EXPECT_EQ(stored("<X:a>x <X:i>y</X:i> <X:i>z</X:i></X:a>"), "x <X:i>y</X:i> <X:i>z</X:i>");
    // Inside a child element too.
    EXPECT_EQ(stored("<X:a><X:b> </X:b></X:a>"), "<X:b> </X:b>");
    EXPECT_EQ(stored("<D:displayname> </D:displayname>"), " ");
}

TEST(XmlWellFormed, IndentationBetweenElementsDoesNotMatter) {
    auto patch = parse_proppatch("<?xml version=\"1.0\"?>\n<D:propertyupdate xmlns:D=\"DAV:\" "
                                 "xmlns:X=\"urn:x\">\n  <D:set>\n    <D:prop>\n      "
                                 "<X:a>1</X:a>\n      <X:b/>\n    </D:prop>\n  </D:set>\n  "
                                 "<D:remove>\n    <D:prop>\n      <X:c/>\n    </D:prop>\n  "
                                 "</D:remove>\n</D:propertyupdate>\n");
    ASSERT_TRUE(patch) << patch.error();
    ASSERT_EQ(patch->size(), 3u);
    EXPECT_EQ((*patch)[0].name.name, "a");
    EXPECT_EQ(decode_dead_value(*(*patch)[0].value).content, "1");
    EXPECT_EQ((*patch)[1].name.name, "b");
    ASSERT_TRUE((*patch)[1].value);
    EXPECT_EQ(decode_dead_value(*(*patch)[1].value).content, "");
    EXPECT_EQ((*patch)[2].name.name, "c");
    EXPECT_FALSE((*patch)[2].value);

    auto find = parse_propfind("<D:propfind xmlns:D=\"DAV:\">\n  <D:prop>\n    <D:getetag/>\n"
                               "    <D:displayname/>\n  </D:prop>\n</D:propfind>\n");
    ASSERT_TRUE(find) << find.error();
    EXPECT_EQ(find->kind, PropfindRequest::Kind::prop);
    ASSERT_EQ(find->props.size(), 2u);
    EXPECT_EQ(find->props[1].name, "displayname");
    auto names = parse_propfind("<D:propfind xmlns:D=\"DAV:\">\n  <D:propname/>\n</D:propfind>");
    ASSERT_TRUE(names) << names.error();
    EXPECT_EQ(names->kind, PropfindRequest::Kind::propname);

    auto lock = parse_lockinfo("<D:lockinfo xmlns:D=\"DAV:\">\n <D:lockscope>\n  <D:shared/>\n"
                               " </D:lockscope>\n <D:locktype> <D:write/> </D:locktype>\n"
                               " <D:owner>\n  <D:href>me</D:href>\n </D:owner>\n</D:lockinfo>");
    ASSERT_TRUE(lock) << lock.error();
    EXPECT_TRUE(lock->shared);
    // The owner is a value like a dead property's: its whitespace is kept.
    EXPECT_EQ(lock->owner_xml, "<D:owner xmlns:D=\"DAV:\">\n  <D:href>me</D:href>\n </D:owner>");

    auto report = parse_report("<D:sync-collection xmlns:D=\"DAV:\">\n <D:sync-token>\n "
                               "</D:sync-token>\n <D:sync-level> 1 </D:sync-level>\n <D:limit> "
                               "<D:nresults> 10 </D:nresults> </D:limit>\n <D:prop> "
                               "<D:getetag/> </D:prop>\n</D:sync-collection>");
    ASSERT_TRUE(report) << report.error();
    ASSERT_TRUE(report->sync_collection);
    EXPECT_EQ(report->sync_collection->sync_token, "");
    EXPECT_FALSE(report->sync_collection->infinite);
    EXPECT_EQ(report->sync_collection->limit, 10u);
    EXPECT_EQ(report->sync_collection->props.props.size(), 1u);
}

} // namespace
} // namespace quire::dav

namespace quire::test {
namespace {

class DavWellFormedTest : public DavTest {};

const std::string patch_head =
    "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:X=\"urn:x\"><D:set><D:prop>";
const std::string patch_tail = "</D:prop></D:set></D:propertyupdate>";

TEST_P(DavWellFormedTest, IllegalCharactersAndMalformedBodiesAre400SayingWhy) {
    ASSERT_EQ(call("PUT", "/dav/f.txt", "x").status, 201);
    auto ref = call("PROPPATCH", "/dav/f.txt", patch_head + "<X:a>&#xFFFE;</X:a>" + patch_tail);
    EXPECT_EQ(ref.status, 400);
    EXPECT_NE(ref.body.find("&amp;#xFFFE; is not a legal XML character"), std::string::npos)
        << ref.body;
    auto raw = call("PROPPATCH", "/dav/f.txt", patch_head + "<X:a>\xEF\xBF\xBE</X:a>" + patch_tail);
    EXPECT_EQ(raw.status, 400);
    EXPECT_NE(raw.body.find("U+FFFE at byte"), std::string::npos) << raw.body;
    auto entity = call("PROPPATCH", "/dav/f.txt", patch_head + "<X:a>&foo;</X:a>" + patch_tail);
    EXPECT_EQ(entity.status, 400);
    auto second =
        call("PROPFIND", "/dav/f.txt", "<D:propfind xmlns:D=\"DAV:\"><D:allprop/></D:propfind><x/>",
             "Depth: 0\r\n");
    EXPECT_EQ(second.status, 400);
    EXPECT_NE(second.body.find("second root element"), std::string::npos) << second.body;
    auto owner = call("LOCK", "/dav/f.txt",
                      "<D:lockinfo xmlns:D=\"DAV:\"><D:lockscope><D:exclusive/></D:lockscope>"
                      "<D:locktype><D:write/></D:locktype><D:owner>me&#xFFFE;</D:owner>"
                      "</D:lockinfo>");
    EXPECT_EQ(owner.status, 400);
    // Nothing was stored: the listing is well-formed by parse_xml's rules.
    auto listing = call("PROPFIND", "/dav/f.txt", {}, "Depth: 0\r\n");
    ASSERT_EQ(listing.status, 207);
    EXPECT_TRUE(dav::parse_xml(listing.body)) << listing.body;
    EXPECT_EQ(listing.body.find("urn:x"), std::string::npos) << listing.body;
}

TEST_P(DavWellFormedTest, WhitespaceInADeadPropertyValueComesBack) {
    ASSERT_EQ(call("PUT", "/dav/w.txt", "x").status, 201);
    auto set =
        call("PROPPATCH", "/dav/w.txt",
             patch_head + "<X:a> </X:a>\n  <X:b>x <X:i>y</X:i> <X:i>z</X:i></X:b>" + patch_tail);
    ASSERT_EQ(set.status, 207) << set.body;
    auto p = call("PROPFIND", "/dav/w.txt",
                  "<D:propfind xmlns:D=\"DAV:\" xmlns:X=\"urn:x\"><D:prop><X:a/><X:b/></D:prop>"
                  "</D:propfind>",
                  "Depth: 0\r\n");
    ASSERT_EQ(p.status, 207);
    EXPECT_NE(p.body.find("<X:a xmlns:D=\"DAV:\" xmlns:X=\"urn:x\"> </X:a>"), std::string::npos)
        << p.body;
    EXPECT_NE(p.body.find("\">x <X:i>y</X:i> <X:i>z</X:i></X:b>"), std::string::npos) << p.body;
}

// A name with U+FFFE (a client can PUT one: the URL escapes it, %EF%BF%BE) is listed by its
// href, without the displayname XML could not carry.
TEST_P(DavWellFormedTest, ANameXmlCannotCarryHasNoDisplayname) {
    ASSERT_EQ(call("MKCOL", "/dav/c").status, 201);
    ASSERT_EQ(call("PUT", "/dav/c/odd%EF%BF%BEname", "x").status, 201);
    auto listing = call("PROPFIND", "/dav/c/", {}, "Depth: 1\r\n");
    ASSERT_EQ(listing.status, 207);
    EXPECT_EQ(listing.body.find("\xEF\xBF\xBE"), std::string::npos) << listing.body;
    EXPECT_NE(listing.body.find("/dav/c/odd%EF%BF%BEname</D:href>"), std::string::npos)
        << listing.body;
    EXPECT_EQ(count(listing.body, "<D:displayname>"), 1) << listing.body; // the folder's only
    EXPECT_TRUE(dav::parse_xml(listing.body)) << listing.body;
    auto named = call("PROPFIND", "/dav/c/odd%EF%BF%BEname",
                      "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:displayname/></D:prop>"
                      "</D:propfind>",
                      "Depth: 0\r\n");
    ASSERT_EQ(named.status, 207);
    EXPECT_EQ(named.body.find("\xEF\xBF\xBE"), std::string::npos) << named.body;
    EXPECT_NE(named.body.find("<D:displayname/></D:prop><D:status>HTTP/1.1 404"), std::string::npos)
        << named.body;
    auto names = call("PROPFIND", "/dav/c/odd%EF%BF%BEname",
                      "<D:propfind xmlns:D=\"DAV:\"><D:propname/></D:propfind>", "Depth: 0\r\n");
    ASSERT_EQ(names.status, 207);
    EXPECT_EQ(names.body.find("displayname"), std::string::npos) << names.body;
    EXPECT_NE(names.body.find("<D:resourcetype/>"), std::string::npos) << names.body;
}

INSTANTIATE_TEST_SUITE_P(Backends, DavWellFormedTest,
                         ::testing::Values("fs", "fs_quick", "sqlite", "git"),
                         [](const auto& info) { return info.param; });

} // namespace
} // namespace quire::test
