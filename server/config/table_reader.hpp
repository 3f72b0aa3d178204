// Typed reads from one TOML table with file:line errors; keys nobody asked for are reported
// as unknown when the reader finishes, so a misspelt option never passes silently.
#pragma once

#include "diagnostics.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace quire::config {

class TableReader {
public:
    // base_dir resolves relative paths; context names the table in messages ("[server]").
    TableReader(const toml::table& table, Diagnostics& diag, std::filesystem::path base_dir,
                std::string context);
    ~TableReader() = default;

    std::optional<std::string> string(std::string_view key);
    std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
    std::optional<bool> boolean(std::string_view key);
    // The same for a key that another reader of the table reads too (and reports): another
    // type is nullopt here, without a second error.
    std::optional<bool> boolean_shared(std::string_view key);
    std::optional<std::vector<std::string>> strings(std::string_view key);
    // A string made absolute against the config file's folder.
    std::optional<std::string> path(std::string_view key);
    // A size: an integer number of bytes or a string like "64M", "1G", "512K".
    std::optional<std::uint64_t> size(std::string_view key);
    const toml::table* table(std::string_view key);
    const toml::array* array(std::string_view key);

    void error(std::string_view key, const std::string& message);
    void error_here(const std::string& message);
    long line() const;
    long line_of(std::string_view key) const;
    // Reports every key that was not read.
    void finish();

    Diagnostics& diagnostics() { return diag_; }
    // The configuration is being checked, not run: nothing may be created (Diagnostics).
    bool checking_only() const { return diag_.checking_only(); }
    // Resources other tables of the configuration name too (Diagnostics).
    SharedResources& shared_resources() { return diag_.shared_resources(); }
    const std::filesystem::path& base_dir() const { return base_dir_; }
    const std::string& context() const { return context_; }

private:
    const toml::node* get(std::string_view key);

    const toml::table& table_;
    Diagnostics& diag_;
    std::filesystem::path base_dir_;
    std::string context_;
    std::set<std::string, std::less<>> seen_;
};

} // namespace quire::config
