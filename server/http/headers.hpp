// A request's or response's header fields, in arrival order, looked up case-insensitively.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace quire::http {

struct HeaderField {
    std::string name;  // as received (case preserved)
    std::string value; // leading and trailing whitespace removed
};

bool iequals(std::string_view a, std::string_view b);
// Whether s begins with prefix, ASCII case ignored.
bool starts_with_icase(std::string_view s, std::string_view prefix);

class Headers;
// Whether the Content-Encoding fields name a content coding other than identity (RFC 9110
// section 8.4): the content is then not the representation's data as it stands.
bool has_content_coding(const Headers& h);

class Headers {
public:
    void add(std::string name, std::string value);
    // Copies into the storage of a field cleared before, when there is one (a request head
    // reused for the next request allocates nothing for fields that fit).
    void add_copy(std::string_view name, std::string_view value);
    // Replaces every field of that name with one field.
    void set(std::string_view name, std::string value);
    void remove(std::string_view name);
    // The first field of that name.
    std::optional<std::string_view> get(std::string_view name) const;
    // All values of that name joined with ", " (RFC 9110 section 5.3), or nullopt.
    std::optional<std::string> get_combined(std::string_view name) const;
    std::size_t count(std::string_view name) const;
    bool has(std::string_view name) const { return count(name) != 0; }
    // True when the comma-separated list in any field of that name holds token (case-insensitive).
    bool has_token(std::string_view name, std::string_view token) const;

    std::span<const HeaderField> fields() const { return {fields_.data(), used_}; }
    bool empty() const { return used_ == 0; }
    // Keeps the fields' storage for the fields added next.
    void clear() { used_ = 0; }
    void reserve(std::size_t n) { fields_.reserve(n); }

private:
    // Room for a typical response's fields at the first one (not 1, 2, 4, 8 one by one), and
    // nothing for a response that adds none (a cached static file's are prepared lines).
    void reserve_first() {
        if (fields_.capacity() == 0)
            fields_.reserve(8);
    }
    // Into the first spare field (assigning a string_view reuses its storage), else a new one.
    template <class Name, class Value>
    void append(Name&& name, Value&& value) {
        if (used_ < fields_.size()) {
            fields_[used_].name = std::forward<Name>(name);
            fields_[used_].value = std::forward<Value>(value);
        } else {
            reserve_first();
            fields_.push_back(HeaderField{std::string(std::forward<Name>(name)),
                                          std::string(std::forward<Value>(value))});
        }
        ++used_;
    }
    HeaderField* begin() { return fields_.data(); }
    HeaderField* end() { return fields_.data() + used_; }
    // Drops the fields in [from, end()), keeping them as spare storage.
    void truncate(HeaderField* from) { used_ = static_cast<std::size_t>(from - fields_.data()); }

    // The first used_ are the fields; the rest are spare storage from fields cleared before.
    std::vector<HeaderField> fields_;
    std::size_t used_ = 0;
};

} // namespace quire::http
