#include "dead_value.hpp"

#include "xml.hpp"

#include <algorithm>
#include <unordered_set>

namespace quire::dav {

namespace {

constexpr std::string_view header_open = "<?quire-value";
constexpr std::string_view old_lang_open = "<?lang ";

} // namespace

namespace {

bool is_declaration(std::string_view name) {
    return name == "xmlns" || name.starts_with("xmlns:");
}

void append_declaration(std::string& out, std::string_view name, std::string_view uri) {
    out += ' ';
    out += name;
    out += "=\"";
    append_escaped(out, uri);
    out += '"';
}

} // namespace

std::string declarations_in_scope(pugi::xml_node element) {
    std::string out;
    std::unordered_set<std::string_view> seen;
    for (auto n = element; n && n.type() == pugi::node_element; n = n.parent()) {
        for (auto a : n.attributes()) {
            const std::string_view name = a.name();
            // The nearest binding of each prefix; xmlns="" leaves the default namespace
            // unset, which needs no declaration where the value goes.
            if (is_declaration(name) && seen.insert(name).second && *a.value() != '\0') {
                append_declaration(out, name, a.value());
            }
        }
    }
    return out;
}

std::string encode_dead_value(pugi::xml_node element, std::string_view parent_scope,
                              std::string_view content) {
    std::string declarations;
    if (!content.empty()) { // an empty value has nothing to read them
        std::unordered_set<std::string_view> own;
        for (auto a : element.attributes()) {
            const std::string_view name = a.name();
            if (is_declaration(name) && own.insert(name).second && *a.value() != '\0') {
                append_declaration(declarations, name, a.value());
            }
        }
        if (own.empty()) {
            declarations = parent_scope;
        } else {
            for (const auto& d : split_declarations(parent_scope)) {
                if (!own.contains(d.name)) {
                    declarations += ' ';
                    declarations += d.name;
                    declarations += "=\"";
                    declarations += d.uri; // escaped already
                    declarations += '"';
                }
            }
        }
    }
    const auto lang = xml_lang(element);
    // Without a header, content that starts like one would be read as one.
    if (declarations.empty() && lang.empty() && !content.starts_with("<?")) {
        return std::string(content);
    }
    std::string out(header_open);
    if (!lang.empty()) {
        out += " lang=\"";
        append_escaped(out, lang);
        out += '"';
    }
    out += declarations;
    out += "?>";
    out += content;
    return out;
}

DeadValue decode_dead_value(std::string_view stored) {
    DeadValue v{{}, {}, stored};
    if (!stored.starts_with("<?")) {
        return v; // the common case: live values, plain text
    }
    const auto end = stored.find("?>");
    if (end == std::string_view::npos) {
        return v;
    }
    if (stored.starts_with(old_lang_open)) {
        v.lang = stored.substr(old_lang_open.size(), end - old_lang_open.size());
        v.content = stored.substr(end + 2);
        return v;
    }
    if (!stored.starts_with(header_open)) {
        return v;
    }
    auto attributes = stored.substr(header_open.size(), end - header_open.size());
    v.content = stored.substr(end + 2);
    if (attributes.starts_with(" lang=\"")) {
        const auto close = attributes.find('"', 7);
        if (close != std::string_view::npos) {
            v.lang = attributes.substr(7, close - 7);
            attributes.remove_prefix(close + 1);
        }
    }
    v.declarations = attributes;
    return v;
}

std::vector<Declaration> split_declarations(std::string_view declarations) {
    std::vector<Declaration> out;
    // ` NAME="URI"` repeated, as encode_dead_value wrote them.
    while (true) {
        const auto eq = declarations.find("=\"");
        if (eq == std::string_view::npos) {
            return out;
        }
        const auto close = declarations.find('"', eq + 2);
        if (close == std::string_view::npos) {
            return out;
        }
        auto name = declarations.substr(0, eq);
        name.remove_prefix(std::min(name.find_first_not_of(' '), name.size()));
        out.push_back(Declaration{name, declarations.substr(eq + 2, close - eq - 2)});
        declarations.remove_prefix(close + 1);
    }
}

} // namespace quire::dav
