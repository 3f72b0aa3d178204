// An htpasswd file ("user:hash" per line, '#' comments) read into memory. Entries whose hash
// is plaintext or of an unrecognised kind are kept as refused, with a warning naming
// FILE:LINE, so that user can never log in (not even through a later duplicate line).
#pragma once

#include "password_hash.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace quire::handlers {

class HtpasswdFile {
public:
    struct Entry {
        std::string hash;
        HashKind kind = HashKind::refused;
    };

    // Reads and parses path; an error when it cannot be read.
    static tl::expected<HtpasswdFile, std::string> load(const std::string& path);
    // Parses text; name is used in warnings ("FILE:LINE: ...").
    static HtpasswdFile parse(std::string_view text, const std::string& name);

    // The entry of user (the first line naming it), or nullptr.
    const Entry* find(std::string_view user) const;
    // The entry a password given for an unknown (or refused) user is checked against, its
    // result thrown away: a quick 401 would tell which names exist, and a bcrypt check takes
    // milliseconds. The first bcrypt entry, else the first usable one; nullptr when none is.
    const Entry* stand_in() const {
        return stand_in_.kind == HashKind::refused ? nullptr : &stand_in_;
    }
    // Problems found while parsing, each as "FILE:LINE: message".
    const std::vector<std::string>& warnings() const { return warnings_; }
    std::size_t size() const { return entries_.size(); }

private:
    std::map<std::string, Entry, std::less<>> entries_;
    std::vector<std::string> warnings_;
    Entry stand_in_;
};

} // namespace quire::handlers
