#include "htpasswd_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace quire::handlers {

tl::expected<HtpasswdFile, std::string> HtpasswdFile::load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return tl::unexpected("cannot read " + path + ": " + std::strerror(errno));
    }
    std::ostringstream s;
    s << in.rdbuf();
    if (in.bad()) {
        return tl::unexpected("cannot read " + path + ": " + std::strerror(errno));
    }
    return parse(s.str(), path);
}

HtpasswdFile HtpasswdFile::parse(std::string_view text, const std::string& name) {
    HtpasswdFile file;
    long line_no = 0;
    while (!text.empty()) {
        ++line_no;
        const std::size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
        // White space around a line is no part of it, as Apache's config reader has it: an
        // indented '#' starts a comment, and a hash does not end in a stray blank or '\r'.
        while (!line.empty() &&
               (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
            line.remove_suffix(1);
        }
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
            line.remove_prefix(1);
        }
        if (line.empty() || line.front() == '#') {
            continue;
        }
        const std::string where = name + ":" + std::to_string(line_no) + ": ";
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) {
            file.warnings_.push_back(where + "not a \"user:hash\" line; ignored");
            continue;
        }
        const std::string_view user = line.substr(0, colon);
        // Like Apache's mod_authn_file, the hash ends at the next ':' (a comment may follow).
        std::string_view hash = line.substr(colon + 1);
        hash = hash.substr(0, hash.find(':'));
        if (file.entries_.contains(user)) {
            file.warnings_.push_back(where + "user '" + std::string(user) +
                                     "' appears again; the first line counts");
            continue;
        }
        Entry entry{std::string(hash), classify_hash(hash)};
        if (entry.kind == HashKind::refused) {
            file.warnings_.push_back(
                where + "user '" + std::string(user) +
                "': plaintext, DES crypt or unknown hash refused; this user cannot log in "
                "(use bcrypt: htpasswd -B)");
        }
        const bool better_stand_in =
            entry.kind != HashKind::refused && file.stand_in_.kind != HashKind::bcrypt &&
            (file.stand_in_.kind == HashKind::refused || entry.kind == HashKind::bcrypt);
        if (better_stand_in) {
            file.stand_in_ = entry;
        }
        file.entries_.emplace(std::string(user), std::move(entry));
    }
    return file;
}

const HtpasswdFile::Entry* HtpasswdFile::find(std::string_view user) const {
    auto it = entries_.find(user);
    return it == entries_.end() ? nullptr : &it->second;
}

} // namespace quire::handlers
