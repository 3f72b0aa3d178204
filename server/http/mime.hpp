// File-extension to media type mapping: /etc/mime.types plus overrides.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

namespace quire::http {

class MimeTypes {
public:
    // Built-in defaults for the common types (used when /etc/mime.types is missing).
    MimeTypes();
    // Loads a mime.types file (lines "type ext ext ..."; '#' comments); returns false when
    // the file cannot be read.
    bool load_file(const std::string& path);
    void set(std::string ext, std::string type); // ext without dot, case-insensitive
    // The type for a file name by its last extension, with "; charset=utf-8" added to text/*
    // types and to application/javascript, json and xml; "application/octet-stream" otherwise.
    std::string lookup(std::string_view filename) const;

private:
    std::unordered_map<std::string, std::string> by_ext_;
};

} // namespace quire::http
