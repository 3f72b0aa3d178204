#include "table_reader.hpp"

#include <charconv>

namespace quire::config {

TableReader::TableReader(const toml::table& table, Diagnostics& diag,
                         std::filesystem::path base_dir, std::string context)
    : table_(table), diag_(diag), base_dir_(std::move(base_dir)), context_(std::move(context)) {}

const toml::node* TableReader::get(std::string_view key) {
    seen_.emplace(key);
    return table_.get(key);
}

long TableReader::line() const {
    return static_cast<long>(table_.source().begin.line);
}

long TableReader::line_of(std::string_view key) const {
    if (const auto* n = table_.get(key)) {
        return static_cast<long>(n->source().begin.line);
    }
    return line();
}

void TableReader::error(std::string_view key, const std::string& message) {
    diag_.error(line_of(key), context_ + " " + std::string(key) + ": " + message);
}

void TableReader::error_here(const std::string& message) {
    diag_.error(line(), context_ + ": " + message);
}

std::optional<std::string> TableReader::string(std::string_view key) {
    const auto* n = get(key);
    if (!n) {
        return std::nullopt;
    }
    if (auto v = n->value<std::string>()) {
        return *v;
    }
    error(key, "must be a string");
    return std::nullopt;
}

std::optional<std::int64_t> TableReader::integer(std::string_view key, std::int64_t min,
                                                 std::int64_t max) {
    const auto* n = get(key);
    if (!n) {
        return std::nullopt;
    }
    auto v = n->value<std::int64_t>();
    if (!v || !n->is_integer()) {
        error(key, "must be an integer");
        return std::nullopt;
    }
    if (*v < min || *v > max) {
        error(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
        return std::nullopt;
    }
    return *v;
}

std::optional<bool> TableReader::boolean(std::string_view key) {
    const auto* n = get(key);
    if (!n) {
        return std::nullopt;
    }
    if (auto v = n->value<bool>()) {
        return *v;
    }
    error(key, "must be true or false");
    return std::nullopt;
}

std::optional<bool> TableReader::boolean_shared(std::string_view key) {
    const auto* n = get(key);
    if (!n) {
        return std::nullopt;
    }
    return n->value<bool>();
}

std::optional<std::vector<std::string>> TableReader::strings(std::string_view key) {
    const auto* n = get(key);
    if (!n) {
        return std::nullopt;
    }
    const auto* arr = n->as_array();
    if (!arr) {
        error(key, "must be an array of strings");
        return std::nullopt;
    }
    std::vector<std::string> out;
    for (const auto& item : *arr) {
        auto s = item.value<std::string>();
        if (!s) {
            error(key, "must be an array of strings");
            return std::nullopt;
        }
        out.push_back(*s);
    }
    return out;
}

std::optional<std::string> TableReader::path(std::string_view key) {
    auto s = string(key);
    if (!s) {
        return std::nullopt;
    }
    if (s->empty()) {
        error(key, "must not be empty");
        return std::nullopt;
    }
    std::filesystem::path p(*s);
    if (p.is_relative()) {
        p = base_dir_ / p;
    }
    return p.lexically_normal().string();
}

std::optional<std::uint64_t> TableReader::size(std::string_view key) {
    const auto* n = get(key);
    if (!n) {
        return std::nullopt;
    }
    if (n->is_integer()) {
        auto v = *n->value<std::int64_t>();
        if (v < 0) {
            error(key, "must not be negative");
            return std::nullopt;
        }
        return static_cast<std::uint64_t>(v);
    }
    auto s = n->value<std::string>();
    if (!s || s->empty()) {
        error(key, "must be a number of bytes or a string like \"64M\"");
        return std::nullopt;
    }
    std::uint64_t number = 0;
    auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), number);
    std::string_view unit(end, static_cast<std::size_t>(s->data() + s->size() - end));
    int shift = -1;
    if (unit.empty() || unit == "B") {
        shift = 0;
    } else if (unit == "K" || unit == "k" || unit == "KiB") { // either case, as nginx reads
        shift = 10;
    } else if (unit == "M" || unit == "m" || unit == "MiB") {
        shift = 20;
    } else if (unit == "G" || unit == "g" || unit == "GiB") {
        shift = 30;
    }
    if (ec != std::errc() || shift < 0 || number > (UINT64_MAX >> shift)) {
        error(key, "must be a number of bytes or a string like \"64M\" (units K, M, G)");
        return std::nullopt;
    }
    return number << shift;
}

const toml::table* TableReader::table(std::string_view key) {
    const auto* n = get(key);
    if (!n) {
        return nullptr;
    }
    if (const auto* t = n->as_table()) {
        return t;
    }
    error(key, "must be a table");
    return nullptr;
}

const toml::array* TableReader::array(std::string_view key) {
    const auto* n = get(key);
    if (!n) {
        return nullptr;
    }
    if (const auto* a = n->as_array()) {
        return a;
    }
    error(key, "must be an array");
    return nullptr;
}

void TableReader::finish() {
    for (const auto& [key, node] : table_) {
        if (!seen_.contains(key.str())) {
            diag_.error(static_cast<long>(node.source().begin.line),
                        context_ + ": unknown key '" + std::string(key.str()) + "'");
        }
    }
}

} // namespace quire::config
