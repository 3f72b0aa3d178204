// Dead property values are kept byte for byte (the issue's "stored byte for byte with their
// namespaces"; RFC 4918 section 4.3 asks at least for the information items): where an
// element's content lies in the body, the stored form with the declarations the content was
// sent under, the property element written around it, and the round trip over HTTP on every
// backend.
#include "dav/proto/dead_value.hpp"
#include "dav/proto/multistatus.hpp"
#include "dav/proto/raw_content.hpp"
#include "dav/proto/requests.hpp"
#include "dav/proto/xml.hpp"
#include "dav_fixture.hpp"

#include <gtest/gtest.h>

#include <string>

namespace quire::dav {
namespace {

// The raw content of the first element named `name` (document order) in body.
std::string content_of(const std::string& body, const std::string& name) {
    auto doc = parse_xml(body);
    EXPECT_TRUE(doc) << doc.error();
    if (!doc) {
        return "(malformed)";
    }
    auto raw = RawContent::of(body);
    EXPECT_TRUE(raw) << raw.error();
    auto element = doc->root().find_node(
        [&](pugi::xml_node n) { return n.type() == pugi::node_element && n.name() == name; });
    if (doc->root().name() == name) {
        element = doc->root();
    }
    EXPECT_TRUE(element) << name;
    return raw ? std::string(raw->content(element)) : "(no raw)";
}

TEST(RawContent, TheBytesBetweenTheTagsWhateverTheyHold) {
    EXPECT_EQ(content_of("<r><a>x</a></r>", "a"), "x");
    EXPECT_EQ(content_of("<r><a/><b>1</b></r>", "a"), "");
    EXPECT_EQ(content_of("<r><a></a><b>1</b></r>", "a"), "");
    // What follows the element does not matter: text, a comment holding '<', the end tags of
    // ancestors with nothing after them, a CDATA section, a PI, trailing markup.
    EXPECT_EQ(content_of("<r><a>x</a>tail</r>", "a"), "x");
    EXPECT_EQ(content_of("<r><q><a>x</a></q><!-- </a> < --></r>", "a"), "x");
    EXPECT_EQ(content_of("<r><q><p><a>x</a></p></q  >\n</r ><!--<--><?pi <?>\n", "a"), "x");
    EXPECT_EQ(content_of("<r><a>x</a><![CDATA[</a>]]></r>", "a"), "x");
    EXPECT_EQ(content_of("<r><a>x</a><?a </a>?></r>", "a"), "x");
    // The content keeps everything as written.
    const std::string kept = "\r\n <![CDATA[<&>]]><!-- c --><?pi d?>&#65;&lt;<b  c = 'it\"s>' "
                             "/><b></b><a>nested same name</a >";
    EXPECT_EQ(content_of("<r><a>" + kept + "</a\t></r>", "a"), kept);
    // The root element itself, after a byte order mark and a declaration.
    EXPECT_EQ(content_of("\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<r> <a/> </r>\n", "r"), " <a/> ");
}

TEST(DeadValue, TheHeaderCarriesTheDeclarationsInScopeAndTheLanguage) {
    auto ops = parse_proppatch(
        "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:Z=\"urn:outer\" xmlns=\"urn:d\"><D:set>"
        "<D:prop xmlns:Z=\"urn:inner&amp;\"><Z:a xml:lang=\"fr-CA\"><b>x</b></Z:a>"
        "<n xmlns=\"\">plain</n></D:prop></D:set></D:propertyupdate>");
    ASSERT_TRUE(ops) << ops.error();
    ASSERT_EQ(ops->size(), 2u);
    // The nearest binding of each prefix, escaped; the property's own prefix binding too.
    EXPECT_EQ(*(*ops)[0].value, "<?quire-value lang=\"fr-CA\" xmlns:Z=\"urn:inner&amp;\" "
                                "xmlns:D=\"DAV:\" xmlns=\"urn:d\"?><b>x</b>");
    // xmlns="" leaves the default unset: nothing to declare for it.
    EXPECT_EQ(*(*ops)[1].value, "<?quire-value xmlns:Z=\"urn:inner&amp;\" xmlns:D=\"DAV:\"?>plain");

    const auto v = decode_dead_value(*(*ops)[0].value);
    EXPECT_EQ(v.lang, "fr-CA");
    EXPECT_EQ(v.content, "<b>x</b>");
    const auto d = split_declarations(v.declarations);
    ASSERT_EQ(d.size(), 3u);
    EXPECT_EQ(d[0].name, "xmlns:Z");
    EXPECT_EQ(d[0].prefix(), "Z");
    EXPECT_EQ(d[0].uri, "urn:inner&amp;");
    EXPECT_EQ(d[2].name, "xmlns");
    EXPECT_EQ(d[2].prefix(), "");
    EXPECT_EQ(d[2].uri, "urn:d");
}

TEST(DeadValue, AnEmptyValueNeedsNoDeclarations) {
    auto ops =
        parse_proppatch("<D:propertyupdate xmlns:D=\"DAV:\" xmlns:Z=\"urn:z\"><D:set><D:prop>"
                        "<Z:flag/><Z:said xml:lang=\"en\"></Z:said></D:prop></D:set>"
                        "</D:propertyupdate>");
    ASSERT_TRUE(ops) << ops.error();
    ASSERT_EQ(ops->size(), 2u);
    EXPECT_EQ(*(*ops)[0].value, "");
    EXPECT_EQ(*(*ops)[1].value, "<?quire-value lang=\"en\"?>");
}

// Every property of a PROPPATCH finds its own bytes, whatever stands between them (comments,
// PIs, whitespace: nodes of the second parse only) and however many there are.
TEST(DeadValue, ManyValuesEachGetTheirOwnBytes) {
    std::string body = "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:Z=\"urn:z\"><D:set><D:prop>";
    constexpr int count = 20000;
    for (int i = 0; i < count; ++i) {
        body += "<Z:p" + std::to_string(i) + ">v" + std::to_string(i) + "</Z:p" +
                std::to_string(i) + ">";
        body += i % 3 == 0 ? "<!-- <Z:x>no</Z:x> -->" : i % 3 == 1 ? "\n <?pi <?>" : "";
    }
    body += "</D:prop></D:set><D:remove><D:prop><Z:gone/></D:prop></D:remove><D:set><D:prop>"
            "<Z:last><![CDATA[</Z:last>]]></Z:last></D:prop></D:set></D:propertyupdate>";
    auto ops = parse_proppatch(body);
    ASSERT_TRUE(ops) << ops.error();
    ASSERT_EQ(ops->size(), static_cast<std::size_t>(count + 2));
    for (int i = 0; i < count; ++i) {
        ASSERT_EQ(decode_dead_value(*(*ops)[i].value).content, "v" + std::to_string(i)) << i;
    }
    EXPECT_FALSE((*ops)[count].value);
    EXPECT_EQ(decode_dead_value(*(*ops)[count + 1].value).content, "<![CDATA[</Z:last>]]>");
}

// Each value carries the declarations in scope, so many values under many declarations would
// store far more than the body held: refused, saying why.
TEST(DeadValue, DeclarationsCopiedIntoManyValuesAreBounded) {
    std::string body = "<D:propertyupdate xmlns:D=\"DAV:\"";
    for (int i = 0; i < 2000; ++i) {
        body += " xmlns:n" + std::to_string(i) + "=\"urn:" + std::string(200, 'u') + "\"";
    }
    body += "><D:set><D:prop>";
    for (int i = 0; i < 40; ++i) {
        body += "<n1:p" + std::to_string(i) + ">1</n1:p" + std::to_string(i) + ">";
    }
    body += "</D:prop></D:set></D:propertyupdate>";
    auto ops = parse_proppatch(body);
    ASSERT_FALSE(ops);
    EXPECT_NE(ops.error().find("more than 16 MiB to store"), std::string::npos) << ops.error();
}

TEST(DeadValue, ValuesWithoutTheHeaderAreReadAsBefore) {
    // Made by the server, or stored before the header: content that stands alone.
    EXPECT_EQ(decode_dead_value("plain").content, "plain");
    EXPECT_EQ(decode_dead_value("<?lang en?>x").lang, "en");
    EXPECT_EQ(decode_dead_value("<?lang en?>x").content, "x");
    EXPECT_EQ(decode_dead_value("<?pi x?>y").content, "<?pi x?>y");
    std::string out;
    append_property(out, "urn:z", "p", "<?lang en?><Y:c xmlns:Y=\"urn:y\"/>");
    EXPECT_EQ(out, "<X:p xmlns:X=\"urn:z\" xml:lang=\"en\"><Y:c xmlns:Y=\"urn:y\"/></X:p>");
    // A value that starts with a PI of its own is stored behind a header, so the PI stays
    // content even where nothing else would need one.
    auto ops = parse_proppatch("<propertyupdate xmlns=\"DAV:\"><set><prop><p xmlns=\"\">"
                               "<?lang de?>z</p></prop></set></propertyupdate>");
    ASSERT_TRUE(ops) << ops.error();
    const auto v = decode_dead_value(*(*ops)[0].value);
    EXPECT_EQ(v.lang, "");
    EXPECT_EQ(v.content, "<?lang de?>z");
}

// A lock's DAV:owner comes back in lockdiscovery as the client wrote its content too.
TEST(DeadValue, ALockOwnerKeepsItsBytes) {
    auto lock =
        parse_lockinfo("<D:lockinfo xmlns:D=\"DAV:\" xmlns:Z=\"urn:z\"><D:lockscope><D:exclusive/>"
                       "</D:lockscope><D:locktype><D:write/></D:locktype>"
                       "<D:owner Z:kind='person'><!-- who --><D:href>mailto:a@b</D:href>"
                       "<![CDATA[<x>]]>&#65;</D:owner></D:lockinfo>");
    ASSERT_TRUE(lock) << lock.error();
    EXPECT_EQ(lock->owner_xml,
              "<D:owner xmlns:D=\"DAV:\" xmlns:Z=\"urn:z\" Z:kind=\"person\"><!-- who "
              "--><D:href>mailto:a@b</D:href><![CDATA[<x>]]>&#65;</D:owner>");
    auto empty = parse_lockinfo("<lockinfo xmlns=\"DAV:\"><lockscope><shared/></lockscope>"
                                "<locktype><write/></locktype><owner/></lockinfo>");
    ASSERT_TRUE(empty) << empty.error();
    EXPECT_EQ(empty->owner_xml, "<owner xmlns=\"DAV:\"/>");
}

// The property element written around a stored value, read back by a namespace-aware parse.
struct Written {
    std::string xml;
    std::string ns;       // of the property element
    std::string local;    // of the property element
    std::string inner_ns; // of the first element in the value ("-" when none)
};

Written write(std::string_view ns, std::string_view name, const std::string& body) {
    auto ops = parse_proppatch(body);
    EXPECT_TRUE(ops) << ops.error();
    Written w;
    if (!ops) {
        return w;
    }
    std::string doc = "<D:multistatus xmlns:D=\"DAV:\">";
    append_property(w.xml, ns, name, *(*ops)[0].value);
    doc += w.xml;
    doc += "</D:multistatus>";
    auto parsed = parse_xml(doc);
    EXPECT_TRUE(parsed) << doc << ": " << parsed.error();
    if (!parsed) {
        return w;
    }
    const auto property = parsed->root().first_child();
    w.ns = qname(property).ns;
    w.local = qname(property).local;
    const auto inner =
        property.find_child([](pugi::xml_node n) { return n.type() == pugi::node_element; });
    w.inner_ns = inner ? std::string(qname(inner).ns) : "-";
    return w;
}

TEST(DeadValue, ThePropertyPrefixNeverClashesWithTheValuesDeclarations) {
    // The prefix bound to the property's namespace where it was sent is used as it is.
    auto same = write("urn:z", "a",
                      "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:Z=\"urn:z\"><D:set><D:prop>"
                      "<Z:a><Z:b/></Z:a></D:prop></D:set></D:propertyupdate>");
    EXPECT_EQ(same.xml, "<Z:a xmlns:D=\"DAV:\" xmlns:Z=\"urn:z\"><Z:b/></Z:a>");
    EXPECT_EQ(same.ns, "urn:z");
    EXPECT_EQ(same.inner_ns, "urn:z");

    // X is taken by the value (bound to another namespace): the property gets X0.
    auto taken = write("urn:p", "a",
                       "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:X=\"urn:x\"><D:set><D:prop>"
                       "<a xmlns=\"urn:p\"><X:b/></a></D:prop></D:set></D:propertyupdate>");
    EXPECT_EQ(taken.ns, "urn:p");
    EXPECT_EQ(taken.local, "a");
    EXPECT_EQ(taken.inner_ns, "urn:x");
    EXPECT_TRUE(taken.xml.starts_with("<X0:a xmlns:X0=\"urn:p\" xmlns=\"urn:p\" ")) << taken.xml;

    // D bound to something else around the value: a DAV: property is not written as D:.
    auto rebound = write("DAV:", "displayname",
                         "<propertyupdate xmlns=\"DAV:\" xmlns:D=\"urn:not-dav\"><set><prop>"
                         "<displayname><D:i>n</D:i></displayname></prop></set></propertyupdate>");
    EXPECT_EQ(rebound.ns, "DAV:");
    EXPECT_EQ(rebound.local, "displayname");
    EXPECT_EQ(rebound.inner_ns, "urn:not-dav");

    // Unprefixed content keeps the default namespace it was sent under.
    auto by_default = write("urn:z", "a",
                            "<D:propertyupdate xmlns:D=\"DAV:\" xmlns=\"urn:d\"><D:set><D:prop>"
                            "<Z:a xmlns:Z=\"urn:z\"><b/></Z:a></D:prop></D:set>"
                            "</D:propertyupdate>");
    EXPECT_EQ(by_default.inner_ns, "urn:d");
    // And content sent where no default was set stays in no namespace.
    auto none = write("", "n",
                      "<D:propertyupdate xmlns:D=\"DAV:\"><D:set><D:prop><n><b/></n></D:prop>"
                      "</D:set></D:propertyupdate>");
    EXPECT_EQ(none.ns, "");
    EXPECT_EQ(none.inner_ns, "");
}

} // namespace
} // namespace quire::dav

namespace quire::test {
namespace {

class DavDeadValueTest : public DavTest {};

// Everything a client may put in a value comes back exactly: CDATA, comments, PIs, references
// as written, quoting and spacing in tags, both empty-element forms, a CR LF; through COPY and
// a restart of the server too.
TEST_P(DavDeadValueTest, AValueComesBackByteForByte) {
    ASSERT_EQ(call("PUT", "/dav/v.txt", "x").status, 201);
    const std::string value = "\r\n <![CDATA[a < b && c]]><!-- note --><?app keep?>&#65;&lt;"
                              "<Y:i  k = 'q\"uote' /><Y:i></Y:i>caf\xC3\xA9 &#x1F600;";
    auto set = call("PROPPATCH", "/dav/v.txt",
                    "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:Y=\"urn:y\"><D:set><D:prop>"
                    "<Y:v>" +
                        value + "</Y:v></D:prop></D:set></D:propertyupdate>");
    ASSERT_EQ(set.status, 207) << set.body;
    ASSERT_NE(set.body.find("200 OK"), std::string::npos) << set.body;
    ASSERT_EQ(call("COPY", "/dav/v.txt", {}, "Destination: /dav/w.txt\r\n").status, 201);
    start(); // the store and the server opened again

    const std::string want = "<Y:v xmlns:D=\"DAV:\" xmlns:Y=\"urn:y\">" + value + "</Y:v>";
    for (const std::string path : {"/dav/v.txt", "/dav/w.txt"}) {
        auto named = call("PROPFIND", path,
                          "<D:propfind xmlns:D=\"DAV:\"><D:prop><v xmlns=\"urn:y\"/></D:prop>"
                          "</D:propfind>",
                          "Depth: 0\r\n");
        ASSERT_EQ(named.status, 207);
        EXPECT_NE(named.body.find(want), std::string::npos) << path << "\n" << named.body;
        EXPECT_TRUE(dav::parse_xml(named.body)) << named.body;
        auto all = call("PROPFIND", path, {}, "Depth: 0\r\n");
        ASSERT_EQ(all.status, 207);
        EXPECT_NE(all.body.find(want), std::string::npos) << path << "\n" << all.body;
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, DavDeadValueTest,
                         ::testing::Values("fs", "fs_quick", "sqlite", "git"),
                         [](const auto& info) { return info.param; });

} // namespace
} // namespace quire::test
