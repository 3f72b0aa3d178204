#include "basic_auth_handler.hpp"

#include "core/exchange.hpp"
#include "http/headers.hpp"
#include "http/utf8.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string_view>
#include <unordered_map>

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

namespace quire::handlers {

namespace {

using Clock = std::chrono::steady_clock;

// How long a verified Authorization value is trusted on a worker without checking the hash
// again (bcrypt costs milliseconds; DAV clients send credentials on every request).
constexpr auto verified_ttl = std::chrono::seconds(60);
constexpr std::size_t verified_max = 4096;
constexpr std::int64_t check_interval_ms = 1000;

struct Credentials {
    std::string user;
    std::string password;
};

enum class CredentialsError { other_scheme, malformed };

std::string base64_decode(std::string_view raw, bool& ok) {
    ok = false;
    // RFC 7617 section 2 (token68 holding RFC 4648 base64). Padding is added when left out,
    // as Apache and nginx accept such values too.
    if (raw.empty() || raw.size() % 4 == 1) {
        return {};
    }
    std::string padded(raw);
    padded.append((4 - raw.size() % 4) % 4, '=');
    const std::string_view in = padded;
    std::size_t pad = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                           (c >= '0' && c <= '9') || c == '+' || c == '/';
        if (c == '=' && i + 2 >= in.size()) {
            ++pad;
        } else if (!alpha || pad != 0) {
            return {};
        }
    }
    std::string out(in.size() / 4 * 3, '\0');
    const int n = ::EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                    reinterpret_cast<const unsigned char*>(in.data()),
                                    static_cast<int>(in.size()));
    if (n < 0 || static_cast<std::size_t>(n) < pad) {
        return {};
    }
    out.resize(static_cast<std::size_t>(n) - pad); // EVP_DecodeBlock counts padding as zeros
    ok = true;
    return out;
}

tl::expected<Credentials, CredentialsError> parse_basic(std::string_view field) {
    // credentials = auth-scheme [ 1*SP token68 ] (RFC 9110 section 11.4)
    const std::size_t sp = field.find(' ');
    if (!http::iequals(field.substr(0, sp), "Basic")) {
        return tl::unexpected(CredentialsError::other_scheme);
    }
    if (sp == std::string_view::npos) {
        return tl::unexpected(CredentialsError::malformed);
    }
    std::string_view token = field.substr(sp);
    while (!token.empty() && token.front() == ' ') {
        token.remove_prefix(1);
    }
    bool ok = false;
    std::string decoded = base64_decode(token, ok);
    const std::size_t colon = decoded.find(':');
    if (!ok || colon == std::string::npos || colon == 0 ||
        decoded.find_first_of(std::string_view("\0\r\n", 3)) != std::string::npos) {
        return tl::unexpected(CredentialsError::malformed);
    }
    // The user-id cannot contain a colon; the password may (RFC 7617 section 2).
    return Credentials{decoded.substr(0, colon), decoded.substr(colon + 1)};
}

// The cache key: SHA-256 of the whole field value, so no password is kept in memory.
std::string digest(std::string_view field) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (::EVP_Digest(field.data(), field.size(), md, &len, ::EVP_sha256(), nullptr) != 1) {
        return {};
    }
    return std::string(reinterpret_cast<const char*>(md), len);
}

std::string quoted(std::string_view text) {
    // quoted-string (RFC 9110 section 5.6.4)
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    out += '"';
    return out;
}

bool same_file(const struct stat& st, const struct timespec& mtime, off_t size, ino_t inode) {
    return st.st_mtim.tv_sec == mtime.tv_sec && st.st_mtim.tv_nsec == mtime.tv_nsec &&
           st.st_size == size && st.st_ino == inode;
}

// A user name as the client sent it, for the error log: UTF-8 as it is, other bytes and
// control characters as \xHH, so that a name cannot forge or garble log lines.
std::string loggable(std::string_view user) {
    static constexpr char hex[] = "0123456789abcdef";
    const bool utf8 = http::valid_utf8(user);
    std::string out;
    for (unsigned char c : user) {
        if (c < 0x20 || c == 0x7f || c == '\\' || c == '\'' || (c >= 0x80 && !utf8)) {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

void log_warnings(const HtpasswdFile& file) {
    for (const auto& w : file.warnings()) {
        spdlog::warn("{}", w);
    }
}

} // namespace

struct BasicAuthHandler::WorkerState {
    std::uint64_t generation = 0; // of file; 0 before the first request
    std::shared_ptr<const HtpasswdFile> file;
    struct Verified {
        std::string user;
        Clock::time_point expires;
    };
    std::unordered_map<std::string, Verified> verified; // by digest() of the field
};

tl::expected<std::shared_ptr<BasicAuthHandler>, std::string>
BasicAuthHandler::create(AuthOptions options) {
    std::shared_ptr<BasicAuthHandler> h(new BasicAuthHandler());
    if (!options.htpasswd.empty()) {
        struct stat st {};
        if (::stat(options.htpasswd.c_str(), &st) != 0) {
            return tl::unexpected("cannot read " + options.htpasswd + ": " + std::strerror(errno));
        }
        if (!S_ISREG(st.st_mode)) {
            return tl::unexpected("cannot read " + options.htpasswd + ": not a file");
        }
        auto file = HtpasswdFile::load(options.htpasswd);
        if (!file) {
            return tl::unexpected(file.error());
        }
        if (options.warn) {
            log_warnings(*file);
        }
        h->file_ = std::make_shared<const HtpasswdFile>(std::move(*file));
        h->mtime_ = st.st_mtim;
        h->file_size_ = st.st_size;
        h->inode_ = st.st_ino;
    }
    h->challenge_ = "Basic realm=" + quoted(options.realm) + ", charset=\"UTF-8\"";
    h->readers_.insert(options.readers.begin(), options.readers.end());
    h->writers_.insert(options.writers.begin(), options.writers.end());
    h->options_ = std::move(options);
    return h;
}

bool BasicAuthHandler::is_write_method(std::string_view method) {
    return method != "GET" && method != "HEAD" && method != "OPTIONS" && method != "PROPFIND" &&
           method != "REPORT";
}

asio::awaitable<core::Outcome> BasicAuthHandler::handle(core::Exchange& ex) {
    if (options_.htpasswd.empty()) {
        // An anonymous mount: only read_only brings us here.
        if (options_.read_only && is_write_method(ex.method())) {
            ex.response().error(403, "this location is read-only");
            co_return core::Outcome::done;
        }
        ex.may_write = !options_.read_only;
        co_return core::Outcome::next;
    }
    co_return co_await authenticate(ex);
}

asio::awaitable<core::Outcome> BasicAuthHandler::authenticate(core::Exchange& ex) {
    auto& state = ex.worker_local<WorkerState>(this);
    refresh(state);
    const auto field = ex.request().headers.get("Authorization");
    if (!field) {
        challenge(ex, "this location needs a user name and password");
        co_return core::Outcome::done;
    }
    auto credentials = parse_basic(*field);
    if (!credentials) {
        // 401 with the challenge either way, as Apache and nginx answer: a browser that sent
        // credentials it cannot have meant can then ask for them again.
        challenge(ex, credentials.error() == CredentialsError::malformed
                          ? "the Basic credentials cannot be read (base64 of user:password)"
                          : "only Basic authentication is supported here");
        co_return core::Outcome::done;
    }
    const std::string key = digest(*field);
    const auto now = Clock::now();
    std::string user;
    if (auto it = state.verified.find(key);
        it != state.verified.end() && it->second.expires > now) {
        user = it->second.user;
    } else {
        const std::uint64_t generation = state.generation;
        const HtpasswdFile::Entry* entry = state.file->find(credentials->user);
        const bool known = entry && entry->kind != HashKind::refused;
        if (!known) {
            entry = state.file->stand_in(); // an unknown name costs what a wrong password does
        }
        bool ok = false;
        if (entry) {
            // bcrypt takes milliseconds of CPU by design: off the connection's thread.
            auto verify = [hash = entry->hash, password = std::move(credentials->password)] {
                return verify_password(hash, password);
            };
            ok = co_await ex.run_blocking(std::move(verify)) && known;
        }
        if (!ok) {
            spdlog::info("authentication failed for user '{}' from {}", loggable(credentials->user),
                         ex.peer().address().to_string());
            challenge(ex, "wrong user name or password");
            co_return core::Outcome::done;
        }
        user = std::move(credentials->user);
        if (state.generation == generation && !key.empty()) {
            if (state.verified.size() >= verified_max) {
                std::erase_if(state.verified,
                              [now](const auto& item) { return item.second.expires <= now; });
                if (state.verified.size() >= verified_max) {
                    state.verified.clear();
                }
            }
            state.verified[key] = WorkerState::Verified{user, now + verified_ttl};
        }
    }
    const bool write = is_write_method(ex.method());
    if (!allowed(user, write)) {
        ex.response().error(403, write ? "user '" + user + "' may not change this location"
                                       : "user '" + user + "' may not access this location");
        co_return core::Outcome::done;
    }
    ex.may_write = allowed(user, true);
    ex.principal = std::move(user);
    co_return core::Outcome::next;
}

bool BasicAuthHandler::allowed(const std::string& user, bool write) const {
    if (write && options_.read_only) {
        return false;
    }
    if (!options_.lists) {
        return true;
    }
    if (writers_.contains(user)) {
        return true;
    }
    return !write && readers_.contains(user);
}

void BasicAuthHandler::challenge(core::Exchange& ex, std::string detail) const {
    auto& r = ex.response();
    r.error(401, std::move(detail));
    r.headers.set("WWW-Authenticate", challenge_); // RFC 7617 section 2, RFC 9110 11.6.1
}

void BasicAuthHandler::refresh(WorkerState& state) {
    const std::int64_t now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
            .count();
    std::int64_t next = next_check_ms_.load(std::memory_order_relaxed);
    if (now_ms >= next &&
        next_check_ms_.compare_exchange_strong(next, now_ms + check_interval_ms)) {
        check_file();
    }
    if (state.generation != generation_.load(std::memory_order_acquire)) {
        std::lock_guard lock(mutex_);
        state.file = file_;
        state.generation = generation_.load(std::memory_order_relaxed);
        state.verified.clear(); // a password may have changed or a user gone
    }
}

void BasicAuthHandler::check_file() {
    struct stat st {};
    const bool found = ::stat(options_.htpasswd.c_str(), &st) == 0;
    if (!found || !S_ISREG(st.st_mode)) {
        const std::string why = found ? "not a file" : std::strerror(errno);
        std::lock_guard lock(mutex_);
        if (file_size_ != -1) {
            spdlog::error("cannot read {}: {}; the users read before stay", options_.htpasswd, why);
            file_size_ = -1; // reported once; read again when it is back
        }
        return;
    }
    {
        std::lock_guard lock(mutex_);
        if (same_file(st, mtime_, file_size_, inode_)) {
            return;
        }
    }
    // Read outside the lock; a change made meanwhile shows as a new mtime on the next check.
    auto file = HtpasswdFile::load(options_.htpasswd);
    if (!file) {
        spdlog::error("{}; the users read before stay", file.error());
        return;
    }
    log_warnings(*file);
    spdlog::info("reloaded {} ({} users)", options_.htpasswd, file->size());
    std::lock_guard lock(mutex_);
    file_ = std::make_shared<const HtpasswdFile>(std::move(*file));
    mtime_ = st.st_mtim;
    file_size_ = st.st_size;
    inode_ = st.st_ino;
    generation_.fetch_add(1, std::memory_order_release);
}

} // namespace quire::handlers
