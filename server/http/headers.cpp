// Header field storage and case-insensitive lookup.
#include "headers.hpp"

#include "syntax.hpp"

#include <algorithm>

namespace quire::http {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    // Clients nearly always write a field name as the RFC does: then one memcmp says it.
    if (a == b)
        return true;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (detail::to_lower(a[i]) != detail::to_lower(b[i]))
            return false;
    return true;
}

bool starts_with_icase(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

void Headers::add(std::string name, std::string value) {
    append(std::move(name), std::move(value));
}

void Headers::add_copy(std::string_view name, std::string_view value) {
    append(name, value);
}

void Headers::set(std::string_view name, std::string value) {
    auto match = [&](const HeaderField& f) { return iequals(f.name, name); };
    auto it = std::find_if(begin(), end(), match);
    if (it == end()) {
        add(std::string(name), std::move(value));
        return;
    }
    it->value = std::move(value);
    // Drop later duplicates, keeping the first field's position.
    truncate(std::remove_if(it + 1, end(), match));
}

void Headers::remove(std::string_view name) {
    truncate(std::remove_if(begin(), end(),
                            [&](const HeaderField& f) { return iequals(f.name, name); }));
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
    for (const auto& f : fields())
        if (iequals(f.name, name))
            return std::string_view(f.value);
    return std::nullopt;
}

std::optional<std::string> Headers::get_combined(std::string_view name) const {
    std::optional<std::string> out;
    for (const auto& f : fields()) {
        if (!iequals(f.name, name))
            continue;
        if (!out)
            out.emplace(f.value);
        else {
            out->append(", ");
            out->append(f.value);
        }
    }
    return out;
}

std::size_t Headers::count(std::string_view name) const {
    std::size_t n = 0;
    for (const auto& f : fields())
        if (iequals(f.name, name))
            ++n;
    return n;
}

bool Headers::has_token(std::string_view name, std::string_view token) const {
    for (const auto& f : fields()) {
        if (!iequals(f.name, name))
            continue;
        bool found = false;
        detail::for_each_list_element(f.value, [&](std::string_view e) {
            found = iequals(e, token);
            return !found;
        });
        if (found)
            return true;
    }
    return false;
}

bool has_content_coding(const Headers& h) {
    for (const auto& f : h.fields()) {
        if (!iequals(f.name, "Content-Encoding"))
            continue;
        bool coded = false;
        detail::for_each_list_element(f.value, [&](std::string_view e) {
            coded = !iequals(e, "identity");
            return !coded;
        });
        if (coded)
            return true;
    }
    return false;
}

namespace detail {

const char* split_field_line(std::string_view line, std::string_view& name_out,
                             std::string_view& value_out) {
    // RFC 9112 section 5.2: obs-fold is rejected (a server MAY reject; we always do).
    if (!line.empty() && is_ows(line.front()))
        return "obsolete line folding";
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos)
        return "field line without colon";
    std::string_view name = line.substr(0, colon);
    // RFC 9112 section 5.1: no whitespace between field name and colon (it is not a tchar).
    if (!is_token(name))
        return "invalid field name";
    std::string_view value = trim_ows(line.substr(colon + 1));
    // RFC 9110 section 5.5: field-value = *field-content; no CTL but HTAB, so no NUL and no
    // bare CR (RFC 9112 section 2.2).
    if (has_bad_value_char(value))
        return value.find('\r') != std::string_view::npos ? "bare CR in field value"
                                                          : "control character in field value";
    name_out = name;
    value_out = value;
    return nullptr;
}

const char* parse_field_line(std::string_view line, HeaderField& out) {
    std::string_view name;
    std::string_view value;
    if (const char* err = split_field_line(line, name, value))
        return err;
    out.name.assign(name);
    out.value.assign(value);
    return nullptr;
}

} // namespace detail

} // namespace quire::http
